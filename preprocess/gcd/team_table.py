"""The team table: for every team on GCD covers, how many covers and how often each member appears."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import pandas as pd

from preprocess.release.atomic import write_parquet, write_text

from .characters import Entry, parse_characters
from .teams import Names


def _teams(entries: Iterable[Entry], names: Names) -> Iterable[Entry]:
    """Every team entry of a field, nested teams included."""
    for entry in entries:
        if entry.is_team:
            yield entry
            yield from _teams(entry.members, names)


def team_table(fields: Iterable[tuple[int, str]], names: Names) -> pd.DataFrame:
    """Rows (team, member, covers, member_covers) from (cover id, characters field) pairs.

    A member counts once per cover; names go through the aliases file (Kal-El -> Superman), and
    team aliases join their team (Justice League of America -> Justice League).
    """
    covers: dict[str, set[int]] = defaultdict(set)
    members: dict[str, Counter] = defaultdict(Counter)
    for cover_id, raw in fields:
        seen: dict[str, set[str]] = defaultdict(set)
        for team in _teams(parse_characters(raw, names.teams), names):
            name = names.canonical_name(team.name)
            covers[name].add(cover_id)
            seen[name].update(names.canonical_name(m.name) for m in team.members)
        for name, people in seen.items():
            members[name].update(people)
    rows = [{"team": team, "member": member, "covers": len(covers[team]), "member_covers": n}
            for team in sorted(covers) for member, n in sorted(members[team].items())]
    return pd.DataFrame(rows, columns=["team", "member", "covers", "member_covers"])


def write_team_table(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """team_table.parquet, .csv and a readable .html, one section per team, largest first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(out_dir / "team_table.parquet", table)
    write_text(out_dir / "team_table.csv", table.to_csv(index=False))
    sections = []
    order = table.groupby("team")["covers"].first().sort_values(ascending=False)
    for team, count in order.items():
        part = table[table["team"] == team].sort_values("member_covers", ascending=False)
        sections.append(f"<h2>{team}: {count} covers, {len(part)} members</h2>"
                        + part[["member", "member_covers"]].to_html(index=False))
    write_text(out_dir / "team_table.html",
               "<!doctype html><meta charset='utf-8'><title>GCD team table</title>"
               + "".join(sections))
    return [out_dir / f"team_table.{ext}" for ext in ("parquet", "csv", "html")]
