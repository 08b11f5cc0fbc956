"""Takedowns: data_manifests/takedowns.toml lists keys or source ids that no new version may ship.

Each `[[takedown]]` entry has `id` (a sample key, or `<source id name>=<value>` such as
`cover_id=1234`), a `reason` and a `date`. A bad entry is refused with its line number.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.errors import InksetError
from core.keys import KEY_PATTERN
from core.paths import project_root
from core.versions import CARD_FILE, latest_version

FIELDS = ("id", "reason", "date")
SOURCE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=[^\s=]+")


@dataclass(frozen=True)
class Takedown:
    id: str
    reason: str
    date: str
    line: int


def takedowns_path() -> Path:
    """$INKSET_TAKEDOWNS, else data_manifests/takedowns.toml of the checkout."""
    return Path(os.environ.get("INKSET_TAKEDOWNS")
                or project_root() / "data_manifests" / "takedowns.toml")


def check_id(value: object) -> str:
    """A sample key or `name=value`; anything else is refused."""
    if isinstance(value, str) and (KEY_PATTERN.fullmatch(value) or SOURCE_ID.fullmatch(value)):
        return value
    raise ValueError(f"id {value!r} is neither a sample key nor <source id name>=<value>")


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1)
            if line.strip().startswith("[[takedown]]")]


def read_takedowns(path: Path | None = None) -> list[Takedown]:
    """Every entry of the file (none when it is absent); InksetError names file and line."""
    path = path or takedowns_path()
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InksetError(f"{path}: invalid TOML: {error}") from None
    extra = set(data) - {"takedown"}
    if extra:
        raise InksetError(f"{path}: only [[takedown]] entries are allowed, found {sorted(extra)}")
    lines = _entry_lines(text)
    entries = []
    for index, raw in enumerate(data.get("takedown", [])):
        line = lines[index] if index < len(lines) else 0
        entries.append(_entry(raw, path, line))
    return entries


def _entry(raw: dict, path: Path, line: int) -> Takedown:
    where = f"{path}:{line}"
    missing = [f for f in FIELDS if f not in raw]
    unknown = sorted(set(raw) - set(FIELDS))
    if missing or unknown:
        raise InksetError(f"{where}: takedown entry needs exactly {list(FIELDS)} "
                          f"(missing {missing}, unknown {unknown})")
    try:
        check_id(raw["id"])
    except ValueError as error:
        raise InksetError(f"{where}: {error}") from None
    if not isinstance(raw["reason"], str) or not raw["reason"].strip():
        raise InksetError(f"{where}: reason must be a non-empty string")
    date = raw["date"]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise InksetError(f"{where}: date {date!r} is not YYYY-MM-DD") from None
    if not isinstance(date, dt.date):
        raise InksetError(f"{where}: date must be a date (YYYY-MM-DD)")
    return Takedown(raw["id"], raw["reason"], date.isoformat(), line)


def takedown_ids(path: Path | None = None) -> frozenset[str]:
    return frozenset(entry.id for entry in read_takedowns(path))


def append_takedown(item_id: str, reason: str, path: Path | None = None,
                    today: dt.date | None = None) -> Takedown:
    """Append one entry (the file is checked before and after); returns it."""
    path = path or takedowns_path()
    try:
        check_id(item_id)
    except ValueError as error:
        raise InksetError(str(error)) from None
    if not reason.strip():
        raise InksetError("a takedown needs a non-empty --reason")
    read_takedowns(path)  # refuse to append to a broken file
    today = today or dt.datetime.now(dt.timezone.utc).date()
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    block = (f"\n[[takedown]]\nid = {json.dumps(item_id)}\nreason = {json.dumps(reason)}\n"
             f"date = {today.isoformat()}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, old + block)
    return read_takedowns(path)[-1]


def shipped_takedowns(keys_and_ids: list[tuple[str, dict]], ids: frozenset[str]) -> list[str]:
    """The listed ids that match a (key, source_ids) pair: what a release must not ship."""
    hits = []
    for key, source_ids in keys_and_ids:
        own = {key} | {f"{name}={value}" for name, value in source_ids.items()}
        hits.extend(sorted(own & ids))
    return sorted(set(hits))


def datasets_shipping(ids: frozenset[str], releases_root: Path) -> list[str]:
    """Definition names whose latest release under `releases_root` still ships one of `ids`."""
    import pandas as pd  # here, not at the top: the CLI imports this module at every start

    hit = set()
    for dataset_dir in sorted(releases_root.iterdir()) if releases_root.is_dir() else []:
        version = latest_version(dataset_dir)
        if version is None:
            continue
        release = dataset_dir / version
        manifest = pd.read_parquet(release / "manifest.parquet", columns=["key", "status",
                                                                          "source_ids"])
        kept = manifest[manifest["status"] == "success"]
        if shipped_takedowns([(k, json.loads(s or "{}")) for k, s in
                              zip(kept["key"], kept["source_ids"])], ids):
            card = json.loads((release / CARD_FILE).read_text())
            hit.add(card.get("definition", {}).get("dataset") or dataset_dir.name)
    return sorted(hit)
