"""Shared parts of the single-label classifiers: targets, augmentation, metrics, figures."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from training import metrics, figures
from training.data import image_array, seed_for

from .base import Experiment


def augment(image: np.ndarray, how: str, seed: int) -> np.ndarray:
    """Flip and/or translate an HxWxC uint8 array, seeded by (run seed, epoch, key): the same sample
    gets the same change after a resume, whichever worker loads it."""
    if how == "none":
        return image
    rng = np.random.default_rng(seed)
    if "flip" in how and rng.random() < 0.5:
        image = image[:, ::-1]
    if "shift" in how:  # translate by up to 1/16 of each side; the uncovered border is black
        height, width = image.shape[:2]
        dy = int(rng.integers(-(height // 16), height // 16 + 1))
        dx = int(rng.integers(-(width // 16), width // 16 + 1))
        shifted = np.zeros_like(image)
        shifted[max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
            image[max(-dy, 0):height - max(dy, 0), max(-dx, 0):width - max(dx, 0)]
        image = shifted
    return image


class SingleLabelClassifier(Experiment):
    """Softmax over the release's `.cls` label set; accuracy and macro F1 beside chance."""

    primary_metric = "macro_f1"

    @property
    def class_names(self) -> list[str]:
        return self.release.label_sets[self.release.cls_label_set]

    def release_problems(self) -> list[str]:
        problems = super().release_problems()
        if not self.release.cls_label_set:
            problems.append("no single-label set (no .cls member)")
        return problems

    def input_hw(self) -> tuple[int, int]:
        """(height, width) of the release's images, read from one sample."""
        if "input_hw" not in self.state:
            frame = self.release.manifest().iloc[0]
            self.state["input_hw"] = [int(frame["height"]), int(frame["width"])]
        return tuple(self.state["input_hw"])

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        image = image_array(sample["image"], self.image_mode)
        if train:
            image = augment(image, self.cfg["data"]["augment"],
                            seed_for(self.cfg["run"]["seed"], epoch, sample["key"]))
        return {"key": sample["key"], "image": image,
                "target": torch.tensor(sample["cls"])}

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        return F.cross_entropy(model(batch["image"]), batch["target"])

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        return {"logits": model(batch["image"]), "target": batch["target"]}

    def metrics(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        return metrics.single_label(outputs["logits"], outputs["target"], self.class_names)

    def chance(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        predicted = outputs["logits"].argmax(1)
        correct = int((predicted == outputs["target"]).sum())
        ours = metrics.single_label(outputs["logits"], outputs["target"], self.class_names)
        return metrics.single_label_chance(outputs["target"], correct, len(self.class_names),
                                           macro_f1=ours["macro_f1"])

    def figures(self, run_dir: Path, model: nn.Module, outputs: dict[str, np.ndarray],
                 keys: list[str]) -> dict[str, str]:
        matrix = metrics.single_label(outputs["logits"], outputs["target"],
                                      self.class_names)["confusion_matrix"]
        name = figures.confusion_matrix(run_dir / "confusion_matrix.png", np.array(matrix),
                                         self.class_names)
        return {"Confusion matrix (rows: true, columns: predicted), first repeat": name}


def manifest_groups(experiment: Experiment, fields: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Keys of every kept sample and a group id per key from its source ids (e.g. title+image)."""
    frame = experiment.release.manifest()
    groups = []
    for raw in frame["source_ids"]:
        ids = json.loads(raw) if isinstance(raw, str) else dict(raw)
        groups.append("/".join(str(ids.get(f)) for f in fields))
    return frame["key"].tolist(), groups
