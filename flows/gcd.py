"""GCD flows: crawl covers + metadata (live or the loopback replica); build the team table and the
gcd-covers / gcd-team-<team> datasets."""
from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import replace

from prefect import flow, get_run_logger, task

from preprocess.gcd.datasets import plan, read_issues, render
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.team_table import team_table, write_team_table
from preprocess.gcd.teams import load_names
from preprocess.paths import work_dirs
from preprocess.release import build_release
from spiders.gcd.api import SITE
from spiders.gcd.crawl import GcdCrawlOptions, run_crawl
from spiders.replicas.gcd import GcdReplica, generate_truth

DATASETS = ("gcd-covers", "gcd-team")
# The replica has only 10 series: a split seed that gives every publisher (so every team) series
# in train, val and test (checked in tests/flows/test_gcd.py).
REPLICA_SPLITS = {"split_fractions": {"train": 0.6, "val": 0.2, "test": 0.2}, "seed": 23}
REPLICA_OVERRIDES = {name: REPLICA_SPLITS for name in DATASETS}


@task(retries=1, retry_delay_seconds=30)
def crawl(options: GcdCrawlOptions, base: str) -> dict:
    """One crawl in a subprocess; its Scrapy stats (pages, items, errors by reason) are the result."""
    stats = run_crawl(options, base)
    get_run_logger().info(
        "gcd crawl: %s, %s items, %s covers stored, errors %s", stats.get("finish_reason"),
        stats.get("gcd/items", 0), stats.get("gcd/covers/stored", 0),
        {k.split("/", 2)[-1]: v for k, v in stats.items() if k.startswith("gcd/errors/")})
    return stats


@task
def build_team_table() -> list[str]:
    rows = read_issues(work_dirs().raw / "gcd").dropna(subset=["cover_id"])  # covers only
    table = team_table(zip(rows["cover_id"].astype(int), rows["characters_raw"].fillna("")),
                       load_names())
    return [str(p) for p in write_team_table(table, work_dirs().reports / "gcd")]


@task
def build_dataset(name: str, team: str | None, overrides: dict, workers: int) -> str:
    spec, items = plan(work_dirs().raw / "gcd", GcdOptions.load(name, **overrides),
                       load_names(), team)
    return str(build_release(spec, items, render, releases_root=work_dirs().releases,
                             workers=workers).path)


@contextlib.contextmanager
def _site(source: str, options: GcdCrawlOptions):
    """The site base URL and the crawl options: the live site, or a replica started here."""
    if source == "live":
        yield SITE, options
        return
    settings = dict(options.replica)
    challenges = settings.pop("challenges", 0)
    truth = generate_truth(**settings)
    covers = sorted(i.cover_id for i in truth.issues.values())
    # the replica's API lists series, not publishers: API mode crawls its series
    targets = {"publishers": tuple(truth.publishers), "series": ()} if options.mode == "site" \
        else {"publishers": (), "series": tuple(truth.series)}
    with GcdReplica(truth, challenge=frozenset(covers[:challenges])) as site:
        yield site.base, replace(options, issues=(), profile="fast-loopback", **targets)


@flow(name="gcd-crawl")
def gcd_crawl_flow(source: str = "replica", publishers: list[int] | None = None,
                   series: list[int] | None = None, issues: list[int] | None = None,
                   mode: str | None = None, max_issues: int | None = None) -> dict:
    """Crawl publishers / series / issues (live) or the whole replica into data/raw/gcd."""
    options = GcdCrawlOptions.load(publishers=publishers, series=series, issues=issues,
                                   mode=mode, max_issues=max_issues)
    with _site(source, options) as (base, chosen):
        stats = crawl(chosen, base)
    if stats.get("finish_reason") != "finished":
        raise RuntimeError(f"gcd crawl stopped: {stats.get('finish_reason')}")
    return stats


@flow(name="gcd-datasets")
def gcd_datasets_flow(datasets: list[str] = list(DATASETS), workers: int = 2,
                      overrides: dict | None = None) -> list[str]:
    """The team table (reports/gcd/) and the datasets (one per team for gcd-team)."""
    get_run_logger().info("team table: %s", build_team_table())
    paths = []
    for name in datasets:
        options = GcdOptions.load(name, **(overrides or {}).get(name, {}))
        for team in (options.teams if options.kind == "team" else (None,)):
            paths.append(build_dataset(name, team, (overrides or {}).get(name, {}), workers))
    return paths


@flow(name="gcd-demo")
def demo_flow() -> list[str]:
    """Crawl the loopback replica (fast profile: loopback only), then build the datasets."""
    gcd_crawl_flow(source="replica")
    return gcd_datasets_flow(overrides=REPLICA_OVERRIDES)


def _ids(text: str | None) -> list[int] | None:
    return [int(i) for i in text.split(",") if i.strip()] if text else None


def _crawl_command(args: argparse.Namespace) -> int:
    stats = gcd_crawl_flow(source=args.source, publishers=_ids(args.publishers),
                           series=_ids(args.series), issues=_ids(args.issues), mode=args.mode,
                           max_issues=args.max_issues)
    print(f"gcd crawl {stats.get('finish_reason')}: {stats.get('gcd/items', 0)} new issues, "
          f"{stats.get('gcd/covers/stored', 0)} covers in {work_dirs().raw / 'gcd'}")
    return 0


def _datasets_command(args: argparse.Namespace) -> int:
    if not (work_dirs().raw / "gcd" / "issues.parquet").exists():
        if args.source == "live":
            print("no crawl in data/raw/gcd: run `inkset crawl-gcd --source live` first",
                  file=sys.stderr)
            return 2
        gcd_crawl_flow(source="replica")
    names = args.datasets.split(",") if args.datasets else list(DATASETS)
    overrides = REPLICA_OVERRIDES if args.source == "replica" else None
    for path in gcd_datasets_flow(names, workers=args.workers, overrides=overrides):
        print(path)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl-gcd", help="crawl GCD covers + metadata into data/raw/gcd")
    p.add_argument("--source", choices=("replica", "live"), default="replica",
                   help="replica: a loopback GCD started for the crawl; live: comics.org")
    p.add_argument("--publishers", help="publisher ids, comma-separated (default: manifest)")
    p.add_argument("--series", help="series ids, comma-separated")
    p.add_argument("--issues", help="issue ids, comma-separated")
    p.add_argument("--mode", choices=("site", "api"),
                   help="site pages or the API (GCD_USERNAME/GCD_PASSWORD from the environment)")
    p.add_argument("--max-issues", type=int, help="stop after this many new issues")
    p.set_defaults(func=_crawl_command)
    p = subparsers.add_parser("gcd", help="GCD datasets: gcd-covers, gcd-team-<team>, team table")
    p.add_argument("--source", choices=("replica", "live"), default="replica",
                   help="replica: crawl the loopback GCD first if nothing is crawled yet")
    p.add_argument("--datasets", help=f"comma-separated, default: {','.join(DATASETS)}")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_datasets_command)
