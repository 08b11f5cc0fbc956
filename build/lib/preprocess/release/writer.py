"""ReleaseWriter: validates samples and streams them into shards, cut by count and bytes, resumable."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import shards
from .samples import Dropped, Sample
from .spec import ReleaseSpec

log = logging.getLogger(__name__)


class ReleaseWriter:
    """Writes the shards of one release directory from a deterministic stream of items.

    Finished shards of an earlier, interrupted build are kept; the items they hold are skipped
    when they arrive again (`done_keys`), so a re-run completes the release without duplicates.
    """

    def __init__(self, spec: ReleaseSpec, release_dir: Path, planned: Mapping[str, int]) -> None:
        self.spec = spec
        self.release_dir = release_dir
        self.per_shard = {split: spec.samples_per_shard(split, planned.get(split, 0))
                          for split in spec.splits}
        self.label_index = {name: {label: i for i, label in enumerate(labels)}
                            for name, labels in spec.label_sets.items()}
        self.unsharded: list[dict[str, Any]] = []  # dropped items of splits with no open shard
        self.done_keys: set[str] = set()
        self._seen_keys: set[str] = set()
        self._dedup_first: dict[str, str] = {}
        self._meta_types: dict[str, str] | None = None
        self._open: dict[str, shards.OpenShard] = {}
        self._next_index = {split: 0 for split in spec.splits}
        self.finished: dict[str, list[str]] = {split: [] for split in spec.splits}
        self.resumed_shards = 0
        self._load_finished_shards()

    # -- resume ---------------------------------------------------------------------------
    def _load_finished_shards(self) -> None:
        for split in self.spec.splits:
            index = 0
            while shards.is_complete(self.release_dir, shards.shard_name(split, index)):
                name = shards.shard_name(split, index)
                rows = shards.read_rows(self.release_dir, name)
                self.done_keys.update(rows["key"])
                for key, dedup in zip(rows["key"], rows["dedup"]):
                    if dedup is not None:  # only kept samples carry their dedup identity
                        self._dedup_first.setdefault(dedup, key)
                self.finished[split].append(name)
                index += 1
            self._next_index[split] = index
            self.resumed_shards += index
        if self.resumed_shards:
            log.info("resuming %s: %d finished shards kept, %d items done", self.release_dir,
                     self.resumed_shards, len(self.done_keys))

    # -- adding items ---------------------------------------------------------------------
    def add(self, item: Sample | Dropped) -> None:
        """Add one item in stream order; raises ValueError naming the key on invalid input."""
        self._claim(item)
        if item.key in self.done_keys:
            return
        if isinstance(item, Sample):
            item = self._screen(item)
        if isinstance(item, Dropped):
            row = shards.row_for(item)
            if item.split is not None and item.split in self._open:
                self._open[item.split].note(row)
            elif item.split is not None:
                self._shard_for(item.split, incoming_bytes=0, opening_only=True).note(row)
            else:
                self.unsharded.append(row)
            return
        self._write_sample(item)

    def add_planned_drop(self, item: Dropped) -> None:
        """Record an item dropped before rendering (a filter decision): a manifest row only."""
        self._claim(item)
        self.unsharded.append(shards.row_for(item))

    def _claim(self, item: Sample | Dropped) -> None:
        """Check the key is new to this run and the split is known; remember the key."""
        if item.key in self._seen_keys:
            raise ValueError(f"duplicate sample key {item.key!r}: a key appears once per release")
        self._seen_keys.add(item.key)
        if item.split is not None and item.split not in self.spec.splits:
            raise ValueError(f"item {item.key}: split {item.split!r} is not one of "
                             f"{list(self.spec.splits)}")

    def _screen(self, sample: Sample) -> Sample | Dropped:
        """Takedown and duplicate checks: both turn a sample into a manifest row."""
        ids = {f"{name}={value}" for name, value in sample.source_ids.items()}
        if sample.key in self.spec.takedown or ids & set(self.spec.takedown):
            return _dropped(sample, "takedown", "listed in the takedown list")
        if sample.dedup is not None:
            first = self._dedup_first.setdefault(sample.dedup, sample.key)
            if first != sample.key:
                return _dropped(sample, "duplicate", f"duplicate of {first}")
        return sample

    def _write_sample(self, sample: Sample) -> None:
        meta = self._meta(sample)
        meta_json = json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8")
        cls_index, labels_json = self._encode_labels(sample)
        members = shards.sample_members(self.spec, sample, meta_json, cls_index, labels_json)
        size = sum(len(v) for k, v in members.items() if k != "__key__")
        shard = self._shard_for(sample.split, incoming_bytes=size)
        shard.write(members, shards.row_for(sample))

    def _shard_for(self, split: str, incoming_bytes: int, opening_only: bool = False):
        """The open shard of `split`, closing it first when the next sample would overflow it."""
        shard = self._open.get(split)
        if shard is not None and not opening_only and shard.samples and (
                shard.samples >= self.per_shard[split]
                or shard.payload_bytes + incoming_bytes > self.spec.shard_max_bytes):
            self._close(split)
            shard = None
        if shard is None:
            shard = shards.OpenShard(self.release_dir, split, self._next_index[split])
            self._next_index[split] += 1
            self._open[split] = shard
        return shard

    def abandon(self) -> None:
        """Remove every open shard's partial tar (after a failed write): no half shard stays."""
        for shard in self._open.values():
            shard.abandon()
        self._open.clear()

    def _close(self, split: str) -> None:
        shard = self._open.pop(split)
        shard.close()
        self.finished[split].append(shard.name)

    def _meta(self, sample: Sample) -> dict[str, Any]:
        """The sample's .json: the stage's metadata plus the writer's fields, one schema for all."""
        meta = dict(sample.meta)
        meta.update(key=sample.key, split=sample.split, labels=dict(sample.labels),
                    source_sha256=sample.source_sha256, source_ids=dict(sample.source_ids),
                    width=sample.width, height=sample.height,
                    original_width=sample.original_width, original_height=sample.original_height)
        if self.spec.attribution:
            meta["attribution"] = self.spec.attribution
        if self.spec.license:
            meta["license"] = self.spec.license
        types = {name: _json_type(value) for name, value in meta.items()}
        if self._meta_types is None:
            self._meta_types = types
        elif set(types) != set(self._meta_types):
            raise ValueError(f"sample {sample.key}: metadata keys differ from the first sample's "
                             f"(missing {sorted(set(self._meta_types) - set(types))}, extra "
                             f"{sorted(set(types) - set(self._meta_types))}); use null, not absence")
        else:
            for name, kind in types.items():
                known = self._meta_types[name]
                if known == "null":
                    self._meta_types[name] = kind
                elif kind not in ("null", known):
                    raise ValueError(f"sample {sample.key}: metadata field {name!r} is {kind}, "
                                     f"but {known} in earlier samples")
        return meta

    def _encode_labels(self, sample: Sample) -> tuple[int | None, bytes | None]:
        for name, value in sample.labels.items():
            if name not in self.label_index:
                raise ValueError(f"sample {sample.key}: unknown label set {name!r} "
                                 f"(known: {sorted(self.label_index)})")
            values = value if isinstance(value, (list, tuple)) else [value]
            for label in values:
                if label is not None and label not in self.label_index[name]:
                    raise ValueError(f"sample {sample.key}: label {label!r} is not in label set "
                                     f"{name!r}")
        cls_index = None
        if self.spec.cls_label_set:
            label = sample.labels.get(self.spec.cls_label_set)
            if label is None or isinstance(label, (list, tuple)):
                raise ValueError(f"sample {sample.key}: needs one {self.spec.cls_label_set!r} "
                                 f"label for its .cls, got {label!r}")
            cls_index = self.label_index[self.spec.cls_label_set][label]
        labels_json = None
        if self.spec.multi_label_sets:
            hot = {}
            for name in self.spec.multi_label_sets:
                vector = [0] * len(self.spec.label_sets[name])
                value = sample.labels.get(name) or []
                for label in value if isinstance(value, (list, tuple)) else [value]:
                    vector[self.label_index[name][label]] = 1
                hot[name] = vector
            labels_json = json.dumps(hot, sort_keys=True, separators=(",", ":")).encode()
        return cls_index, labels_json

    # -- finishing ------------------------------------------------------------------------
    def close(self) -> pd.DataFrame:
        """Close open shards; return every row written (finished shards + dropped, unsharded)."""
        for split in list(self._open):
            shard = self._open[split]
            if shard.samples:
                self._close(split)
            else:  # a split that ended with drops only: its rows live in the manifest alone
                self.unsharded.extend(shard.rows)
                self._open.pop(split).abandon()
                self._next_index[split] -= 1
        frames = []
        for split in self.spec.splits:
            for name in self.finished[split]:
                frame = shards.read_rows(self.release_dir, name)
                frame["shard"] = f"{name}.tar"
                frames.append(frame)
        if self.unsharded:
            extra = shards.rows_frame(self.unsharded)
            extra["shard"] = None
            frames.append(extra)
        if not frames:
            return shards.rows_frame([]).assign(shard=None)
        return pd.concat(frames, ignore_index=True)


def _dropped(sample: Sample, status: str, reason: str) -> Dropped:
    return Dropped(key=sample.key, split=sample.split, status=status, reason=reason,
                   labels=sample.labels, source_sha256=sample.source_sha256,
                   source_ids=sample.source_ids, original_width=sample.original_width,
                   original_height=sample.original_height)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    raise ValueError(f"metadata value {value!r} is not JSON-serialisable")
