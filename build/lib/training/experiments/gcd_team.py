"""GCD team members on covers: ResNet-34, multi-label sigmoid, the seed's accuracy_thresh and F2."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from training import metrics, figures
from training.data import image_array, seed_for
from training.models import build_resnet34

from .base import Experiment
from .classify import augment


class GcdTeam(Experiment):
    image_mode = "RGB"
    primary_metric = "f2"
    chance_metrics = ("accuracy_thresh", "f2")
    seed_figures = {"accuracy_thresh (Justice League)": 0.95, "f2 (Justice League)": 0.81}

    @property
    def label_set(self) -> str:
        return self.release.multi_label_sets[0]

    def release_problems(self) -> list[str]:
        problems = super().release_problems()
        if not self.release.multi_label_sets:
            problems.append("no multi-label set (no .labels.json member)")
        return problems

    @property
    def label_names(self) -> list[str]:
        return self.release.label_sets[self.label_set]

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        image = image_array(sample["image"], "RGB")
        if train:
            image = augment(image, self.cfg["data"]["augment"],
                            seed_for(self.cfg["run"]["seed"], epoch, sample["key"]))
        weight = sample["meta"].get("sampling_weight")
        return {"key": sample["key"], "image": image,
                "target": torch.tensor(sample["labels"][self.label_set], dtype=torch.float32),
                "weight": torch.tensor(1.0 if weight is None else float(weight))}

    def build_model(self) -> nn.Module:
        return build_resnet34(len(self.label_names), self.cfg["model"]["weights"] or None)

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        per_cell = F.binary_cross_entropy_with_logits(model(batch["image"]), batch["target"],
                                                      reduction="none")
        if not self.cfg["data"]["use_sampling_weights"]:
            return per_cell.mean()
        # the release's rebalancing weights, applied to the loss: in expectation the same
        # gradient as sampling covers in proportion to their weight, without a sampler
        weights = batch["weight"].to(per_cell.dtype)
        return (per_cell.mean(1) * weights).sum() / weights.sum()

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        return {"probs": torch.sigmoid(model(batch["image"]).float()), "target": batch["target"]}

    def metrics(self, outputs, keys):
        return metrics.multi_label(outputs["probs"], outputs["target"], self.label_names)

    def chance(self, outputs, keys):
        return metrics.multi_label_chance(outputs["target"])

    def figures(self, run_dir, model, outputs, keys):
        settings = self.cfg["eval"]
        return figures.gradcam_grid(self, run_dir, model, outputs, keys,
                                     labels=settings["gradcam_labels"],
                                     covers=settings["gradcam_covers"])
