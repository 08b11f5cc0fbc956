"""Rows of private / My pixiv-only works (a crawl with keep_private) and rows crawled before the
`restrict` column existed."""
from __future__ import annotations

import pandas as pd

from preprocess.pixiv.options import PixivOptions
from preprocess.pixiv.rows import select


def rows(restrict=None) -> pd.DataFrame:
    table = pd.DataFrame({
        "illust_id": [1, 2, 3], "page": [0, 0, 0], "user_id": [7, 7, 7],
        "x_restrict": [0, 0, 0], "ai_type": [1, 1, 1], "sha256": ["a", "b", "c"],
        "url": ["u1", "u2", "u3"]})
    if restrict is not None:
        table["restrict"] = restrict
    return table


def test_private_rows_are_dropped_with_their_reason_unless_kept():
    kept, drops = select(rows([0, 2, 1]), PixivOptions.load("pixiv-artists"))
    assert list(kept["illust_id"]) == [1]
    assert sorted((d.key, d.reason) for d in drops) == [("pixiv-2-p0", "private"),
                                                        ("pixiv-3-p0", "private")]
    kept, drops = select(rows([0, 2, 1]), PixivOptions.load("pixiv-artists", keep_private=True))
    assert list(kept["illust_id"]) == [1, 2, 3] and drops == []


def test_rows_without_the_column_or_with_gaps_are_public():
    assert len(select(rows(), PixivOptions.load("pixiv-artists"))[0]) == 3
    kept, _ = select(rows([None, 0, 2]), PixivOptions.load("pixiv-artists"))
    assert list(kept["illust_id"]) == [1, 2]
