"""The team table: for every team on GCD covers, how many covers and how often each member appears."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import pandas as pd

from core.atomic import atomic_open, write_parquet, write_text

from .labels import cover_labels
from .teams import Names


def team_table(fields: Iterable[tuple[int, str]], names: Names) -> pd.DataFrame:
    """Rows (team, member, covers, member_covers) from (cover id, characters field) pairs.

    The same reading as the datasets' labels (preprocess/gcd/labels.py): a member counts once per
    cover; names go through the aliases file (Kal-El -> Superman), and team aliases join their
    team (Justice League of America -> Justice League).
    """
    covers: dict[str, set[int]] = defaultdict(set)
    members: dict[str, Counter] = defaultdict(Counter)
    for cover_id, raw in fields:
        for team, people in cover_labels(raw, names).members.items():
            covers[team].add(cover_id)
            members[team].update(people)
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
               + "<img src='team_table.png' alt='members per team'>" + "".join(sections))
    write_team_chart(table, list(order.index[:6]), out_dir / "team_table.png")
    return [out_dir / f"team_table.{ext}" for ext in ("parquet", "csv", "html", "png")]


def write_team_chart(table: pd.DataFrame, teams: list[str], path: Path) -> None:
    """One bar chart per team (largest teams first): covers per member, like the seed's table."""
    import matplotlib
    matplotlib.use("Agg")  # no display on build machines
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(max(1, len(teams)), 1, figsize=(8, 2.4 * max(1, len(teams))),
                             squeeze=False)
    for axis, team in zip(axes[:, 0], teams):
        part = table[table["team"] == team].sort_values("member_covers", ascending=False)
        axis.barh(part["member"][::-1], part["member_covers"][::-1], color="#4a6fa5")
        axis.set_title(f"{team}: {int(part['covers'].iloc[0])} covers", fontsize=10)
        axis.tick_params(labelsize=8)
    fig.tight_layout()
    with atomic_open(path) as handle:
        fig.savefig(handle, format="png", dpi=80)
    plt.close(fig)
