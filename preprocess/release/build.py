"""build_release: plan → render in a bounded process pool → shards → manifest, indexes, card, card last."""
from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import json
import logging
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
from tqdm import tqdm

from core import atomic, versions
from core.code_version import code_version
from core.errors import InksetError
from preprocess import takedowns

from . import card, changes, conventions, croissant, near_duplicates, shards
from .fingerprint import plan_fingerprint
from .rendering import Render, render_units
from .samples import Dropped, Sample, Unit
from .spec import ReleaseSpec, definition_hash
from .writer import ReleaseWriter

log = logging.getLogger(__name__)
CARD_FILE = "dataset.json"
BUILD_MARKER = ".build.json"


@dataclass
class ReleaseResult:
    path: Path
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> status -> items
    resumed_shards: int = 0
    already_complete: bool = False
    unchanged: bool = False  # version "next" and the plan equals the latest release's

    def samples(self, split: str | None = None) -> int:
        splits = [split] if split else list(self.counts)
        return sum(self.counts.get(s, {}).get("success", 0) for s in splits)


def build_release(spec: ReleaseSpec, items: Iterable[Unit | Dropped], render: Render, *,
                  releases_root: Path, workers: int = 1, progress: bool = True,
                  dask: str | None = None) -> ReleaseResult:
    """Build (or resume, or return the finished) release `releases_root/<dataset>/<version>/`.

    Version `next` (versions.NEXT) builds the next dated version, or returns the latest release
    untouched (`unchanged`) when its plan fingerprint equals this plan's.
    `dask`: render on Dask ("local" for a LocalCluster of `workers` processes, or an address).
    """
    dataset_dir = Path(releases_root) / spec.dataset
    spec = dataclasses.replace(spec, takedown=frozenset(spec.takedown) | takedowns.takedown_ids())
    if spec.version != versions.NEXT and (dataset_dir / spec.version / CARD_FILE).exists():
        _refuse_another_definition(dataset_dir / spec.version, spec)
        log.info("%s is complete and built from this definition: kept as it is",
                 dataset_dir / spec.version)
        return _finished_result(dataset_dir / spec.version)
    units, planned_drops = _plan(items, spec.order_seed)
    fingerprint = plan_fingerprint(spec, units, planned_drops,
                                   cache_path=dataset_dir / ".file-hashes.json")
    if spec.version == versions.NEXT:
        latest = versions.repair_latest(dataset_dir)
        if changes.release_is_unchanged(dataset_dir, latest, fingerprint):
            log.info("%s: nothing changed since version %s; no new version", spec.dataset, latest)
            result = _finished_result(dataset_dir / latest)
            result.unchanged = True
            return result
        spec = dataclasses.replace(spec, version=versions.next_version(dataset_dir))
    release_dir = dataset_dir / spec.version
    planned = Counter(split for unit in units for _, split in unit.keys)
    _prepare_dir(release_dir, spec, planned)
    writer = ReleaseWriter(spec, release_dir, planned)
    for item in planned_drops:  # recomputed by every run, so they live in the manifest alone
        writer.add_planned_drop(item)
    todo = [u for u in units if not all(key in writer.done_keys for key, _ in u.keys)]
    try:
        _write_all(spec, todo, render, workers, writer, progress, dask)
        manifest = writer.close().sort_values("key", kind="stable").reset_index(drop=True)
        result = _finish(release_dir, spec, manifest, writer, fingerprint)
    except OSError as error:  # the card is written last, so the release stays unpublished
        writer.abandon()
        raise _write_error(error, release_dir) from error
    result.resumed_shards = writer.resumed_shards
    return result


def _write_all(spec: ReleaseSpec, todo: list[Unit], render: Render, workers: int,
               writer: ReleaseWriter, progress: bool, dask: str | None = None) -> None:
    bar = tqdm(total=len(todo), unit="unit", desc=spec.dataset, disable=not progress,
               mininterval=1.0)
    failures = 0
    for unit, outcome in render_units(todo, render, workers, dask):
        failures += isinstance(outcome, str)
        for item in _checked_items(unit, outcome):
            writer.add(item)
        bar.update()
    bar.close()
    if todo and failures == len(todo):
        raise RuntimeError(f"{spec.dataset}: every unit failed to render; first unit "
                           f"{todo[0].id!r} (see the manifest reasons)")


def _write_error(error: OSError, release_dir: Path) -> InksetError:
    """One line for a failed write: where, why, and that finished shards are kept to resume."""
    where = error.filename or release_dir
    why = ("no space left on the device" if error.errno in (errno.ENOSPC, errno.EDQUOT)
           else error.strerror or str(error))
    return InksetError(f"{why} while writing {where}: the partial shard was removed and "
                       f"{release_dir} was not published (finished shards are kept: free "
                       f"space and run again to resume)")


def write_order(unit_id: str, seed: int | None) -> tuple[bytes, str]:
    """Sort key of a unit in the write order: a seeded hash of its id, so neighbours in a shard
    (and in a loader's shuffle buffer) come from all over the release, not from one title; the
    same ids and seed give the same order whatever the input order. None: id order."""
    if seed is None:
        return b"", unit_id
    return hashlib.sha256(f"{seed}\0{unit_id}".encode()).digest(), unit_id


def _plan(items: Iterable[Unit | Dropped], seed: int | None = 0
          ) -> tuple[list[Unit], list[Dropped]]:
    units: dict[str, Unit] = {}
    drops: list[Dropped] = []
    for item in items:
        if isinstance(item, Dropped):
            drops.append(item)
        elif isinstance(item, Unit):
            if item.id in units:
                raise ValueError(f"duplicate unit id {item.id!r}")
            units[item.id] = item
        else:
            raise TypeError(f"plan items must be Unit or Dropped, got {type(item).__name__}")
    # sorting makes the stream, hence the shards, independent of the input order
    ordered = [units[i] for i in sorted(units, key=lambda i: write_order(i, seed))]
    return ordered, sorted(drops, key=lambda d: d.key)


def _prepare_dir(release_dir: Path, spec: ReleaseSpec, planned: Counter) -> None:
    """Create the directory; throw away a partial build of a different definition."""
    # canonical JSON, not repr: a frozenset's order changes between processes
    marker = json.loads(json.dumps(
        {"spec": dataclasses.asdict(spec), "planned": dict(planned)}, sort_keys=True,
        default=lambda value: sorted(value) if isinstance(value, (set, frozenset)) else str(value)))
    marker_path = release_dir / BUILD_MARKER
    if marker_path.is_file() and json.loads(marker_path.read_text()) != marker:
        log.warning("%s holds a partial build of another definition: starting over", release_dir)
        shutil.rmtree(release_dir)
    try:
        release_dir.mkdir(parents=True, exist_ok=True)
        atomic.remove_stale_temps(release_dir)  # a killed build's half-written shard
        if not marker_path.exists():
            atomic.write_json(marker_path, marker)
    except OSError as error:
        raise InksetError(f"cannot write release to {release_dir}: "
                          f"{error.strerror or error}") from error


def _checked_items(unit: Unit, outcome: list | str) -> list[Sample | Dropped]:
    """The unit's items sorted by key; planned keys without an item become failed rows."""
    planned = dict(unit.keys)
    if isinstance(outcome, str):
        return [Dropped(key=k, split=s, status="failed", reason=outcome) for k, s in sorted(unit.keys)]
    produced = {}
    for item in outcome:
        if item.key not in planned:
            raise ValueError(f"unit {unit.id}: render returned key {item.key!r} it did not plan")
        if item.split != planned[item.key]:
            raise ValueError(f"unit {unit.id}: key {item.key} planned in split "
                             f"{planned[item.key]!r}, rendered in {item.split!r}")
        produced[item.key] = item
    for key, split in unit.keys:
        produced.setdefault(key, Dropped(key=key, split=split, status="failed",
                                         reason="render returned nothing for this key"))
    return [produced[k] for k in sorted(produced)]


def _finish(release_dir: Path, spec: ReleaseSpec, manifest: pd.DataFrame,
            writer: ReleaseWriter, fingerprint: str) -> ReleaseResult:
    """Write manifest, labels, indexes, changes, card, checksums; dataset.json, then `latest`."""
    atomic.write_parquet(release_dir / "manifest.parquet", manifest)
    atomic.write_json(release_dir / "labels.json", {
        name: {"names": list(labels), "index": {label: i for i, label in enumerate(labels)},
               "multi_label": name in spec.multi_label_sets}
        for name, labels in spec.label_sets.items()})
    shard_counts = {split: [(f"{name}.tar", int(json.loads(
        shards.stats_path(release_dir, name).read_text())["successes"]))
        for name in writer.finished[split]] for split in spec.splits}
    conventions.write_reader_indexes(release_dir, spec.dataset, shard_counts)
    counts = {split: {} for split in spec.splits}
    for (split, status), n in manifest.groupby(["split", "status"], dropna=False).size().items():
        counts.setdefault(split if isinstance(split, str) else "(none)", {})[status] = int(n)
    changed = changes.compute_changes(release_dir, manifest, spec.dataset)
    changes.write_changes(release_dir, changed)
    previous = changed["previous_version"]
    near_duplicates.analyse(release_dir, manifest, spec.splits, spec.near_duplicate_radius,
                            release_dir.parent / previous if previous else None)
    card.write_card(release_dir, spec, manifest, counts, shard_counts, changed)
    croissant.write_croissant(release_dir, spec, manifest)
    (release_dir / BUILD_MARKER).unlink(missing_ok=True)
    listed = sorted(p.name for p in release_dir.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.name != "SHA256SUMS")
    conventions.write_checksums(release_dir, listed)
    atomic.write_json(release_dir / CARD_FILE, conventions.sealed({
        "name": spec.dataset, "version": spec.version, "description": spec.description,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "definition_hash": definition_hash(spec.definition), "plan_fingerprint": fingerprint,
        "previous_version": changed["previous_version"],
        "definition": json.loads(json.dumps(spec.definition, default=str)),
        "code_version": code_version(), "source_snapshot": dict(spec.source_snapshot),
        "license": spec.license, "attribution": spec.attribution, "share": spec.share,
        "members": list(spec.members), "order_seed": spec.order_seed, "label_sets": list(spec.label_sets),
        "cls_label_set": spec.cls_label_set, "multi_label_sets": list(spec.multi_label_sets),
        "counts": counts,
        "shards": {split: [name for name, _ in lst] for split, lst in shard_counts.items()},
        "sha256sums": conventions.file_digest(release_dir / "SHA256SUMS"),
    }))
    versions.write_latest(release_dir.parent, spec.version)  # last: readers see whole releases
    log.info("release complete: %s", release_dir)
    return ReleaseResult(path=release_dir, counts=counts)


def _refuse_another_definition(release_dir: Path, spec: ReleaseSpec) -> None:
    """A complete release is never rewritten, so an edited definition with the same pinned
    version cannot be built into it; returning the old release would hide the edit."""
    card_data = json.loads((release_dir / CARD_FILE).read_text())
    if card_data.get("definition_hash") in (None, definition_hash(spec.definition)):
        return
    now = json.loads(json.dumps(spec.definition, default=str))
    changed = _changed_keys(card_data.get("definition") or {}, now)
    raise InksetError(
        f"{release_dir} was built from another definition of {spec.dataset} (changed: "
        f"{', '.join(changed) or 'its values'}) and a release is never rewritten: give the "
        f"definition a new `version`, or version = \"next\" for dated versions")


def _changed_keys(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted names of the keys whose values differ (nested tables compared key by key)."""
    changed = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if isinstance(before, dict) and isinstance(after, dict):
            changed += _changed_keys(before, after, f"{prefix}{name}.")
        elif before != after:
            changed.append(prefix + name)
    return changed


def _finished_result(release_dir: Path) -> ReleaseResult:
    info = json.loads((release_dir / CARD_FILE).read_text())
    return ReleaseResult(path=release_dir, counts=info["counts"], already_complete=True)
