"""GCD flows: crawl covers + metadata (live or the loopback replica); build the team table and the
gcd-covers / gcd-team-<team> datasets."""
from __future__ import annotations

import argparse
import contextlib
import os
from dataclasses import replace

from prefect import flow, get_run_logger, task

from core.definitions import choose_dataset, datasets_of
from core.errors import UsageError
from core.paths import check_writable, work_dirs
from flows.options import add_render_options, add_source_option
from preprocess.gcd.datasets import plan, read_issues, render
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.team_table import team_table, write_team_table
from preprocess.gcd.teams import load_names
from preprocess.release import build_release
from replicas.common import traffic
from replicas.gcd import GcdReplica, replica_truth
from spiders.gcd.api import SITE
from spiders.gcd.crawl import GcdCrawlOptions, check_targets, crawl_plan, run_crawl
from spiders.health import check_crawl

# The replica has only 10 series: a split seed that gives every publisher (so every team) series
# in train, val and test (checked in tests/flows/test_gcd.py).
REPLICA_SPLITS = {"split_fractions": {"train": 0.6, "val": 0.2, "test": 0.2}, "seed": 23}
CRAWL_RETRIES = int(os.environ.get("INKSET_CRAWL_RETRIES", 1))
CRAWL_RETRY_DELAY = float(os.environ.get("INKSET_CRAWL_RETRY_DELAY", 30))


@task(retries=CRAWL_RETRIES, retry_delay_seconds=CRAWL_RETRY_DELAY)
def crawl(options: GcdCrawlOptions, base: str) -> dict:
    """One crawl in a subprocess; its Scrapy stats (pages, items, errors by reason) are the result.

    Fails (and is retried) when all requests, or more than the allowed share, failed."""
    stats = run_crawl(options, base)
    get_run_logger().info(
        "gcd crawl: %s, %s items, %s covers stored, errors %s", stats.get("finish_reason"),
        stats.get("gcd/items", 0), stats.get("gcd/covers/stored", 0),
        {k.split("/", 2)[-1]: v for k, v in stats.items() if k.startswith("gcd/errors/")})
    check_crawl("gcd", stats)
    return stats


def replica_overrides() -> dict[str, dict]:
    """The replica's split for every GCD dataset (data_manifests/ definitions of source gcd)."""
    return {name: REPLICA_SPLITS for name in datasets_of("gcd", variants=True)}


@task
def build_team_table() -> list[str]:
    rows = read_issues(work_dirs().raw / "gcd").dropna(subset=["cover_id"])  # covers only
    table = team_table(zip(rows["cover_id"].astype(int), rows["characters_raw"].fillna("")),
                       load_names())
    return [str(p) for p in write_team_table(table, work_dirs().reports / "gcd")]


@task
def build_dataset(name: str, team: str | None, overrides: dict, workers: int,
                  version: str | None = None, dask: str | None = None) -> str:
    spec, items = plan(work_dirs().raw / "gcd", GcdOptions.load(name, **overrides),
                       load_names(), team, cache_dir=work_dirs().cache)
    spec = replace(spec, version=version) if version else spec  # "next": a dated version
    return str(build_release(spec, items, render, releases_root=work_dirs().releases,
                             workers=workers, dask=dask).path)


def _replica(options: GcdCrawlOptions, state: int = 0):
    """The replica's ground truth, the covers it challenges, and the options that crawl it all.

    `state` 1, 2 ...: the replica a while later (new issues, a replaced cover, a removed issue)."""
    settings = dict(options.replica)
    challenges = settings.pop("challenges", 0)
    truth = replica_truth(state, **settings)
    covers = sorted(i.cover_id for i in truth.issues.values())
    # the replica's API lists series, not publishers: API mode crawls its series
    targets = {"publishers": tuple(truth.publishers), "series": ()} if options.mode == "site" \
        else {"publishers": (), "series": tuple(truth.series)}
    return truth, frozenset(covers[:challenges]), replace(options, issues=(),
                                                          profile="fast-loopback", **targets)


@contextlib.contextmanager
def _site(source: str, options: GcdCrawlOptions, state: int = 0):
    """The site base URL, the crawl options and the replica's request log (None when live)."""
    if source == "live":
        yield SITE, check_targets(options), None
        return
    truth, challenge, chosen = _replica(options, state)
    with GcdReplica(truth, challenge=challenge) as site:
        yield site.base, chosen, site.log


@flow(name="gcd-crawl")
def gcd_crawl_flow(source: str = "replica", publishers: list[int] | None = None,
                   series: list[int] | None = None, issues: list[int] | None = None,
                   mode: str | None = None, max_issues: int | None = None,
                   add: bool = False, state: int = 0, replica: dict | None = None) -> dict:
    """Crawl publishers / series / issues (live) or the whole replica into data/raw/gcd.

    Ids given replace data_manifests/gcd-crawl.toml's targets; `add` crawls both. `replica`
    replaces sizes of the manifest's [replica]; `state` picks the replica's state."""
    options = GcdCrawlOptions.load(publishers=publishers, series=series, issues=issues,
                                   mode=mode, max_issues=max_issues, add=add)
    options = replace(options, replica={**options.replica, **(replica or {})})
    with _site(source, options, state) as (base, chosen, log):
        stats = crawl(chosen, base)
    return {**stats, **(traffic(log) if log is not None else {})}


@flow(name="gcd-datasets")
def gcd_datasets_flow(datasets: list[str] | None = None, workers: int = 2,
                      overrides: dict | None = None, version: str | None = None,
                      dask: str | None = None) -> list[str]:
    """The team table (reports/gcd/) and the datasets (default: every GCD definition; one per
    team for gcd-team); `version` replaces the definitions' ("next": the next dated version,
    only if anything changed)."""
    get_run_logger().info("team table: %s", build_team_table())
    paths = []
    for name in datasets_of("gcd") if datasets is None else datasets:
        options = GcdOptions.load(name, **(overrides or {}).get(name, {}))
        for team in (options.teams if options.kind == "team" else (None,)):
            paths.append(build_dataset(name, team, (overrides or {}).get(name, {}), workers,
                                       version, dask))
    return paths


@flow(name="gcd-demo")
def demo_flow() -> list[str]:
    """Crawl the loopback replica (fast profile: loopback only), then build the datasets."""
    gcd_crawl_flow(source="replica")
    return gcd_datasets_flow(overrides=replica_overrides())


def _ids(text: str | None) -> list[int] | None:
    return [int(i) for i in text.split(",") if i.strip()] if text else None


def _crawl_command(args: argparse.Namespace) -> int:
    targets = {"publishers": _ids(args.publishers), "series": _ids(args.series),
               "issues": _ids(args.issues)}
    if args.add and not any(targets.values()):
        raise UsageError("--add joins the ids you give to the manifest's: give --publishers, "
                         "--series or --issues with it")
    options = GcdCrawlOptions.load(mode=args.mode, max_issues=args.max_issues, add=args.add,
                                   **targets)
    if args.source == "live":
        check_targets(options)
    if args.plan:
        base = SITE if args.source == "live" else "a loopback replica started for the crawl"
        print(crawl_plan(options if args.source == "live" else _replica(options)[2], base))
        return 0
    check_writable(work_dirs().raw / "gcd")
    stats = gcd_crawl_flow(source=args.source, mode=args.mode, max_issues=args.max_issues,
                           add=args.add, **targets)
    print(f"gcd crawl {stats.get('finish_reason')}: {stats.get('gcd/items', 0)} new issues, "
          f"{stats.get('gcd/covers/stored', 0)} covers in {work_dirs().raw / 'gcd'}")
    return 0


def _datasets_command(args: argparse.Namespace) -> int:
    names = args.datasets.split(",") if args.datasets else list(datasets_of("gcd"))
    overrides = replica_overrides() if args.source == "replica" else None
    for name in names:  # unknown names and broken definitions stop here, before any run
        choose_dataset(name, datasets_of("gcd", variants=True))
        GcdOptions.load(name, **(overrides or {}).get(name, {}))
    load_names()
    check_writable(work_dirs().releases)
    if not (work_dirs().raw / "gcd" / "issues.parquet").exists():
        if args.source == "live":
            raise UsageError(f"no crawl in {work_dirs().raw / 'gcd'}: run `inkset crawl-gcd "
                             f"--source live` first")
        gcd_crawl_flow(source="replica")
    for path in gcd_datasets_flow(names, workers=args.workers, overrides=overrides,
                                  dask=args.dask):
        print(path)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl-gcd", help="crawl GCD covers + metadata into data/raw/gcd")
    add_source_option(p, "replica: a loopback GCD started for the crawl; live: comics.org")
    p.add_argument("--publishers", help="publisher ids, comma-separated")
    p.add_argument("--series", help="series ids, comma-separated")
    p.add_argument("--issues", help="issue ids, comma-separated; ids given replace "
                   "data_manifests/gcd-crawl.toml's targets (default: the manifest's)")
    p.add_argument("--add", action="store_true",
                   help="crawl the ids given as well as the manifest's, instead of only them")
    p.add_argument("--plan", action="store_true",
                   help="print targets, limits, politeness and output folder; fetch nothing")
    p.add_argument("--mode", choices=("site", "api"),
                   help="site pages or the API (GCD_USERNAME/GCD_PASSWORD from the environment)")
    p.add_argument("--max-issues", type=int, help="stop after this many new issues")
    p.set_defaults(func=_crawl_command)
    p = subparsers.add_parser("gcd", help="GCD datasets: gcd-covers, gcd-team-<team>, team table")
    add_source_option(p, "replica: crawl the loopback GCD first if nothing is crawled yet")
    p.add_argument("--datasets", help="comma-separated; default: every definition with "
                   "source = \"gcd\" in data_manifests/")
    add_render_options(p)
    p.set_defaults(func=_datasets_command)
