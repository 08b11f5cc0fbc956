"""Illustration2Vec on pixiv-tags: VGG-11 + NIN tag prediction (sigmoid tags, softmax rating),
mAP per category, a 4,096-bit hash with Hamming search, semantic morphing and a t-SNE map."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from training.data import image_array, seed_for
from training.embeddings import hashing, tag_metrics
from training.models_embedding import Illust2VecNet

from .base import Experiment
from .classify import augment

CATEGORIES = ("general", "copyright", "character")


def shared_tag_test(targets: np.ndarray, neighbour: np.ndarray, permutations: int, seed: int
                    ) -> dict:
    """Do hash neighbours share more tags than random pairs? Mean shared positive tags of each
    image and its nearest neighbour against the same pairing shuffled (one-sided permutation p)."""
    targets = np.asarray(targets) > 0
    observed = float((targets & targets[neighbour]).sum(1).mean())
    rng = np.random.default_rng(seed)
    draws = np.array([(targets & targets[rng.permutation(neighbour)]).sum(1).mean()
                      for _ in range(permutations)])
    return {"nn_shared_tags": observed, "random_pair_shared_tags": float(draws.mean()),
            "p_hash_neighbours_permutation": float((1 + (draws >= observed).sum())
                                                   / (1 + permutations))}


class Illust2Vec(Experiment):
    image_mode = "RGB"
    primary_metric = "map_general"
    chance_metrics = ("map_general", "map_copyright", "map_character", "map_rating")
    seed_figures = {"map_general (VGG+NIN)": 32.2, "map_copyright (VGG+NIN)": 27.8,
                    "map_character (VGG+NIN)": 57.4, "map_rating (VGG+NIN)": 85.9}

    @property
    def categories(self) -> list[str]:
        return [c for c in CATEGORIES if c in self.release.multi_label_sets]

    def release_problems(self) -> list[str]:
        problems = super().release_problems()
        if "general" not in self.release.multi_label_sets:  # map_general selects the model
            problems.append(f"no multi-label set 'general' (it has "
                            f"{list(self.release.multi_label_sets) or 'none'})")
        return problems

    def tag_names(self) -> list[str]:
        return [n for c in self.categories for n in self.release.label_sets[c]]

    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for category in self.categories:
            size = len(self.release.label_sets[category])
            out[category], start = slice(start, start + size), start + size
        return out

    @property
    def ratings(self) -> list[str]:
        return self.release.label_sets.get("rating", [])

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        size = self.cfg["data"]["image_size"]
        image = sample["image"]
        if size and image.size != (size, size):
            image = image.resize((size, size), Image.BILINEAR)
        array = image_array(image, "RGB")  # uint8 HxWxC: the loop normalises on the device
        if train:
            array = augment(array, self.cfg["data"]["augment"],
                            seed_for(self.cfg["run"]["seed"], epoch, sample["key"]))
        labels = sample.get("labels", {})
        tags = [v for c in self.categories for v in labels.get(c, [0] * len(
            self.release.label_sets[c]))]
        rating = sample.get("cls", -100) if self.release.cls_label_set == "rating" else -100
        return {"key": sample["key"], "image": np.ascontiguousarray(array),
                "tags": torch.tensor(tags, dtype=torch.float32), "rating": torch.tensor(rating)}

    def build_model(self) -> nn.Module:
        m, size = self.cfg["model"], self.cfg["data"]["image_size"] or 224
        return Illust2VecNet(len(self.tag_names()), max(1, len(self.ratings)), head=m["head"],
                             width=m["width"], feature_bits=m["feature_bits"],
                             input_hw=(size, size), dropout=m["dropout"],
                             batch_norm=m["batch_norm"])

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        tags, rating = model(batch["image"])
        loss = F.binary_cross_entropy_with_logits(tags.float(), batch["tags"])
        if self.ratings and (batch["rating"] >= 0).any():  # the rating: its own softmax head
            loss = loss + F.cross_entropy(rating.float(), batch["rating"], ignore_index=-100)
        return loss

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        tags, rating = model(batch["image"])
        out = {"tag_probs": torch.sigmoid(tags.float()), "tags": batch["tags"],
               "rating_probs": torch.softmax(rating.float(), 1), "rating": batch["rating"]}
        if model.encode is not None:
            out["features"] = model.features(batch["image"]).float()
        return out

    def _scored(self, outputs: dict) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
        """category -> (scores, multi-hot targets, tag names), the rating as one-hot columns."""
        names = self.tag_names()
        out = {c: (outputs["tag_probs"][:, s], outputs["tags"][:, s], names[s])
               for c, s in self.slices().items()}
        if self.ratings:
            known = outputs["rating"] >= 0
            out["rating"] = (outputs["rating_probs"][known],
                             tag_metrics.one_hot(outputs["rating"][known], len(self.ratings)),
                             self.ratings)
        return out

    def metrics(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        result = {}
        for category, (scores, targets, names) in self._scored(outputs).items():
            scored = tag_metrics.category_map(scores, targets, names)
            result[f"map_{category}"] = scored["map"]
            result[f"excluded_tags_{category}"] = scored["excluded"]
            # per_class_*: summarised over repeats and tabled in the report (tag names legible)
            result[f"per_class_ap_{category}"] = scored["per_tag"]
        return result

    def chance(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        """The constant (label-frequency) scorer: all ties, so its AP per tag is the tag's test
        prevalence; and the hash neighbour test."""
        result = {}
        for category, (scores, targets, names) in self._scored(outputs).items():
            constant = tag_metrics.frequency_scores(targets.mean(0), len(targets))
            result[f"map_{category}"] = tag_metrics.category_map(constant, targets, names)["map"]
        if "features" in outputs and len(keys) > 2:
            codes = hashing.pack(outputs["features"])
            _, ids = hashing.HammingIndex(codes).neighbours(1)
            targets = np.concatenate([outputs["tags"] > 0, tag_metrics.one_hot(
                np.maximum(outputs["rating"], 0), max(1, len(self.ratings))) > 0], 1)
            result.update(shared_tag_test(targets, ids[:, 0], self.cfg["eval"]["permutations"],
                                          self.cfg["run"]["seed"]))
        return result

    def figures(self, run_dir: Path, model: nn.Module, outputs: dict[str, np.ndarray],
                 keys: list[str]) -> dict[str, str]:
        from .illust2vec_figures import draw

        return draw(self, run_dir, outputs, keys)
