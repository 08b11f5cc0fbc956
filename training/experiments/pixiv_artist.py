"""Pixiv artist identification: a 14-layer residual network, per-artist and pairwise accuracy."""
from __future__ import annotations

import numpy as np
from torch import nn

from training import metrics, pictures
from training.models import resnet14

from .classify import SingleLabelClassifier


class PixivArtist(SingleLabelClassifier):
    dataset = "pixiv-artists"
    image_mode = "RGB"
    primary_metric = "accuracy"
    chance_metrics = ("accuracy", "macro_f1")
    seed_figures = {"note": "the seed reports n-way accuracy and a pairwise table per artist pair"}

    def build_model(self) -> nn.Module:
        return resnet14(len(self.class_names))

    def metrics(self, outputs, keys):
        result = super().metrics(outputs, keys)
        table = metrics.pairwise_from_multiclass(outputs["logits"], outputs["target"],
                                                 len(self.class_names))
        result["pairwise_accuracy_multiclass"] = np.where(np.isnan(table), None, table).tolist()
        result["mean_pairwise_accuracy_multiclass"] = float(np.nanmean(table))
        return result

    def pictures(self, run_dir, model, outputs, keys):
        shown = super().pictures(run_dir, model, outputs, keys)
        table = metrics.pairwise_from_multiclass(outputs["logits"], outputs["target"],
                                                 len(self.class_names))
        shown["Pairwise accuracy, restricted to each pair from the multi-class model"] = (
            pictures.pairwise_heatmap(run_dir / "pairwise_multiclass.png", table,
                                      self.class_names))
        return shown
