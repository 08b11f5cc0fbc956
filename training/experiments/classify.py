"""Shared parts of the single-label classifiers: targets, augmentation, metrics, pictures."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from training import metrics, pictures
from training.data import seed_for, to_tensor

from .base import Experiment


def augment(image: torch.Tensor, how: str, seed: int) -> torch.Tensor:
    """Seeded by (run seed, epoch, key): the same sample gets the same change after a resume."""
    if how == "none":
        return image
    generator = torch.Generator().manual_seed(seed)
    if "flip" in how and torch.rand((), generator=generator) < 0.5:
        image = image.flip(-1)
    if "shift" in how:  # pad 1/16 of each side by reflection and crop back at a random offset
        pad_h, pad_w = max(1, image.shape[-2] // 16), max(1, image.shape[-1] // 16)
        padded = F.pad(image[None], (pad_w, pad_w, pad_h, pad_h), mode="reflect")[0]
        top = int(torch.randint(0, 2 * pad_h + 1, (), generator=generator))
        left = int(torch.randint(0, 2 * pad_w + 1, (), generator=generator))
        image = padded[..., top:top + image.shape[-2], left:left + image.shape[-1]]
    return image


class SingleLabelClassifier(Experiment):
    """Softmax over the release's `.cls` label set; accuracy and macro F1 beside chance."""

    primary_metric = "macro_f1"

    @property
    def class_names(self) -> list[str]:
        return self.release.label_sets[self.release.cls_label_set]

    def input_hw(self) -> tuple[int, int]:
        """(height, width) of the release's images, read from one sample."""
        if "input_hw" not in self.state:
            frame = self.release.manifest().iloc[0]
            self.state["input_hw"] = [int(frame["height"]), int(frame["width"])]
        return tuple(self.state["input_hw"])

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        image = to_tensor(sample["image"], self.image_mode)
        if train:
            image = augment(image, self.cfg["data"]["augment"],
                            seed_for(self.cfg["run"]["seed"], epoch, sample["key"]))
        return {"key": sample["key"], "image": image, "target": torch.tensor(sample["cls"])}

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        return F.cross_entropy(model(batch["image"]), batch["target"])

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        return {"logits": model(batch["image"]), "target": batch["target"]}

    def metrics(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        return metrics.single_label(outputs["logits"], outputs["target"], self.class_names)

    def chance(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        correct = int((outputs["logits"].argmax(1) == outputs["target"]).sum())
        return metrics.single_label_chance(outputs["target"], correct, len(self.class_names))

    def pictures(self, run_dir: Path, model: nn.Module, outputs: dict[str, np.ndarray],
                 keys: list[str]) -> dict[str, str]:
        matrix = metrics.single_label(outputs["logits"], outputs["target"],
                                      self.class_names)["confusion_matrix"]
        name = pictures.confusion_matrix(run_dir / "confusion_matrix.png", np.array(matrix),
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
