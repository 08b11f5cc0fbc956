"""The small index files other tools expect: wids shard index, timm _info.json, open_clip sizes.json."""
from __future__ import annotations

import hashlib
import json
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
    # never itself, nor the card written after it (a rerun finds a card already there)
    names = [n for n in names if n not in ("SHA256SUMS", "dataset.json")]
    lines = [f"{file_digest(release_dir / name)}  {name}\n" for name in sorted(names)]
    atomic.write_text(release_dir / "SHA256SUMS", "".join(lines))


def read_checksums(release_dir: Path) -> dict[str, str]:
    """name -> sha256 of SHA256SUMS; ValueError naming the line when it is not that format."""
    sums = {}
    text = (release_dir / "SHA256SUMS").read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise ValueError(f"SHA256SUMS line {number} is not '<sha256>  <name>': {line[:80]!r}")
        sums[name] = digest
    return sums


# The chain of a release (docs/sharing.md, "Trust"): dataset.json seals itself (`card_sha256`,
# over its canonical JSON without that field) and names the sha256 of SHA256SUMS (`sha256sums`),
# which lists every other file of the release. Nothing else may lie in the folder.
SEAL_FIELD = "card_sha256"


def card_digest(card: Mapping) -> str:
    """sha256 of the card's canonical JSON, its own seal left out."""
    body = {k: v for k, v in card.items() if k != SEAL_FIELD}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def sealed(card: dict) -> dict:
    """The card with its seal: any later edit of a field (the licence, a count) shows."""
    return {**card, SEAL_FIELD: card_digest(card)}
