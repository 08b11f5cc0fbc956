"""Plan and render the GCD cover datasets: gcd-covers and gcd-team-<team> (docs/contracts.md §6).

Input is the raw store (raw/gcd/issues.parquet + covers/); output is a ReleaseSpec and the units
the release writer renders. Splits follow the series: a hash of the series id picks the split.
"""
from __future__ import annotations

import io
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image

from core.raw_rows import current_rows
from preprocess.images import ImageError, decode_image, encode_image, resize_image, sha256_hex
from preprocess.perceptual import sample_hashes
from preprocess.release import Dropped, ReleaseSpec, Sample, Unit
from preprocess.splits import near_duplicate_links, split_by_hash, unify_splits

from .labels import CoverLabels, cover_labels, genres, slug, top_labels
from .options import GcdOptions
from .teams import Names

log = logging.getLogger(__name__)
LICENSE = ("GCD data: CC BY-SA 4.0, credit the Grand Comics Database (https://www.comics.org/). "
           "Cover images belong to their copyright holders; they are not licensed by inkset or "
           "the GCD. Share the metadata-only release (ids, URLs, labels) where images may not "
           "be shared.")
ATTRIBUTION = "Grand Comics Database (https://www.comics.org/), CC BY-SA 4.0"
STORED = ("stored", "uptodate")


def read_issues(raw_gcd: Path) -> pd.DataFrame:
    path = Path(raw_gcd) / "issues.parquet"
    if not path.exists():
        raise ValueError(f"{path} does not exist: run `inkset crawl-gcd` first")
    # a removed issue's row says "gone" (the crawl re-checked it): not in the next version
    issues = current_rows(pd.read_parquet(path), ["issue_id"], "issue_id")
    return issues.sort_values("issue_id").reset_index(drop=True)


def split_of(series_id: Any, fractions: dict[str, float], seed: int) -> str:
    """A deterministic split per series: one series never spans splits."""
    return split_by_hash(series_id, fractions.items(), seed)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _label_sets(rows: list[tuple[dict, CoverLabels]], options: GcdOptions, team: str | None):
    if team is not None:
        counts = Counter(m for _, labels in rows for m in labels.members.get(team, ()))
        return {"members": top_labels(counts, options.top_members, options.min_label_covers)}
    people = Counter(c for _, labels in rows for c in labels.characters)
    teams = Counter(t for _, labels in rows for t in labels.teams)
    return {"characters": top_labels(people, options.top_characters, options.min_label_covers),
            "teams": top_labels(teams, 10 ** 6, options.min_label_covers),
            "genre": tuple(sorted({g for row, _ in rows for g in genres(row.get("genre"))})),
            "publisher": tuple(sorted({_text(row.get("publisher")) for row, _ in rows}
                                      - {""}))}


def _labels(row: dict, labels: CoverLabels, sets: dict, team: str | None) -> dict:
    if team is not None:
        return {"members": [m for m in labels.members.get(team, ()) if m in sets["members"]]}
    return {"characters": [c for c in labels.characters if c in sets["characters"]],
            "teams": [t for t in labels.teams if t in sets["teams"]],
            "genre": list(genres(row.get("genre"))),
            "publisher": _text(row.get("publisher")) or None}


def _multi(labels: dict) -> list[str]:
    return [f"{name}:{v}" for name in ("characters", "teams", "members")
            for v in labels.get(name, ())]


def plan(raw_gcd: Path, options: GcdOptions, names: Names, team: str | None = None,
         cache_dir: Path | None = None) -> tuple[ReleaseSpec, list[Unit | Dropped]]:
    """The spec and the units/dropped rows of gcd-covers, or of gcd-team-<team> with `team`;
    with `cache_dir`, the covers' plan-time hashes are cached there (preprocess/splits.py)."""
    table = read_issues(raw_gcd)
    rows = [(row, cover_labels(_text(row.get("characters_raw")), names))
            for row in table.to_dict("records")]
    if team is not None:
        rows = [(row, labels) for row, labels in rows if team in labels.teams]
    sets = _label_sets(rows, options, team)
    dataset = options.dataset if team is None else f"{options.dataset}-{slug(team)}"
    spec = ReleaseSpec(
        dataset=dataset, version=options.version, splits=options.splits, label_sets=sets,
        multi_label_sets=("members",) if team else ("characters", "teams", "genre"),
        definition={**options.definition, "team": team}, license=LICENSE,
        attribution=ATTRIBUTION, description=options.description + (f" Team: {team}."
                                                                    if team else ""),
        source_snapshot={"issues": len(table), "raw_gcd": str(raw_gcd)}, share=options.share,
        near_duplicates=options.near_duplicates,
        near_duplicate_radius=options.near_duplicate_radius)
    series_split = _series_splits([row for row, _ in rows], Path(raw_gcd), options, cache_dir)
    planned: list[tuple[str, str, dict, CoverLabels, dict]] = []
    items: list[Unit | Dropped] = []
    for row, labels in rows:
        key = f"gcd-i{int(row['issue_id'])}-c{int(row['cover_id'])}" \
            if pd.notna(row.get("cover_id")) else f"gcd-i{int(row['issue_id'])}-nocover"
        split = series_split.get(_series(row)) or \
            split_of(row.get("series_id"), options.split_fractions, options.seed)
        chosen = _labels(row, labels, sets, team)
        path = Path(raw_gcd) / "covers" / f"{int(row['cover_id'] or 0) // 1000}" / \
            f"{int(row['cover_id'] or 0)}.jpg" if pd.notna(row.get("cover_id")) else None
        if row.get("cover_status") not in STORED or path is None or not path.exists():
            reason = "missing_file" if row.get("cover_status") in STORED else \
                (row.get("cover_status") or "no_cover")
            items.append(Dropped(key, split, "failed", f"cover_{reason}", labels=chosen,
                                 source_ids=_source_ids(row)))
            continue
        planned.append((key, split, row, labels, chosen))
    items += _rebalance_and_units(planned, options, str(raw_gcd))
    log.info("%s: %d units, %d dropped", dataset, sum(isinstance(i, Unit) for i in items),
             sum(isinstance(i, Dropped) for i in items))
    return spec, items


def _series(row: dict) -> int | None:
    return int(row["series_id"]) if pd.notna(row.get("series_id")) else None


def _cover_path(raw_gcd: Path, cover_id) -> Path:
    return raw_gcd / "covers" / str(int(cover_id) // 1000) / f"{int(cover_id)}.jpg"


def _series_splits(rows: list[dict], raw_gcd: Path, options: GcdOptions,
                   cache_dir: Path | None = None) -> dict[int, str]:
    """A split per series; series with near-duplicate covers between them (variants, reprints,
    re-scans) share the split of the smallest one, so no near-duplicate pair crosses splits."""
    series = {_series(row) for row in rows} - {None}
    by_series = {s: split_of(s, options.split_fractions, options.seed) for s in series}
    if options.near_duplicate_splits == "report":
        return by_series
    stored = [row for row in rows if _series(row) is not None and pd.notna(row.get("cover_id"))
              and row.get("cover_status") in STORED]
    paths = [_cover_path(raw_gcd, row["cover_id"]) for row in stored]
    present = [(path, _series(row)) for path, row in zip(paths, stored) if path.exists()]
    links = near_duplicate_links([p for p, _ in present], [s for _, s in present],
                                 options.near_duplicate_radius, cache_dir)
    return unify_splits(by_series, links)


def _source_ids(row: dict) -> dict:
    """Ids and URLs of a cover: what a metadata-only release needs to fetch it again."""
    ids = {"issue_id": int(row["issue_id"]), "source_url": _text(row.get("source_url")),
           "cover_url": _text(row.get("cover_url"))}
    for name in ("cover_id", "series_id"):
        if pd.notna(row.get(name)):
            ids[name] = int(row[name])
    return ids


def _rebalance_and_units(planned: list, options: GcdOptions, raw_gcd: str) -> list:
    """Units in key order; `cap` drops covers whose labels are all full, `weights` records them."""
    planned.sort(key=lambda p: p[0])
    frequency = Counter(label for *_, chosen in planned for label in _multi(chosen))
    kept: Counter = Counter()
    out: list[Unit | Dropped] = []
    weights = []
    for key, split, row, labels, chosen in planned:
        own = _multi(chosen) or ["<none>"]
        if options.rebalance == "cap" and all(kept[label] >= options.label_cap for label in own):
            out.append(Dropped(key, split, "filtered", "label_cap", labels=chosen,
                               source_ids=_source_ids(row)))
            continue
        kept.update(own)
        weight = sum(1 / frequency[label] for label in own if label in frequency) / len(own) \
            if frequency else 1.0
        weights.append(weight or 1 / max(frequency.values(), default=1))
        out.append((key, split, row, labels, chosen))
    mean = sum(weights) / len(weights) if weights else 1.0
    units, index = [], 0
    for item in out:
        if isinstance(item, Dropped):
            units.append(item)
            continue
        key, split, row, labels, chosen = item
        weight = round(weights[index] / mean, 6) if options.rebalance == "weights" else None
        index += 1
        units.append(Unit(id=key, keys=[(key, split)], payload=_payload(
            key, split, row, labels, chosen, weight, options, raw_gcd)))
    return units


def _payload(key, split, row, labels: CoverLabels, chosen, weight, options, raw_gcd) -> dict:
    cover_id = int(row["cover_id"])
    meta = {"issue_id": int(row["issue_id"]), "cover_id": cover_id,
            "series_id": int(row["series_id"]) if pd.notna(row.get("series_id")) else None,
            "series_name": _text(row.get("series_name")),
            "issue_number": _text(row.get("issue_number")),
            "publisher": _text(row.get("publisher")), "genre": list(genres(row.get("genre"))),
            "characters_raw": _text(row.get("characters_raw")),
            "characters_all": list(labels.characters), "teams_all": list(labels.teams),
            "parse_flags": list(labels.flags), "sampling_weight": weight,
            "source_url": _text(row.get("source_url")), "cover_url": _text(row.get("cover_url")),
            "cover_sha256": _text(row.get("cover_sha256")), "license": LICENSE}
    return {"key": key, "split": split, "labels": chosen, "meta": meta,
            "path": str(Path(raw_gcd) / "covers" / str(cover_id // 1000) / f"{cover_id}.jpg"),
            "size": tuple(options.size), "resize_mode": options.resize_mode,
            "source_ids": _source_ids(row)}


def render(payload: dict) -> list[Sample | Dropped]:
    """Decode the stored cover once (DCT-scaled), resize to the dataset size, encode."""
    data = Path(payload["path"]).read_bytes()
    digest = sha256_hex(data)
    try:
        with Image.open(io.BytesIO(data)) as header:  # the real size, before scaled decoding
            width, height = header.size
        image = decode_image(data, mode="RGB", target_size=payload["size"], name=payload["key"])
    except (ImageError, OSError) as error:
        return [Dropped(payload["key"], payload["split"], "failed",
                        getattr(error, "reason", "undecodable"),
                        labels=payload["labels"], source_sha256=digest,
                        source_ids=payload["source_ids"])]
    image = resize_image(image, payload["size"], payload["resize_mode"])
    return [Sample(key=payload["key"], split=payload["split"], image=encode_image(image, "jpg"),
                   labels=payload["labels"], meta=payload["meta"], source_sha256=digest,
                   source_ids=payload["source_ids"], width=image.width, height=image.height,
                   original_width=width, original_height=height, dedup=digest,
                   **sample_hashes(image))]
