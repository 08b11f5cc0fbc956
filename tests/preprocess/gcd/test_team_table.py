"""The team table counts covers per team and covers per member, through the aliases."""
from __future__ import annotations

import pandas as pd

from preprocess.gcd.team_table import team_table, write_team_table
from preprocess.gcd.teams import load_names

FIELDS = [
    (1, "Justice League of America [Green Lantern [Hal Jordan] (origin); Superman [Clark Kent]]"),
    (2, "Justice League [Superman [Clark Kent; Kal-El]; Batman [Bruce Wayne]]; Jimmy Olsen"),
    (3, "Batman; Robin"),
    (4, "FEATURE: Fantastic Four [Mr. Fantastic; The Thing]; VILLAIN: Diablo"),
    (5, "Justice League [Kal-El; Batman [Bruce Wayne]; Batman [Dick Grayson]]"),
]


def test_counts_by_hand(tmp_path):
    table = team_table(FIELDS, load_names())
    got = {(r.team, r.member): (r.covers, r.member_covers) for r in table.itertuples()}
    assert got == {
        ("Justice League", "Green Lantern"): (3, 1),
        ("Justice League", "Superman"): (3, 3),    # Kal-El on cover 5 is Superman
        ("Justice League", "Batman"): (3, 2),      # twice on cover 5 counts once
        ("Fantastic Four", "Mr. Fantastic"): (1, 1),
        ("Fantastic Four", "The Thing"): (1, 1),
    }
    paths = write_team_table(table, tmp_path)
    assert pd.read_csv(paths[1]).shape == (5, 4)
    assert "Justice League: 3 covers, 3 members" in paths[2].read_text()
    assert paths[3].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
