"""Read the crawl's rows (data/raw/pixiv/illusts.parquet) and select the illusts a dataset uses."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.raw_rows import current_rows
from preprocess.release import Dropped

from .options import PixivOptions

COLUMNS = ("illust_id", "page", "user_id", "user_name", "title", "illust_type", "x_restrict",
           "ai_type", "width", "height", "create_date", "tags", "tags_en", "url", "ext", "sha256")


def read_rows(raw_dir: Path) -> pd.DataFrame:
    """The raw rows, sorted by (illust_id, page); ValueError when there is no crawl yet."""
    path = Path(raw_dir) / "pixiv" / "illusts.parquet"
    if not path.exists():
        raise ValueError(f"no Pixiv crawl in {path.parent}: run `inkset crawl-pixiv` first")
    rows = current(pd.read_parquet(path))  # the raw store appends: a page's last row counts
    missing = sorted(set(COLUMNS) - set(rows.columns))
    if missing:
        raise ValueError(f"{path}: columns {missing} are missing")
    return rows.sort_values(["illust_id", "page"], kind="stable").reset_index(drop=True)


def current(rows: pd.DataFrame) -> pd.DataFrame:
    """Each page's last row, without the illusts whose last rows say "gone" (deleted)."""
    return current_rows(rows, ["illust_id", "page"], "illust_id")


def page_key(row) -> str:
    return f"pixiv-{int(row.illust_id)}-p{int(row.page)}"


def source_ids(row) -> dict:
    """The page's ids and image URL: what a metadata-only release needs to fetch it again."""
    return {"illust_id": int(row.illust_id), "page": int(row.page), "user_id": int(row.user_id),
            "url": str(row.url)}


def _drops(rows: pd.DataFrame, reason: str) -> list[Dropped]:
    return [Dropped(key=page_key(r), split=None, status="filtered", reason=reason,
                    source_sha256=r.sha256, source_ids=source_ids(r))
            for r in rows.itertuples()]


def select(rows: pd.DataFrame, options: PixivOptions) -> tuple[pd.DataFrame, list[Dropped]]:
    """Rows a dataset keeps and a Dropped (with reason) for every other page."""
    drops: list[Dropped] = []
    rules = [
        ("not_listed_artist", ~rows["user_id"].isin(options.users) if options.users else None),
        (f"x_restrict_over_{options.max_x_restrict}", rows["x_restrict"] > options.max_x_restrict),
        ("ai_generated", (rows["ai_type"] == 2) if not options.keep_ai else None),
    ]
    for reason, mask in rules:
        if mask is not None and mask.any():
            drops += _drops(rows[mask], reason)
            rows = rows[~mask]
    # the per-artist cap counts illusts, newest (largest id) first
    rank = rows.groupby("user_id")["illust_id"].rank(method="dense", ascending=False)
    over = rank > options.per_artist
    drops += _drops(rows[over], "over_artist_cap")
    rows = rows[~over]
    illusts = rows.groupby("user_id")["illust_id"].nunique()
    few = rows["user_id"].map(illusts) < options.min_per_artist
    drops += _drops(rows[few], "few_illusts")
    return rows[~few].reset_index(drop=True), drops
