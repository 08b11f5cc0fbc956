"""Raw stores append (docs/contracts.md §2): an item's last row is its state; a "gone" last row
removes it."""
from __future__ import annotations

import pandas as pd


def current_rows(rows: pd.DataFrame, keys: list[str], item: str) -> pd.DataFrame:
    """Each `keys` row's last version, without the `item`s whose last rows say status "gone".

    Pixiv: keys (illust_id, page), item illust_id; GCD: keys and item issue_id. A gone item (a
    deleted work, a removed issue) is absent from the next version: changes.json lists it as
    removed."""
    rows = rows.drop_duplicates(keys, keep="last")
    if "status" in rows.columns:
        gone = set(rows.loc[rows["status"] == "gone", item])
        rows = rows[~rows[item].isin(gone)]
    return rows
