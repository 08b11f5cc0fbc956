"""The Pixiv raw store: illusts.parquet plus a row journal that survives a killed crawl.

Rows are journalled (one JSON line per finished illust, flushed at once) while the crawl runs and
merged into the parquet at its end, or at the start of the next run when the last one was killed.
An illust id in either file is "known": a later crawl never fetches it again.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from preprocess.release.atomic import write_parquet

log = logging.getLogger(__name__)
ROW_KEYS = ["illust_id", "page"]


def journal_path(rows_path: Path) -> Path:
    return Path(rows_path).with_suffix(".journal.jsonl")


def read_journal(rows_path: Path) -> list[dict]:
    """Rows of finished illusts in the journal; a torn last line (killed mid-write) is ignored."""
    path = journal_path(rows_path)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.extend(json.loads(line))
        except json.JSONDecodeError:
            log.warning("ignoring a torn journal line in %s", path)
    return rows


def merge_journal(rows_path: Path) -> int:
    """Fold the journal into the parquet (atomic rename), then remove it; returns rows added."""
    rows_path = Path(rows_path)
    added = read_journal(rows_path)
    journal = journal_path(rows_path)
    if not added:
        journal.unlink(missing_ok=True)
        return 0
    frames = [pd.read_parquet(rows_path)] if rows_path.exists() else []
    before = len(frames[0]) if frames else 0
    frames.append(pd.DataFrame(added))
    table = pd.concat(frames, ignore_index=True).drop_duplicates(ROW_KEYS, keep="first")
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(rows_path, table.reset_index(drop=True))
    journal.unlink()
    return len(table) - before


def known_illusts(rows_path: Path) -> set[int]:
    """Illust ids already stored (parquet or journal)."""
    rows_path = Path(rows_path)
    known = {int(r["illust_id"]) for r in read_journal(rows_path)}
    if rows_path.exists():
        known.update(int(i) for i in pd.read_parquet(rows_path, columns=["illust_id"])["illust_id"])
    return known
