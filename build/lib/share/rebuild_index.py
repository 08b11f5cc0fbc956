"""samples.parquet: what a metadata-only export needs to rebuild byte-identical shards.

For every sample, in shard and tar order: its shard, key and non-image members (the .json the
writer made, the .txt); the image is the only member rebuilt from the source bytes.
"""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pandas as pd

from core import atomic

INDEX_FILE = "samples.parquet"


def write_index(release_dir: Path, out_dir: Path) -> str:
    """Write out_dir/samples.parquet from the shards of `release_dir`; return its file name."""
    card = json.loads((release_dir / "dataset.json").read_text())
    if card.get("metadata_only") and (release_dir / INDEX_FILE).is_file():  # an export's export
        atomic.write_bytes(out_dir / INDEX_FILE, (release_dir / INDEX_FILE).read_bytes())
        return INDEX_FILE
    rows: dict[tuple[str, str], dict] = {}
    for split in sorted(card["shards"]):
        for name in card["shards"][split]:
            with tarfile.open(release_dir / name) as tar:
                for member in tar:
                    key, _, ext = member.name.partition(".")
                    row = rows.setdefault((name, key), {"shard": name, "key": key,
                                                        "json": None, "txt": None})
                    if ext in ("json", "txt"):
                        row[ext] = tar.extractfile(member).read().decode("utf-8")
    frame = pd.DataFrame(list(rows.values()), columns=["shard", "key", "json", "txt"])
    atomic.write_parquet(out_dir / INDEX_FILE, frame)
    return INDEX_FILE
