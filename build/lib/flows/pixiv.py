"""Pixiv flows: crawl artists (live or the loopback replica) and build pixiv-artists / pixiv-tags."""
from __future__ import annotations

import argparse
import contextlib
import os
from dataclasses import replace

from prefect import flow, get_run_logger, task

from core.definitions import choose, choose_dataset, datasets_of
from core.errors import UsageError
from core.paths import check_writable, work_dirs
from flows.options import add_render_options, add_source_option
from preprocess.pixiv.datasets import plan, render
from preprocess.pixiv.options import PixivOptions
from preprocess.release import build_release
from replicas.common import traffic
from replicas.pixiv import PixivReplica, generate_truth, replica_truth
from spiders.health import check_crawl
from spiders.pixiv.api import AJAX
from spiders.pixiv.crawl import CrawlOptions, crawl_plan, run_crawl, with_users

DEMO_ARTISTS, DEMO_WORKS = 4, 24


@task(retries=int(os.environ.get("INKSET_CRAWL_RETRIES", 1)),
      retry_delay_seconds=float(os.environ.get("INKSET_CRAWL_RETRY_DELAY", 30)))
def crawl(options: CrawlOptions, api_base: str) -> dict:
    """One crawl in a subprocess; its Scrapy stats (no credentials in them) are the result."""
    stats = run_crawl(options, api_base)
    get_run_logger().info("pixiv crawl: %s, %s rows, skipped %s", stats.get("finish_reason"),
                          stats.get("pixiv/rows", 0),
                          {k.split("/")[-1]: v for k, v in stats.items()
                           if k.startswith("pixiv/skipped/")})
    check_crawl("pixiv", stats)
    return stats


@task
def build_dataset(name: str, overrides: dict, workers: int, version: str | None = None,
                  dask: str | None = None) -> str:
    spec, items = plan(work_dirs().raw, PixivOptions.load(name, **overrides))
    spec = replace(spec, version=version) if version else spec  # "next": a dated version
    return str(build_release(spec, items, render, releases_root=work_dirs().releases,
                             workers=workers, dask=dask).path)


@contextlib.contextmanager
def _api(source: str, artists: int, works: int, state: int = 0):
    """The API base URL and the users to crawl: the live site, or a replica started here."""
    if source == "live":
        yield AJAX, None, None
        return
    truth = replica_truth(artists, works, state)  # state 1, 2...: the replica a while later
    with PixivReplica(truth) as site:
        yield f"{site.api_base}/ajax", list(truth.artists), site.log


@flow(name="pixiv-crawl")
def pixiv_crawl_flow(source: str = "replica", profile: str | None = None, cap: int | None = None,
                     artists: int = DEMO_ARTISTS, works: int = DEMO_WORKS,
                     users: list[int] | None = None, state: int = 0) -> dict:
    """Crawl the listed artists (live) or the replica's artists into data/raw/pixiv."""
    overrides = {k: v for k, v in (("profile", profile), ("cap", cap), ("users", users))
                 if v is not None}
    options = CrawlOptions.load(**overrides)
    with _api(source, artists, works, state) as (api_base, users, log):
        if users is not None:
            options = with_users(options, users)
        stats = crawl(options, api_base)
    return {**stats, **(traffic(log) if log is not None else {})}


@flow(name="pixiv-datasets")
def pixiv_datasets_flow(datasets: list[str] | None = None, workers: int = 2,
                        version: str | None = None, dask: str | None = None) -> list[str]:
    """Build the Pixiv datasets (data_manifests/<name>.toml; default: those of source pixiv
    but the variants) from the raw store; `version` replaces the definitions' ("next": the
    next dated version, only if anything changed)."""
    datasets = list(datasets_of("pixiv")) if datasets is None else datasets
    for name in datasets:  # a variant (pixiv-artists-quadrants) is built when named
        choose("dataset", name, datasets_of("pixiv", variants=True))
    return [build_dataset(name, {}, workers, version, dask) for name in datasets]


@flow(name="pixiv-demo")
def demo_flow() -> list[str]:
    """Crawl the loopback replica (fast profile: loopback only), then build both datasets."""
    pixiv_crawl_flow(source="replica", profile="fast-loopback")
    return pixiv_datasets_flow()


def _crawl_command(args: argparse.Namespace) -> int:
    if args.source == "live" and not args.i_have_permission:
        raise UsageError("crawling pixiv.net needs --i-have-permission: scraping is "
                         "permission-dependent (Pixiv's terms); the login cookie, if any, comes "
                         "from $PHPSESSID only")
    profile = args.profile or ("fast-loopback" if args.source == "replica" else None)
    users = [int(u) for u in args.users.split(",") if u.strip()] if args.users else None
    if args.add and not users:
        raise UsageError("--add joins the --users you give to data_manifests/pixiv/users.txt: "
                         "give --users with it")
    if args.add:  # ids given replace users.txt unless --add asks for both
        users = list(dict.fromkeys([*CrawlOptions.load().users, *users]))
    if args.source == "live" and not (users or CrawlOptions.load().users):
        raise UsageError("no Pixiv user ids to crawl: give --users 123,456 or list them in "
                         "data_manifests/pixiv/users.txt")
    if args.plan:
        options = CrawlOptions.load(**{k: v for k, v in (("profile", profile), ("cap", args.cap),
                                                         ("users", users)) if v is not None})
        if args.source == "replica":
            options = with_users(options, generate_truth(args.artists, args.works).artists)
        print(crawl_plan(options, AJAX if args.source == "live"
                         else "a loopback replica started for the crawl"))
        return 0
    check_writable(work_dirs().raw / "pixiv")
    stats = pixiv_crawl_flow(source=args.source, profile=profile, cap=args.cap,
                             artists=args.artists, works=args.works, users=users)
    print(f"pixiv crawl {stats.get('finish_reason')}: {stats.get('pixiv/rows', 0)} new rows "
          f"in {work_dirs().raw / 'pixiv'}")
    return 0


def _datasets_command(args: argparse.Namespace) -> int:
    rows = work_dirs().raw / "pixiv" / "illusts.parquet"
    names = args.datasets.split(",") if args.datasets else list(datasets_of("pixiv"))
    if args.quadrants:
        names = [f"{n}-quadrants" if n == "pixiv-artists" else n for n in names]
    for name in names:  # unknown names and broken definitions stop here, before any run
        choose_dataset(name, datasets_of("pixiv", variants=True))
        PixivOptions.load(name)
    check_writable(work_dirs().releases)
    if not rows.exists():
        if args.source == "live":
            raise UsageError(f"no crawl in {rows.parent}: run `inkset crawl-pixiv --source "
                             f"live` first")
        pixiv_crawl_flow(source="replica", profile="fast-loopback")
    for path in pixiv_datasets_flow(names, workers=args.workers, dask=args.dask):
        print(path)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl-pixiv", help="crawl Pixiv artists into data/raw/pixiv")
    add_source_option(p, "replica: a loopback Pixiv started for the crawl; live: pixiv.net")
    p.add_argument("--i-have-permission", action="store_true",
                   help="confirm you may crawl these artists' works (required with --source live)")
    p.add_argument("--profile", choices=("polite", "fast-loopback"),
                   help="default: polite (live), fast-loopback (replica)")
    p.add_argument("--cap", type=int, help="works per artist (default: data_manifests)")
    p.add_argument("--users", help="live: comma-separated user ids instead of "
                   "data_manifests/pixiv/users.txt")
    p.add_argument("--add", action="store_true",
                   help="crawl the --users given as well as users.txt's, instead of only them")
    p.add_argument("--plan", action="store_true",
                   help="print users, limits, politeness and output folder; fetch nothing")
    p.add_argument("--artists", type=int, default=DEMO_ARTISTS, help="replica artists")
    p.add_argument("--works", type=int, default=DEMO_WORKS, help="replica works per artist")
    p.set_defaults(func=_crawl_command)
    p = subparsers.add_parser("pixiv", help="Pixiv datasets: pixiv-artists, pixiv-tags")
    add_source_option(p, "replica: crawl the replica first when data/raw/pixiv is empty")
    p.add_argument("--datasets", help="comma-separated; default: every definition with "
                   "source = \"pixiv\" in data_manifests/ but the variants (variant_of)")
    p.add_argument("--quadrants", action="store_true",
                   help="pixiv-artists-quadrants (four crops per image) instead of pixiv-artists")
    add_render_options(p)
    p.set_defaults(func=_datasets_command)
