"""Plan pixiv-artists and pixiv-tags: one render unit per stored page, drops with reasons."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from preprocess.release import Dropped, ReleaseSpec, Unit

from .options import PixivOptions
from .render import PageJob, render_page
from .rows import page_key, read_rows, select, source_ids
from .splits import assign_splits
from .tags import RATINGS, rating, sample_tags, vocabulary

log = logging.getLogger(__name__)
render = render_page  # the render function build_release runs in its workers
ATTRIBUTION = "Images and tags belong to their Pixiv artists (user ids in the manifest)."


def _meta(row) -> dict:
    """The sample's .json fields: the same keys and JSON types for every sample."""
    return {"illust_id": int(row.illust_id), "page": int(row.page), "user_id": int(row.user_id),
            "user_name": str(row.user_name or ""), "title": str(row.title or ""),
            "url": str(row.url), "create_date": str(row.create_date or ""),
            "x_restrict": int(row.x_restrict), "ai_type": int(row.ai_type or 0),
            "tags": [str(t) for t in row.tags], "tags_en": [str(t) for t in row.tags_en]}


def _job(row, split: str, labels: dict, raw_dir: Path, options: PixivOptions) -> PageJob:
    return PageJob(
        path=str(raw_dir / "pixiv" / "images" / f"{int(row.user_id)}"
                 f"/{int(row.illust_id)}_p{int(row.page)}.{row.ext}"),
        sha256=str(row.sha256), key=page_key(row), split=split, labels=labels, meta=_meta(row),
        source_ids=source_ids(row),
        size=tuple(options.size), resize_mode=options.resize_mode,
        quadrants=options.quadrants and options.kind == "artists",
        uniform=(options.uniform_fraction, options.white_level, options.black_level))


def _snapshot(rows: pd.DataFrame, raw_dir: Path) -> dict:
    agents = sorted(set(rows["user_agent"])) if "user_agent" in rows else []
    return {"raw_rows": str(raw_dir / "pixiv" / "illusts.parquet"), "pages": int(len(rows)),
            "illusts": int(rows["illust_id"].nunique()), "crawl_user_agents": agents,
            "last_fetched_at": str(rows["fetched_at"].max()) if "fetched_at" in rows else ""}


def plan(raw_dir: Path, options: PixivOptions) -> tuple[ReleaseSpec, list[Unit | Dropped]]:
    """The release spec and every unit and dropped item of pixiv-artists or pixiv-tags."""
    raw_dir = Path(raw_dir)
    all_rows = read_rows(raw_dir)
    rows, items = select(all_rows, options)
    items = list(items)
    splits = assign_splits(zip(rows["user_id"], rows["illust_id"]), options.splits, options.seed,
                           options.split_method)
    definition = dict(options.definition)
    if options.kind == "artists":
        label_sets = {"artist": tuple(str(u) for u in sorted(rows["user_id"].unique()))}
        multi: tuple[str, ...] = ()
        labels_of = lambda row: {"artist": str(int(row.user_id))}  # noqa: E731
    else:
        vocab = vocabulary(rows, options)
        definition["vocabulary"] = {cat: [[tag, en] for tag, en in pairs]
                                    for cat, pairs in vocab.items()}
        label_sets = {"rating": RATINGS, **{cat: tuple(t for t, _ in pairs)
                                            for cat, pairs in vocab.items()}}
        multi = tuple(vocab)
        labels_of = lambda row: {"rating": rating(row), **sample_tags(row, vocab)}  # noqa: E731
    for row in rows.itertuples():
        job = _job(row, splits[int(row.illust_id)], labels_of(row), raw_dir, options)
        items.append(Unit(id=job.key, keys=[(k, job.split) for k in job.keys], payload=job))
    spec = ReleaseSpec(
        dataset=options.dataset, version=options.version, splits=options.split_names,
        label_sets=label_sets, cls_label_set=next(iter(label_sets)), multi_label_sets=multi,
        definition=definition, description=options.description, license=options.license,
        attribution=ATTRIBUTION, source_snapshot=_snapshot(all_rows, raw_dir),
        share=options.share)
    log.info("%s: %d pages planned, %d dropped before rendering", options.dataset,
             len(rows), sum(isinstance(i, Dropped) for i in items))
    return spec, items
