"""The small index files other tools expect: wids shard index, timm _info.json, open_clip sizes.json."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Mapping, Sequence

from core import atomic


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_reader_indexes(release_dir: Path, dataset: str,
                         shard_counts: Mapping[str, Sequence[tuple[str, int]]]) -> None:
    """Write <split>.shardindex.json, _info.json and sizes.json from (shard file, samples) lists."""
    info_splits = {}
    sizes = {}
    for split, shard_list in shard_counts.items():
        if not shard_list:
            continue
        entries = [{"url": name, "nsamples": count,
                    "filesize": (release_dir / name).stat().st_size,
                    "md5sum": file_digest(release_dir / name, "md5")}
                   for name, count in shard_list]
        atomic.write_json(release_dir / f"{split}.shardindex.json", {
            "__kind__": "wids-shard-index-v1", "wids_version": 1, "name": split,
            "shardlist": entries})
        info_splits[split] = {
            "name": split,
            "num_samples": sum(count for _, count in shard_list),
            "filenames": [name for name, _ in shard_list],
            "shard_lengths": [count for _, count in shard_list],
        }
        sizes.update({name: count for name, count in shard_list})
    atomic.write_json(release_dir / "_info.json", {"name": dataset, "splits": info_splits})
    atomic.write_json(release_dir / "sizes.json", sizes)


def write_checksums(release_dir: Path, names: Sequence[str]) -> None:
    """SHA256SUMS in `sha256sum -c` format, over every file of the release but itself and the card."""
    lines = [f"{file_digest(release_dir / name)}  {name}\n" for name in sorted(names)]
    atomic.write_text(release_dir / "SHA256SUMS", "".join(lines))


def read_checksums(release_dir: Path) -> dict[str, str]:
    sums = {}
    for line in (release_dir / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums
