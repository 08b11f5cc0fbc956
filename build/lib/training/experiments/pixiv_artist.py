"""Pixiv artist identification: a 14-layer residual network, per-artist and pairwise accuracy."""
from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from training import metrics, figures
from training.models import resnet14

from .classify import SingleLabelClassifier


class PixivArtist(SingleLabelClassifier):
    """n-way artist classifier; with model.pair = [i, j] a binary one for one pair of artists
    (training/pairwise.py trains one per pair for the binary pairwise table)."""

    image_mode = "RGB"
    primary_metric = "accuracy"
    chance_metrics = ("accuracy", "macro_f1")
    seed_figures = {"note": "the seed reports n-way accuracy and a pairwise table per artist pair"}

    @property
    def pair(self) -> list[int]:
        return list(self.cfg["model"].get("pair") or [])

    @property
    def class_names(self) -> list[str]:
        names = self.release.label_sets[self.release.cls_label_set]
        return [names[i] for i in self.pair] if self.pair else names

    def _pair_keys(self, splits) -> set[str] | None:
        if not self.pair:
            return None
        frame = self.release.manifest()
        names = set(self.class_names)
        labels = frame["labels"].map(lambda raw: json.loads(raw)[self.release.cls_label_set])
        return set(frame[frame["split"].isin(splits) & labels.isin(names)]["key"])

    def train_keys(self):
        return self._pair_keys(self.train_splits)

    def eval_keys(self):
        return self._pair_keys(self.test_splits)

    @property
    def val_splits(self):  # a binary model of one pair trains its fixed epochs
        return () if self.pair else ("val",)

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        item = super().transform(sample, epoch, train)
        if self.pair:
            item["target"] = torch.tensor(self.pair.index(sample["cls"]))
        return item

    def build_model(self) -> nn.Module:
        return resnet14(len(self.class_names))

    def metrics(self, outputs, keys):
        result = super().metrics(outputs, keys)
        if self.pair:
            return result
        table = metrics.pairwise_from_multiclass(outputs["logits"], outputs["target"],
                                                 len(self.class_names))
        result["pairwise_accuracy_multiclass"] = np.where(np.isnan(table), None, table).tolist()
        result["mean_pairwise_accuracy_multiclass"] = float(np.nanmean(table))
        return result

    def figures(self, run_dir, model, outputs, keys):
        shown = super().figures(run_dir, model, outputs, keys)
        table = metrics.pairwise_from_multiclass(outputs["logits"], outputs["target"],
                                                 len(self.class_names))
        shown["Pairwise accuracy, restricted to each pair from the multi-class model"] = (
            figures.pairwise_heatmap(run_dir / "pairwise_multiclass.png", table,
                                      self.class_names))
        binary = run_dir / "pairwise_binary.json"
        if binary.exists():  # eval.pairwise_binary: one binary classifier per pair
            table = np.array(json.loads(binary.read_text())["table"], dtype=float)
            shown["Pairwise accuracy from a binary classifier per pair"] = (
                figures.pairwise_heatmap(run_dir / "pairwise_binary.png", table,
                                          self.class_names))
        return shown
