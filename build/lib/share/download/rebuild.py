"""`inkset rebuild`: fetch a metadata-only release's sources again and rebuild its shards.

Each sample's image is re-rendered from the downloaded bytes with the definition's recipe and
the writer's own member encoding; the .json comes from samples.parquet. Shards keep their names
and sample order, so unchanged sources give byte-identical shards. A source whose sha256 differs
is `changed`, a 404/410 is `gone`: manifest rows, never silent replacements.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from core.errors import InksetError
from core.paths import work_dirs
from preprocess.release import Dropped, ReleaseSpec, Sample, shards
from preprocess.release.build import CARD_FILE, _finish
from preprocess.release.verify import verify_release
from preprocess.release.writer import ReleaseWriter
from share import remote
from share.rebuild_index import INDEX_FILE

from . import engine
from .render import Recipe, Rendered, render_job
from .rules import Rules, source_of
from .sink import ShardSink, split_and_index

OTHER_MEMBERS = ("json", "cls", "labels.json", "txt")


@dataclass
class RebuildResult:
    path: Path
    statuses: Counter = field(default_factory=Counter)


def _spec(card: dict, labels: dict) -> ReleaseSpec:
    members = card["members"]
    return ReleaseSpec(
        dataset=card["name"], version=card["version"],
        splits=tuple(s for s in card["counts"] if s != "(none)"),
        label_sets={name: tuple(v["names"]) for name, v in labels.items()},
        cls_label_set=card.get("cls_label_set"),
        multi_label_sets=tuple(card.get("multi_label_sets") or ()), has_text="txt" in members,
        image_ext=next(m for m in members if m not in OTHER_MEMBERS),
        definition=card.get("definition") or {}, description=card.get("description", ""),
        license=card.get("license", ""), attribution=card.get("attribution", ""),
        source_snapshot=card.get("source_snapshot") or {}, share=card.get("share", "full"))


def recipe_of(card: dict, ext: str) -> Recipe:
    """The stages' image recipe from the definition (GCD: size, resize_mode; Pixiv: quadrants)."""
    definition = card.get("definition") or {}
    options = definition.get("options") or {}
    quadrants = bool(options.get("quadrants")) and definition.get("kind") == "artists"
    return Recipe(size=tuple(options.get("size", (200, 300))),
                  resize_mode=options.get("resize_mode", "center_crop"),
                  scale=2 if quadrants else 1, ext=ext)


def _local(release: str, endpoint_url: str | None) -> Path:
    if "://" not in release:
        return Path(release)
    cache = work_dirs().cache
    cache.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix="rebuild-", dir=cache))  # the metadata only: small
    remote.fetch(release, target, endpoint_url=endpoint_url)
    return target


def _jobs(index: pd.DataFrame, manifest: pd.DataFrame, recipe: Recipe, sink: ShardSink):
    """One job per source in stream order; Pixiv quadrants share their page's download."""
    ids = manifest.set_index("key")
    groups: list[list] = []
    for row in index.itertuples(index=False):
        if sink.done(row.shard.removesuffix(".tar")):
            continue
        meta = json.loads(row.json)
        source, url = source_of(json.loads(ids.at[row.key, "source_ids"]))
        if url is None:
            raise InksetError(f"{row.key}: the manifest has no source URL to fetch it from")
        if groups and groups[-1][0] == (row.shard, url):
            groups[-1][1].append((row, meta))
        else:
            groups.append([(row.shard, url), [(row, meta)], source])
    sources = {g[2] for g in groups}
    jobs = [engine.Job(members[0][0].key, url, (recipe, tuple(m.get("crop", "full")
                                                              for _, m in members),
                                                  ids.at[members[0][0].key, "sha256"]))
            for (shard, url), members, _ in groups]
    return jobs, {g[1][0][0].key: g[1] for g in groups}, (sources.pop() if len(sources) == 1
                                                          else "generic")


def rebuild(release: str, out: Path | None = None, *, workers: int = 2,
            endpoint_url: str | None = None, rules: Rules | None = None) -> RebuildResult:
    source_dir = _local(str(release), endpoint_url)
    if not (source_dir / CARD_FILE).is_file():
        raise InksetError(f"{release}: no {CARD_FILE}: not a complete (metadata-only) release")
    card = json.loads((source_dir / CARD_FILE).read_text())
    if not (source_dir / INDEX_FILE).is_file():
        raise InksetError(f"{release}: no {INDEX_FILE}; export it again with "
                          "`inkset metadata-only` to rebuild from it")
    labels = json.loads((source_dir / "labels.json").read_text())
    manifest = pd.read_parquet(source_dir / "manifest.parquet")
    index = pd.read_parquet(source_dir / INDEX_FILE)
    spec = _spec(card, labels)
    out = Path(out) if out else work_dirs().releases / spec.dataset / spec.version
    if (out / CARD_FILE).is_file():  # finished earlier: releases are never rewritten
        return RebuildResult(out, Counter(pd.read_parquet(out / "manifest.parquet")["status"]))
    out.mkdir(parents=True, exist_ok=True)
    sink = ShardSink(out, out / ".spool")
    writer = ReleaseWriter(spec, out, {})  # only its member encoding is used
    recipe = recipe_of(card, spec.image_ext)
    jobs, members, source = _jobs(index, manifest, recipe, sink)
    rules = rules or Rules(source=source)
    dedup = manifest.set_index("key")["dedup"].to_dict()
    changes: dict[str, tuple[str, str]] = {}
    for job, outcome in engine.run(jobs, render_job, rules=rules, workers=workers,
                                   spool=sink.spool):
        sink.spooled(job.spool_name)
        for position, (row, meta) in enumerate(members[job.spool_name]):
            name = row.shard.removesuffix(".tar")
            if isinstance(outcome, Rendered):
                image, width, height = outcome.images[position]
                sample = Sample(key=row.key, split=meta["split"], image=image,
                                labels=meta["labels"], meta=meta, text=row.txt,
                                source_sha256=outcome.sha256, source_ids=meta["source_ids"],
                                width=width, height=height, original_width=outcome.original[0],
                                original_height=outcome.original[1], dedup=dedup.get(row.key))
                meta_json = json.dumps(writer._meta(sample), sort_keys=True,
                                       ensure_ascii=False).encode("utf-8")
                sink.write(name, shards.sample_members(spec, sample, meta_json,
                                                       *writer._encode_labels(sample)),
                           shards.row_for(sample))
                continue
            status, reason = _failure(outcome)
            changes[row.key] = (status, reason)
            sink.note(name, shards.row_for(Dropped(row.key, meta["split"], status, reason,
                                                   labels=meta["labels"],
                                                   source_ids=meta["source_ids"])))
    sink.close()
    return _complete(out, spec, manifest, index, changes, card.get("plan_fingerprint", ""))


def _failure(outcome) -> tuple[str, str]:
    if outcome == "changed":
        return "changed", "source bytes changed (sha256 differs from the manifest)"
    if isinstance(outcome, engine.FetchFailure):
        return ("gone" if outcome.gone else "failed"), outcome.reason
    return "failed", str(outcome)


def _complete(out: Path, spec: ReleaseSpec, manifest: pd.DataFrame, index: pd.DataFrame,
              changes: dict[str, tuple[str, str]], fingerprint: str) -> RebuildResult:
    """Manifest with the changed/gone rows, then indexes, card, checksums; dataset.json last."""
    manifest = manifest.copy()
    for key, (status, reason) in changes.items():
        where = manifest["key"] == key
        manifest.loc[where, ["status", "error_message", "shard"]] = [status, reason, None]
        manifest.loc[where, ["width", "height"]] = pd.NA
    finished = {split: [] for split in spec.splits}
    for shard in dict.fromkeys(index["shard"]):
        finished[split_and_index(shard.removesuffix(".tar"))[0]].append(
            shard.removesuffix(".tar"))
    # the source's plan fingerprint: the rebuild reproduces that plan
    _finish(out, spec, manifest, SimpleNamespace(finished=finished), fingerprint)
    verify_release(out)
    return RebuildResult(out, Counter(manifest["status"]))
