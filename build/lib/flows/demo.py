"""`make demo`: every stage end to end, offline, on replica sources and the ephemeral Prefect server."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from prefect import flow, get_run_logger, task

from core.definitions import DATASET_KEYS, check_keys, datasets_of, read_definition, recorded
from core.errors import UsageError
from core.paths import check_writable, work_dirs
from flows import gcd, manga109, pixiv
from flows.options import add_source_option
from flows.release import folder_release_flow
from flows.train import train_flow
from preprocess.release.verify import verify_release
from replicas.shapes import generate_shapes
from training.config import demo_trainings

# Each stage's own demo: its replica source, crawled and built (a list of release dirs).
STAGE_DEMOS = (manga109.demo_flow, gcd.demo_flow, pixiv.demo_flow)


@task
def generate_demo_images(name: str, per_class: int, seed: int) -> str:
    root = work_dirs().cache / name
    generate_shapes(root, per_class=per_class, seed=seed)
    return str(root)


def folder_demo(name: str) -> str:
    """A folder-source definition (demo-shapes): its [generator]'s shapes, built as a release."""
    definition = read_definition(name)
    check_keys(name, "", definition, DATASET_KEYS + ("images", "split", "generator"))
    generator = definition["generator"]
    images = generate_demo_images(name, generator["per_class"], generator["seed"])
    return folder_release_flow(images, definition["dataset"], definition["version"],
                               definition=recorded(definition))


@flow(name="inkset-demo")
def demo_flow() -> list[str]:
    """Build the folder-source releases (the shapes), then each stage's demo; verify them all."""
    logger = get_run_logger()
    releases = [folder_demo(name) for name in datasets_of("image-folder")]
    for stage_demo in STAGE_DEMOS:
        releases.extend(stage_demo())
    for release in releases:
        verify_release(Path(release))
    logger.info("demo built and verified %d releases", len(releases))
    return releases


@task
def build_training_release(name: str, options: dict) -> str:
    from replicas.releases import scaled_release

    # a work dir of their own: these replicas are bigger than the demo's, under the same names
    return str(scaled_release(name, home=work_dirs().cache / "training-replicas", **options))


@flow(name="inkset-demo-training")
def demo_training_flow(experiments: list[str] | None = None) -> list[str]:
    """One short training per experiment family (each config's [demo] table: the replica
    release and the settings, training/config.py demo_trainings); returns the run dirs."""
    trainings = demo_trainings()
    runs = []
    for experiment in experiments or list(trainings):
        demo = trainings[experiment]
        release = build_training_release(demo.dataset, demo.replica)
        runs.append(train_flow(experiment, release, settings=list(demo.settings)))
    return runs


def demo_snippet(release: Path) -> str:
    """Loading code that runs verbatim from any directory: absolute paths, in shard order."""
    release = release.resolve()
    shards = json.loads((release / "dataset.json").read_text())["shards"]
    split = "train" if shards.get("train") else next(s for s, names in shards.items() if names)
    last = len(shards[split]) - 1
    return (f"import webdataset as wds, wids\n"
            f"stream = wds.WebDataset('{release}/{split}-{{000000..{last:06d}}}.tar', "
            f"shardshuffle=False).decode('pil')\n"
            f"sample = next(iter(stream))  # {{'__key__', 'jpg', 'json', ...}}\n"
            f"indexed = wids.ShardListDataset('{release}/{split}.shardindex.json', "
            f"cache_dir='{release}', transformations=[])  # in place, raw bytes\n"
            f"print(len(indexed), sorted(sample))")


def _demo_command(args: argparse.Namespace) -> int:
    if args.source != "replica":
        raise UsageError("the demo runs offline on replica sources only; for the real sites "
                         "run a stage, e.g. `make crawl-gcd SOURCE=live`")
    check_writable(work_dirs().releases)
    releases = demo_flow()
    runs = [] if args.no_training else demo_training_flow()
    print("\nReleases built and verified (each card: <release>/card.html):")
    for release in releases:
        print(f"  {release}")
    print("\nLoad one (Python, in .venv/bin/python):\n" + demo_snippet(Path(releases[0])))
    if runs:
        from training.report import summary_line  # loads torch: only after trainings ran

        print("\nShort trainings on replica releases (test metric beside chance):")
        for run in runs:
            print(f"  {summary_line(run)}\n    report: {Path(run) / 'report.html'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="the whole pipeline offline on replica sources")
    add_source_option(p)
    p.add_argument("--no-training", action="store_true",
                   help="build and verify the releases only (no short trainings)")
    p.set_defaults(func=_demo_command)
