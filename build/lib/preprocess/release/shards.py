"""One shard: a WebDataset tar plus its per-shard parquet and _stats.json (the completion marker)."""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from core import atomic

from .tarstream import TarStream
from .samples import Dropped, Sample
from .spec import ReleaseSpec

# img2dataset's per-shard columns, then inkset's own
SHARD_COLUMNS = ("key", "status", "error_message", "width", "height", "original_width",
                 "original_height", "sha256", "split", "labels", "source_ids", "dedup")


def shard_name(split: str, index: int) -> str:
    return f"{split}-{index:06d}"


def stats_path(release_dir: Path, name: str) -> Path:
    return release_dir / f"{name}_stats.json"


def is_complete(release_dir: Path, name: str) -> bool:
    """A shard is finished iff its stats file exists: it is renamed into place last."""
    return stats_path(release_dir, name).exists()


def read_rows(release_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(release_dir / f"{name}.parquet")


def row_for(item: Sample | Dropped) -> dict[str, Any]:
    """The shard/manifest row of a sample or a dropped item."""
    is_sample = isinstance(item, Sample)
    return {
        "key": item.key,
        "status": "success" if is_sample else item.status,
        "error_message": None if is_sample else item.reason,
        "width": item.width if is_sample else None,
        "height": item.height if is_sample else None,
        "original_width": item.original_width,
        "original_height": item.original_height,
        "sha256": item.source_sha256,
        "split": item.split,
        "labels": json.dumps(dict(item.labels), sort_keys=True, ensure_ascii=False),
        "source_ids": json.dumps(dict(item.source_ids), sort_keys=True, ensure_ascii=False,
                                 default=str),
        "dedup": item.dedup if is_sample else None,
    }


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SHARD_COLUMNS))
    for column in ("width", "height", "original_width", "original_height"):
        frame[column] = frame[column].astype("Int64")
    return frame


class OpenShard:
    """A shard being written: members stream into a temporary tar, rows collect in memory."""

    def __init__(self, release_dir: Path, split: str, index: int) -> None:
        self.release_dir = release_dir
        self.name = shard_name(split, index)
        self.tar_path = release_dir / f"{self.name}.tar"
        self._tmp = atomic.temp_name(self.tar_path)
        self._file = open(self._tmp, "wb")
        # TarStream writes tarfile's bytes with fixed header fields (mtime 0, uid/gid 0, empty
        # names, mode 0444: byte-identical shards, docs/contracts.md §8); webdataset.TarWriter and
        # tarfile measured 1.6x slower for the same bytes (benchmarks/bench_writer.py)
        self._tar = TarStream(self._file)
        self.rows: list[dict[str, Any]] = []
        self.samples = 0
        self.payload_bytes = 0
        self.started = time.time()

    def write(self, members: dict[str, bytes], row: dict[str, Any]) -> None:
        key = members["__key__"]
        for ext in sorted(members):
            if ext == "__key__":
                continue
            try:
                self._tar.add(f"{key}.{ext}", members[ext])
            except OSError as error:  # a full disk: the caller names the shard it filled
                error.filename = error.filename or str(self.tar_path)
                raise
            self.payload_bytes += len(members[ext])
        self.samples += 1
        self.rows.append(row)

    def note(self, row: dict[str, Any]) -> None:
        """Record a dropped item that arrived while this shard was open."""
        self.rows.append(row)

    def close(self) -> dict[str, Any]:
        """Finish the tar, parquet and stats, each renamed into place; stats last."""
        try:
            self._tar.close()
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as error:
            error.filename = error.filename or str(self.tar_path)
            raise
        self._file.close()
        self._tmp.replace(self.tar_path)
        atomic.write_parquet(self.release_dir / f"{self.name}.parquet", rows_frame(self.rows))
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        stats = {
            "count": len(self.rows),
            "successes": self.samples,
            "status_counts": dict(sorted(counts.items())),
            "bytes": self.tar_path.stat().st_size,
            "start_time": self.started,
            "end_time": time.time(),
            "duration": time.time() - self.started,
        }
        atomic.write_json(stats_path(self.release_dir, self.name), stats)
        return stats

    def abandon(self) -> None:
        """Drop an unfinished shard: a split that ends with no sample in it, or a failed write."""
        with contextlib.suppress(OSError):  # closing may flush into the same full disk
            self._file.close()
        self._tmp.unlink(missing_ok=True)


def sample_members(spec: ReleaseSpec, sample: Sample, meta_json: bytes,
                   cls_index: int | None, labels_json: bytes | None) -> dict[str, bytes]:
    """The tar members of one sample: every sample of a release has the same member set."""
    members = {"__key__": sample.key, spec.image_ext: bytes(sample.image), "json": meta_json}
    if spec.cls_label_set:
        members["cls"] = str(cls_index).encode()
    if spec.multi_label_sets:
        members["labels.json"] = labels_json
    if spec.has_text:
        members["txt"] = (sample.text or "").encode("utf-8")
    return members
