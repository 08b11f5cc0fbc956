"""`inkset download`: a plain URL list (img2dataset's input) to WebDataset shards, same engine."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core import atomic
from core.errors import UsageError
from preprocess.release import Dropped, Sample, shards

from . import engine
from .render import Recipe, Rendered, render_job
from .rules import Rules
from .sink import ShardSink

SPLIT = "data"


@dataclass
class DownloadResult:
    out_dir: Path
    counts: dict[str, int]
    shards: list[str]


def read_url_list(path: Path) -> pd.DataFrame:
    """url (and caption, when present) from .txt (one URL a line), .csv or .parquet."""
    if path.suffix == ".txt":
        urls = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        return pd.DataFrame({"url": urls})
    if path.suffix == ".csv":
        frame = pd.read_csv(path)
    elif path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise UsageError(f"{path}: a URL list is .txt, .csv or .parquet")
    if "url" not in frame:
        raise UsageError(f"{path}: no 'url' column (columns: {list(frame.columns)})")
    return frame


INPUTS_FILE = ".inkset-download.json"  # what made the folder: a rerun resumes only the same
OUR_FILES = ("*.tar", "*.parquet", "*_stats.json", ".spool", INPUTS_FILE)


def inputs_record(url_list: Path, recipe: Recipe, per_shard: int) -> dict:
    """The inputs and options that decide a download's shards (the list by content)."""
    record = {"url_list_sha256": hashlib.sha256(url_list.read_bytes()).hexdigest(),
              "recipe": dataclasses.asdict(recipe), "per_shard": per_shard}
    return json.loads(json.dumps(record))  # as it reads back (tuples as lists)


def prepare_out_dir(out_dir: Path, record: dict, url_list: Path, overwrite: bool) -> None:
    """Resume a folder made by the same inputs and options; refuse one made by others (or one
    with shards and no record) unless `overwrite`, which removes the earlier download's files."""
    ours = sorted(p for pattern in OUR_FILES for p in out_dir.glob(pattern))
    if ours and not overwrite:
        before = _recorded(out_dir / INPUTS_FILE)
        if before == record:
            return
        differs = _what_differs(before, record)
        raise UsageError(f"{out_dir} holds {differs}, not of {url_list} with these options: "
                         f"choose another folder, or pass --overwrite to start anew")
    for path in ours:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_json(out_dir / INPUTS_FILE, record)


def _recorded(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # none, or not ours: nothing to resume by
        return None


def _what_differs(before: dict | None, record: dict) -> str:
    """What the folder's download was, against the one asked for."""
    if before is None:
        return "another download's files (no record of their inputs)"
    if before.get("url_list_sha256") != record["url_list_sha256"]:
        return "a download of another URL list"
    was = before.get("recipe", {})
    changed = [f"{k} {was.get(k)} -> {v}" for k, v in record["recipe"].items() if was.get(k) != v]
    if before.get("per_shard") != record["per_shard"]:
        changed.append(f"per_shard {before.get('per_shard')} -> {record['per_shard']}")
    return "a download of the same URL list with other options: " + ", ".join(changed)


def _text(cell) -> str:
    """A cell as text; an empty cell (NaN from pandas, None from parquet) is ""."""
    return "" if cell is None or (isinstance(cell, float) and cell != cell) else str(cell)


def download(url_list: Path, out_dir: Path, *, recipe: Recipe = Recipe(), per_shard: int = 1000,
             workers: int = 2, rules: Rules = Rules(), overwrite: bool = False
             ) -> DownloadResult:
    """Download, resize and shard every URL; rows for failures; resumes finished shards of a
    download with the same inputs and options into `out_dir`."""
    frame = read_url_list(Path(url_list))
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, inputs_record(Path(url_list), recipe, per_shard), Path(url_list),
                    overwrite)
    sink = ShardSink(out_dir, out_dir / ".spool")
    jobs = []
    for index, url in enumerate(frame["url"]):
        name = shards.shard_name(SPLIT, index // per_shard)
        if not sink.done(name):
            # an empty cell (NaN, None, "") fails its own row in fetch() as a malformed URL
            jobs.append(engine.Job(f"{index:09d}", _text(url), (recipe, ("full",), None)))
    captions = [_text(c) for c in frame["caption"]] if "caption" in frame else None
    for job, outcome in engine.run(jobs, render_job, rules=rules, workers=workers,
                                   spool=sink.spool):
        index = int(job.spool_name)
        name = shards.shard_name(SPLIT, index // per_shard)
        sink.spooled(job.spool_name)
        if not isinstance(outcome, Rendered):
            reason = outcome.reason if isinstance(outcome, engine.FetchFailure) else outcome
            sink.note(name, shards.row_for(Dropped(job.spool_name, SPLIT, "failed", reason,
                                                   source_ids={"url": job.url})))
            continue
        (image, width, height), = outcome.images
        meta = {"key": job.spool_name, "url": job.url, "width": width, "height": height,
                "original_width": outcome.original[0], "original_height": outcome.original[1],
                "sha256": outcome.sha256,
                "caption": captions[index] if captions is not None else None}
        sample = Sample(key=job.spool_name, split=SPLIT, image=image, meta=meta,
                        source_sha256=outcome.sha256, source_ids={"url": job.url},
                        width=width, height=height, original_width=outcome.original[0],
                        original_height=outcome.original[1])
        members = {"__key__": sample.key, recipe.ext: image,
                   "json": json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()}
        if captions is not None:
            members["txt"] = meta["caption"].encode()
        sink.write(name, members, shards.row_for(sample))
    sink.close()
    counts: dict[str, int] = {}
    names = sorted(p.name[:-len("_stats.json")] for p in out_dir.glob("*_stats.json"))
    for name in names:
        for status, n in json.loads(shards.stats_path(out_dir, name).read_text())[
                "status_counts"].items():
            counts[status] = counts.get(status, 0) + n
    return DownloadResult(out_dir, counts, names)
