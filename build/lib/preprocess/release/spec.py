"""ReleaseSpec: what a release is (name, version, splits, label sets, sharding, card text)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from core.keys import KEY_PATTERN
from preprocess.images import ENCODINGS


SHARE_MODES = ("full", "metadata-only")


def definition_hash(definition: Mapping[str, Any]) -> str:
    """sha256 of the definition's canonical JSON: equal definitions, equal hash."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ReleaseSpec:
    """Everything the writer needs besides the samples themselves."""

    dataset: str
    version: str
    splits: Sequence[str] = ("train", "val", "test")
    label_sets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    cls_label_set: str | None = None
    multi_label_sets: Sequence[str] = ()
    has_text: bool = False
    image_ext: str = "jpg"
    shard_max_samples: int = 10_000
    shard_max_bytes: int = 1_000_000_000
    min_shards_per_split: int = 8
    # the splits a training loader streams, one shard per loader worker and process: only these
    # get the minimum shard count; the others are read by index (wids) and follow the size limits
    min_shards_splits: Sequence[str] = ("train",)
    definition: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    license: str = ""
    attribution: str = ""
    source_snapshot: Mapping[str, Any] = field(default_factory=dict)
    takedown: frozenset[str] = frozenset()  # keys or "<id name>=<value>" source ids never to ship
    # how `inkset publish` shares it: "full" (shards too) or "metadata-only" (ids, URLs, labels,
    # hashes), the default where the images belong to others and may not be redistributed
    share: str = "full"

    def __post_init__(self) -> None:
        for name, value in (("dataset", self.dataset), ("version", self.version)):
            # dots are fine in a directory name, but keep names shell- and URL-safe
            if not value or not all(c.isalnum() or c in "-_." for c in value):
                raise ValueError(f"{name} {value!r}: use letters, digits, '-', '_' and '.' only")
        if self.share not in SHARE_MODES:
            raise ValueError(f"share must be one of {list(SHARE_MODES)}, not {self.share!r}")
        if not self.splits or len(set(self.splits)) != len(self.splits):
            raise ValueError(f"splits must be distinct and non-empty, got {list(self.splits)}")
        for split in self.splits:
            if not KEY_PATTERN.fullmatch(split):
                raise ValueError(f"split name {split!r}: use [A-Za-z0-9_-] only")
        if self.image_ext not in ENCODINGS:
            raise ValueError(f"image_ext must be one of {ENCODINGS}, not {self.image_ext!r}")
        if self.cls_label_set is not None and self.cls_label_set not in self.label_sets:
            raise ValueError(f"cls_label_set {self.cls_label_set!r} is not one of the label "
                             f"sets {sorted(self.label_sets)}")
        unknown = set(self.multi_label_sets) - set(self.label_sets)
        if unknown:
            raise ValueError(f"multi_label_sets {sorted(unknown)} are not label sets "
                             f"{sorted(self.label_sets)}")
        for name, names in self.label_sets.items():
            if len(set(names)) != len(names):
                raise ValueError(f"label set {name!r} has repeated names")
        if self.shard_max_samples < 1 or self.shard_max_bytes < 1:
            raise ValueError("shard_max_samples and shard_max_bytes must be positive")

    @property
    def members(self) -> tuple[str, ...]:
        """The member extensions every sample carries, in tar order."""
        members = [self.image_ext, "json"]
        if self.cls_label_set:
            members.append("cls")
        if self.multi_label_sets:
            members.append("labels.json")
        if self.has_text:
            members.append("txt")
        return tuple(sorted(members))

    def samples_per_shard(self, split: str, planned: int) -> int:
        """Shard size by count: at most shard_max_samples; in a training split also small enough
        for the minimum shard count, so that every loader worker of every process gets a shard."""
        if split not in self.min_shards_splits:
            return max(1, min(self.shard_max_samples, planned))
        # floor, not ceil: n >= min_shards_per_split samples always make at least that many shards
        spread = planned // self.min_shards_per_split
        return max(1, min(self.shard_max_samples, spread))
