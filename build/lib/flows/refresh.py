"""`inkset refresh`: incremental crawl → rebuild → a new dated version only on change →
changes → optional training; `inkset takedown`: list an item and rebuild the datasets that ship it."""
from __future__ import annotations

import argparse
import contextvars
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prefect import flow, get_run_logger

from core import atomic
from core.definitions import datasets_by_source
from core.errors import InksetError, UsageError
from core.paths import work_dirs
from core.versions import LATEST, NEXT, latest_versions
from flows.lock import refresh_lock
from flows.options import add_source_option
from flows.train import train_flow
from preprocess.takedowns import append_takedown, datasets_shipping, takedown_ids

# The sources a refresh crawls and builds (_crawl, _build), in that order; their datasets are
# the registry's: the data_manifests/ definitions that name the source (core.definitions).
SOURCES = ("gcd", "pixiv", "manga109")

# crawl stats kept in the refresh's result and reports/refresh/last.json
CRAWL_FIGURES = ("replica/", "gcd/items", "gcd/gone", "gcd/rechecked", "gcd/covers/",
                 "pixiv/rows", "pixiv/gone", "pixiv/changed", "downloader/request_count")


def datasets_to_refresh(datasets: list[str] | None) -> dict[str, list[str]]:
    """The definitions to refresh, grouped by source (all of them when none are named)."""
    registry = datasets_by_source()  # variants aside: a refresh rebuilds the default builds
    by_source = {source: registry.get(source, ()) for source in SOURCES}
    if not datasets:
        return {source: list(names) for source, names in by_source.items()}
    known = {name: source for source, names in by_source.items() for name in names}
    chosen: dict[str, list[str]] = {}
    for name in datasets:
        if name in by_source:  # a source name stands for all its datasets
            chosen.setdefault(name, []).extend(by_source[name])
            continue
        base = "gcd-team" if name.startswith("gcd-team-") else name
        if base not in known:
            raise UsageError(f"no dataset {name!r} to refresh; known: {', '.join(known)} "
                             f"(or a source: {', '.join(SOURCES)})")
        chosen.setdefault(known[base], []).append(base)
    return {source: sorted(set(names)) for source, names in chosen.items()}


def _crawl(source: str, site: str, replica: dict) -> dict:
    """One site's incremental crawl; its stats, with its wall time as `refresh/crawl_s`.

    The stage flows' bodies (`.fn`) run inside the refresh's one flow run, their tasks as its
    tasks: no subflow run to create, heartbeat and finish per source (about 0.5 s each)."""
    started = time.perf_counter()
    if source == "gcd":
        from flows import gcd
        sizes = {k: int(v) for k, v in replica.items()
                 if k in ("series_per_publisher", "issues_per_series")}
        stats = gcd.gcd_crawl_flow.fn(source=site, state=int(replica.get("state", 0)),
                                      replica=sizes)
    else:
        from flows import pixiv
        sizes = {k: int(v) for k, v in replica.items() if k in ("artists", "works", "state")}
        stats = pixiv.pixiv_crawl_flow.fn(
            source=site, profile="fast-loopback" if site == "replica" else None, **sizes)
    return {**stats, "refresh/crawl_s": round(time.perf_counter() - started, 2)}


def _crawl_all(sources: list[str], site: str, replica: dict) -> dict[str, dict | InksetError]:
    """The sites' crawls at once (a process each, each as polite to its own host as alone): a
    refresh waits for the slowest crawl, not for their sum. A failed crawl gives its error."""
    def crawl_one(source: str) -> dict | InksetError:
        try:
            return _crawl(source, site, replica)
        except InksetError as error:
            return error
    crawled = [s for s in sources if s in ("gcd", "pixiv")]  # Manga109 is read in place
    with ThreadPoolExecutor(max(1, len(crawled))) as pool:
        # each thread runs in a copy of the flow run's context: the crawl tasks are its tasks
        futures = {s: pool.submit(contextvars.copy_context().run, crawl_one, s) for s in crawled}
    return {s: future.result() for s, future in futures.items()}


def _build(source: str, names: list[str], site: str, workers: int, replica: dict) -> list[str]:
    """Rebuild one source's datasets as version `next` (a new version only if anything changed)."""
    if source == "gcd":
        from flows import gcd
        return gcd.gcd_datasets_flow.fn(names, workers=workers, version=NEXT, overrides=(
            gcd.replica_overrides() if site == "replica" else None))
    if source == "pixiv":
        from flows import pixiv
        return pixiv.pixiv_datasets_flow.fn(names, workers=workers, version=NEXT)
    from flows import manga109
    root = os.environ.get("MANGA109_ROOT") if site == "live" else None
    if site == "live" and not root:
        raise UsageError("refreshing Manga109 live needs MANGA109_ROOT (an unpacked release)")
    # no crawl: the plan fingerprint hashes the root's files, so a changed root is new data
    sizes = {k: int(v) for k, v in replica.items() if k in ("titles", "spreads")}
    return manga109.manga109_flow.fn(root=root, workers=workers, datasets=names, version=NEXT,
                                     **sizes)


def _train(experiment: str, new: dict[str, str]) -> list[str]:
    """Train `experiment` on each new version."""
    return [str(train_flow(experiment=experiment, release=release)) for release in new.values()]


@flow(name="refresh")
def refresh_flow(datasets: list[str] | None = None, source: str = "replica", crawl: bool = True,
                 train: str | None = None, workers: int = 2, wait: float = 0.0,
                 replica: dict | None = None) -> dict:
    """One refresh under the work dir's lock; returns new versions, bytes and a summary line.

    `replica` sizes the replicas when `source` is "replica": `state` (0 as generated, 1 their
    next state: Pixiv new, deleted and retagged works; GCD new issues, a replaced cover, a
    removed issue), Pixiv `artists` and `works`, GCD `series_per_publisher` and
    `issues_per_series`, Manga109 `titles` (one more: a new title) and `spreads`."""
    logger = get_run_logger()
    chosen = datasets_to_refresh(datasets)
    with refresh_lock(work_dirs().home / "data" / "refresh.lock", wait=wait):
        before = latest_versions(work_dirs().releases)
        new, unchanged, failed, image_bytes, crawls, seconds = {}, [], {}, 0, {}, {}
        crawled = _crawl_all(list(chosen), source, replica or {}) if crawl else {}
        for name, names in chosen.items():
            started, stats = time.perf_counter(), crawled.get(name, {})
            try:
                if isinstance(stats, InksetError):
                    raise stats
                paths = _build(name, names, source, workers, replica or {})
            except InksetError as error:  # the other sources still refresh; the run fails below
                failed[name] = str(error)
                logger.error("refresh of %s failed: %s", name, error)
                continue
            crawls[name] = {k: v for k, v in stats.items() if k.startswith(CRAWL_FIGURES)}
            # where a refresh's time goes, per source (the crawls ran side by side)
            seconds[name] = {"crawl": stats.get("refresh/crawl_s", 0.0),
                             "build": round(time.perf_counter() - started, 2)}
            image_bytes += int(stats.get("replica/image_bytes", 0))
            for path in map(Path, paths):
                if before.get(path.parent.name) == path.name:
                    unchanged.append(path.parent.name)
                else:
                    new[path.parent.name] = str(path)
        if new:
            summary = (f"refresh: {len(new)} new version(s): " + ", ".join(
                f"{Path(p).parent.name} {Path(p).name}" for p in new.values())
                + f"; {len(unchanged)} unchanged; {image_bytes} image bytes downloaded")
        else:
            summary = (f"refresh: nothing changed, no new version ({len(unchanged)} datasets at "
                       f"their latest version, {image_bytes} image bytes downloaded)")
        logger.info(summary)
        result = {"new": new, "unchanged": sorted(unchanged), "failed": failed, "seconds": seconds,
                  "image_bytes": image_bytes, "crawls": crawls, "summary": summary,
                  "trained": _train(train, new) if train and new else []}
        report = work_dirs().reports / "refresh" / "last.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_json(report, result)
    if failed:
        raise InksetError("refresh failed for " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    return result


def _refresh_command(args: argparse.Namespace) -> int:
    result = refresh_flow(datasets=args.datasets or None, source=args.source,
                          crawl=not args.no_crawl, train=args.train, workers=args.workers,
                          wait=args.wait)
    print(result["summary"])
    return 0


def _takedown_command(args: argparse.Namespace) -> int:
    entry = append_takedown(args.id, args.reason)
    print(f"takedown listed: {entry.id} ({entry.reason}, {entry.date})")
    affected = datasets_shipping(takedown_ids(), work_dirs().releases)
    if not affected or args.no_rebuild:
        print("no release ships it" if not affected else f"not rebuilt: {', '.join(affected)}")
        return 0
    result = refresh_flow(datasets=affected, source=args.source, crawl=False,
                          workers=args.workers, wait=args.wait)
    print(result["summary"])
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("refresh", help="incremental crawl, rebuild, a new dated version "
                              f"only on change (`{LATEST}` points at it), changes.json")
    p.add_argument("datasets", nargs="*", help="definitions or sources (default: all): "
                   + ", ".join(SOURCES))
    add_source_option(p)
    p.add_argument("--no-crawl", action="store_true", help="rebuild from the raw stores only")
    p.add_argument("--train", metavar="EXP", help="train this experiment on each new version")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to wait for a running refresh (default: refuse at once)")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_refresh_command)
    p = subparsers.add_parser("takedown", help="list an item in data_manifests/takedowns.toml "
                              "and rebuild the datasets whose latest version ships it")
    p.add_argument("id", help="a sample key, or <source id name>=<value> (e.g. cover_id=1234)")
    p.add_argument("--reason", required=True)
    p.add_argument("--no-rebuild", action="store_true")
    add_source_option(p)
    p.add_argument("--wait", type=float, default=0.0)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_takedown_command)
