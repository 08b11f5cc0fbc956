"""`inkset download`: a plain URL list (img2dataset's input) to WebDataset shards, same engine."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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


def download(url_list: Path, out_dir: Path, *, recipe: Recipe = Recipe(), per_shard: int = 1000,
             workers: int = 2, rules: Rules = Rules()) -> DownloadResult:
    """Download, resize and shard every URL; rows for failures; resumes finished shards."""
    frame = read_url_list(Path(url_list))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sink = ShardSink(out_dir, out_dir / ".spool")
    jobs = []
    for index, url in enumerate(frame["url"]):
        name = shards.shard_name(SPLIT, index // per_shard)
        if not sink.done(name):
            jobs.append(engine.Job(f"{index:09d}", str(url), (recipe, ("full",), None)))
    captions = frame["caption"].tolist() if "caption" in frame else None
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
                "caption": str(captions[index]) if captions is not None else None}
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
