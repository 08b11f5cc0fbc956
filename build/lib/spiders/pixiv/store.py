"""The Pixiv raw store: illusts.parquet plus a row journal that survives a killed crawl.

Rows are journalled (one JSON line per finished illust, flushed at once) while the crawl runs and
merged into the parquet at its end, or at the start of the next run when the last one was killed.
An illust id in either file is "known": a later crawl never fetches its images again, only its
metadata (to notice edits and deletions). The store only appends: a changed illust gets new rows,
a deleted one rows with `status` "gone" and a `reason`; the last row of a page is its state.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from core.atomic import write_parquet
from core.raw_rows import current_rows

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
    table = pd.concat(frames, ignore_index=True)
    # a journal merged twice (killed between the rename and the unlink) adds nothing
    table = table[~table.astype(str).duplicated(keep="first")]
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(rows_path, table.reset_index(drop=True))
    journal.unlink()
    return len(table) - before


def known_illusts(rows_path: Path) -> set[int]:
    """Illust ids already stored (parquet or journal)."""
    return set(latest_rows(rows_path))


def latest_rows(rows_path: Path) -> dict[int, list[dict]]:
    """{illust id: its pages' last rows}, illusts whose last rows say "gone" left out."""
    rows_path = Path(rows_path)
    frames = [pd.read_parquet(rows_path)] if rows_path.exists() else []
    journal = read_journal(rows_path)
    if journal:
        frames.append(pd.DataFrame(journal))
    if not frames:
        return {}
    table = current_rows(pd.concat(frames, ignore_index=True), ROW_KEYS, "illust_id")
    return {int(i): group.to_dict("records") for i, group in table.groupby("illust_id")}


DROPPED_DAYS = 7  # a remembered drop is trusted this long, then the work's detail is read again


def dropped_path(rows_path: Path) -> Path:
    return Path(rows_path).with_name("dropped.json")


def load_dropped(rows_path: Path, now: float) -> dict[str, dict]:
    """{illust id: {reason, summary, checked}}: works a crawl read and dropped (e.g. no image
    URLs), with the user page's summary they had then; younger than DROPPED_DAYS."""
    path = dropped_path(rows_path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: every such detail is read again
        return {}
    return {k: v for k, v in entries.items() if now - v.get("checked", 0) < DROPPED_DAYS * 86400}


def save_dropped(rows_path: Path, entries: dict[str, dict]) -> None:
    from core.atomic import write_json
    dropped_path(rows_path).parent.mkdir(parents=True, exist_ok=True)
    write_json(dropped_path(rows_path), entries)
