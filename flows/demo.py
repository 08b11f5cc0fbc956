"""`make demo`: every stage end to end, offline, on replica sources and the ephemeral Prefect server."""
from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from prefect import flow, get_run_logger, task

from flows.release import folder_release_flow
from preprocess.definitions import DATASET_KEYS, check_keys, read_definition
from preprocess.errors import UsageError
from preprocess.paths import check_writable, work_dirs
from preprocess.release.card import loading_snippet
from preprocess.release.verify import verify_release
from preprocess.shapes import generate_shapes

# Each stage module exposes demo_flow() -> list of release dirs; stages land one issue at a time.
STAGE_DEMOS = ("flows.manga109", "flows.gcd", "flows.pixiv")


@task
def generate_demo_images(per_class: int, seed: int) -> str:
    root = work_dirs().cache / "demo-shapes"
    generate_shapes(root, per_class=per_class, seed=seed)
    return str(root)


@flow(name="inkset-demo")
def demo_flow() -> list[str]:
    """Build the foundation's shapes release, then each stage's demo; verify every release."""
    logger = get_run_logger()
    definition = read_definition("demo-shapes")
    check_keys("demo-shapes", "", definition, DATASET_KEYS + ("images", "split", "generator"))
    generator = definition["generator"]
    images = generate_demo_images(generator["per_class"], generator["seed"])
    releases = [folder_release_flow(images, definition["dataset"], definition["version"],
                                    definition=definition)]
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
        raise UsageError("the demo runs offline on replica sources only; for the real sites "
                         "run a stage, e.g. `make crawl-gcd SOURCE=live`")
    check_writable(work_dirs().releases)
    releases = demo_flow()
    print("\nReleases built and verified:")
    for release in releases:
        print(f"  {release}")
    first = Path(releases[0])
    shards = json.loads((first / "dataset.json").read_text())["shards"]
    print(f"\nLoad one (run inside {first}):\n" + loading_snippet(shards))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="the whole pipeline offline on replica sources")
    p.add_argument("--source", choices=("replica", "live"), default="replica")
    p.set_defaults(func=_demo_command)
