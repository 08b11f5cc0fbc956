"""`make demo`: every stage end to end, offline, on replica sources and the ephemeral Prefect server."""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from prefect import flow, get_run_logger, task

from flows.release import folder_release_flow
from preprocess.paths import work_dirs
from preprocess.release.card import loading_snippet
from preprocess.release.verify import verify_release
from preprocess.shapes import generate_shapes

# Each stage module exposes demo_flow() -> list of release dirs; stages land one issue at a time.
STAGE_DEMOS = ("flows.manga109", "flows.gcd", "flows.pixiv")


@task
def generate_demo_images(per_class: int) -> str:
    root = work_dirs().cache / "demo-shapes"
    generate_shapes(root, per_class=per_class)
    return str(root)


@flow(name="inkset-demo")
def demo_flow(per_class: int = 24) -> list[str]:
    """Build the foundation's shapes release, then each stage's demo; verify every release."""
    logger = get_run_logger()
    releases = [folder_release_flow(generate_demo_images(per_class), "demo-shapes")]
    for name in STAGE_DEMOS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            logger.info("stage %s is not built yet; skipped", name)
            continue
        releases.extend(module.demo_flow())
    for release in releases:
        verify_release(Path(release))
    logger.info("demo built and verified %d releases", len(releases))
    return releases


def _demo_command(args: argparse.Namespace) -> int:
    if args.source != "replica":
        print("the demo runs offline on replica sources only; for the real sites run a stage, "
              "e.g. `make crawl-gcd SOURCE=live`", file=sys.stderr)
        return 2
    releases = demo_flow()
    print("\nReleases built and verified:")
    for release in releases:
        print(f"  {release}")
    shards = {}
    first = Path(releases[0])
    for index in sorted(first.glob("*.shardindex.json")):
        shards[index.name.split(".")[0]] = list(sorted(first.glob(f"{index.name.split('.')[0]}-*.tar")))
    print(f"\nLoad one (run inside {first}):\n" + loading_snippet(shards))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="the whole pipeline offline on replica sources")
    p.add_argument("--source", choices=("replica", "live"), default="replica")
    p.set_defaults(func=_demo_command)
