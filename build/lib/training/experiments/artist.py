"""Comic artist classification (pages or panels of Manga109): the seed's CNN and its protocol."""
from __future__ import annotations

from sklearn.model_selection import GroupShuffleSplit
from torch import nn

from training.models import ArtistCNN

from .classify import SingleLabelClassifier, manifest_groups


class ComicArtist(SingleLabelClassifier):
    """80/20 splits drawn from the release's samples, repeated with different seeds, grouped by
    source page so the two halves of one spread (or panels of one page) never cross sides."""

    image_mode = "L"
    primary_metric = "macro_f1"
    chance_metrics = ("accuracy", "macro_f1")
    seed_figures = {"macro_f1 (pages)": 0.84, "macro_f1 (panels)": "0.48-0.50"}

    @property
    def train_splits(self):  # the protocol re-splits every sample of the release
        return tuple(self.release.splits)

    test_splits = train_splits
    val_splits = ()

    def _split(self) -> tuple[set[str], set[str]]:
        protocol = self.cfg["eval"]
        keys, groups = manifest_groups(self, tuple(protocol["group_by"]))
        cut = GroupShuffleSplit(n_splits=1, test_size=protocol["test_fraction"],
                                random_state=self.cfg["run"]["seed"] + self.repeat)
        train, test = next(cut.split(keys, groups=groups))
        return {keys[i] for i in train}, {keys[i] for i in test}

    def train_keys(self):
        return self._split()[0]

    def eval_keys(self):
        return self._split()[1]

    def build_model(self) -> nn.Module:
        model = self.cfg["model"]
        return ArtistCNN(len(self.class_names), in_channels=1, input_hw=self.input_hw(),
                         widths=tuple(model["widths"]), hidden=model["hidden"],
                         dropout=model["dropout"])

    def figures(self, run_dir, model, outputs, keys):
        from training import figures

        shown = super().figures(run_dir, model, outputs, keys)
        settings = self.cfg["eval"]
        shown.update(figures.activation_maximisation(
            run_dir, model, self.input_hw(), self.class_names, units=settings["actmax_units"],
            steps=settings["actmax_steps"]))
        return shown
