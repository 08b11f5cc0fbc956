"""Manga109 flows: generate the replica (or read MANGA109_ROOT) and build the three datasets."""
from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger, task

from core.definitions import datasets_of
from core.errors import UsageError
from core.paths import check_writable, work_dirs
from flows.options import add_render_options, add_source_option
from preprocess.manga109.datasets import plan, render
from preprocess.manga109.options import Manga109Options
from preprocess.manga109.root import check_annotations, check_root
from preprocess.release import build_release
from replicas.manga109 import ensure_release

# The generator's titles are not in the Yanagisawa lists: its faces split by title hash.
REPLICA_OVERRIDES = {"manga109-faces": {"split": "title_hash", "test_fraction": 0.3}}


@task
def generate_replica(titles: int, spreads: int) -> str:
    return str(ensure_release(work_dirs().cache / "manga109-replica", titles, spreads))


@task
def build_dataset(root: str, name: str, overrides: dict, workers: int,
                  version: str | None = None, dask: str | None = None) -> str:
    options = Manga109Options.load(name, **overrides)
    spec, items = plan(Path(root), options, cache_dir=work_dirs().cache)
    spec = replace(spec, version=version) if version else spec  # "next": a dated version
    return str(build_release(spec, items, render, releases_root=work_dirs().releases,
                             workers=workers, dask=dask).path)


@flow(name="manga109")
def manga109_flow(root: str | None = None, titles: int = 9, spreads: int = 8,
                  workers: int = 2, datasets: list[str] | None = None,
                  version: str | None = None, dask: str | None = None) -> list[str]:
    """Build the Manga109 datasets (default: the definitions of source manga109) from `root`
    (a real release) or from the generated replica; `version` "next": a new dated version only
    where the root's content changed."""
    replica = root is None
    if replica:
        root = generate_replica(titles, spreads)
    else:  # a wrong root, or a broken annotation, stops the run before any release is begun
        check_annotations(check_root(Path(root)), "current", work_dirs().cache)
    get_run_logger().info("Manga109 root: %s (%s)", root, "replica" if replica else "release")
    return [build_dataset(root, name, REPLICA_OVERRIDES.get(name, {}) if replica else {},
                          workers, version, dask)
            for name in (datasets_of("manga109") if datasets is None else datasets)]


@flow(name="manga109-demo")
def demo_flow() -> list[str]:
    return manga109_flow()


def _command(args: argparse.Namespace) -> int:
    root = args.root or os.environ.get("MANGA109_ROOT")
    if args.source == "live" and not root:
        raise UsageError("--source live needs MANGA109_ROOT (an unpacked Manga109 release) "
                         "or --root")
    # a broken definition or root stops here, before any run starts
    for name in datasets_of("manga109"):
        Manga109Options.load(name)
    if root:
        check_annotations(check_root(Path(root)), "current", work_dirs().cache)
    check_writable(work_dirs().releases)
    for path in manga109_flow(root=root, workers=args.workers, dask=args.dask):
        print(path)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("manga109", help="Manga109 pages / panels / faces datasets")
    add_source_option(p, "replica: the generated release (unless MANGA109_ROOT is set)")
    p.add_argument("--root", help="an unpacked Manga109 release (default: $MANGA109_ROOT)")
    add_render_options(p)
    p.set_defaults(func=_command)
