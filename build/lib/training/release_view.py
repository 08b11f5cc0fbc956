"""A finished release as training sees it: card, labels, shards per split, and its fingerprint."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import InksetError, UsageError


@dataclass(frozen=True)
class ReleaseInfo:
    """What training needs to know about `releases/<dataset>/<version>/` (docs/contracts.md §5)."""

    path: Path
    dataset: str
    version: str
    label_sets: dict[str, list[str]]          # label set -> class names, index = position
    cls_label_set: str | None                 # the single-label set written as <key>.cls
    multi_label_sets: list[str]               # label sets written multi-hot in <key>.labels.json
    shards: dict[str, list[str]]              # split -> shard file names
    counts: dict[str, int]                    # split -> samples
    members: list[str] = field(default_factory=list)
    checksums_sha256: str = ""                # sha256 of SHA256SUMS: names the exact bytes trained on

    @property
    def splits(self) -> list[str]:
        return [s for s in self.shards if self.counts.get(s)]

    def urls(self, split: str) -> list[str]:
        if split not in self.shards:
            raise UsageError(f"{self.path}: no split {split!r}; it has {sorted(self.shards)}")
        return [str(self.path / name) for name in self.shards[split]]

    def manifest(self) -> pd.DataFrame:
        """Every kept sample: key, split, shard and labels, in shard order (= tar order)."""
        frame = pd.read_parquet(self.path / "manifest.parquet")
        kept = frame[frame["status"] == "success"]
        return kept.sort_values(["shard", "key"], kind="stable").reset_index(drop=True)

    def describe(self) -> dict:
        return {"dataset": self.dataset, "version": self.version, "path": str(self.path),
                "sha256_of_SHA256SUMS": self.checksums_sha256, "samples": self.counts}


def open_release(path: str | Path) -> ReleaseInfo:
    """Read a complete release directory; a clear error when it is not one."""
    path = Path(path).resolve()
    card_file = path / "dataset.json"
    if not card_file.is_file():
        raise InksetError(f"{path} is not a complete release (no dataset.json); build it first "
                          f"or pass the folder releases/<dataset>/<version>/")
    card = json.loads(card_file.read_text())
    labels = json.loads((path / "labels.json").read_text())
    info = json.loads((path / "_info.json").read_text())
    shards = {split: list(entry["filenames"]) for split, entry in info["splits"].items()}
    counts = {split: int(entry["num_samples"]) for split, entry in info["splits"].items()}
    sums = path / "SHA256SUMS"
    return ReleaseInfo(
        path=path, dataset=card["name"], version=str(card["version"]),
        label_sets={name: list(entry["names"]) for name, entry in labels.items()},
        cls_label_set=card.get("cls_label_set"),
        multi_label_sets=list(card.get("multi_label_sets", [])),
        shards=shards, counts=counts, members=list(card.get("members", [])),
        checksums_sha256=hashlib.sha256(sums.read_bytes()).hexdigest() if sums.exists() else "")


def resolve_release(release: str | None = None, dataset: str | None = None) -> ReleaseInfo:
    """`--release PATH` or `--dataset NAME[@VERSION]` (NAME alone: the `latest` pointer's
    version; the refresh stage's resolver, so training and refresh agree on what is newest)."""
    if release:
        return open_release(release)
    if not dataset:
        raise UsageError("name a release: --release PATH or --dataset NAME[@VERSION]")
    from core.versions import resolve_release as resolve_version

    return open_release(resolve_version(dataset))
