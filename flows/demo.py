"""`make demo`: every stage end to end, offline, on replica sources and the ephemeral Prefect server."""
from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from prefect import flow, get_run_logger, task

from core.definitions import DATASET_KEYS, check_keys, read_definition
from core.errors import UsageError
from core.paths import check_writable, work_dirs
from flows.release import folder_release_flow
from preprocess.release.card import loading_snippet
from preprocess.release.verify import verify_release
from replicas.shapes import generate_shapes

# Each stage module exposes demo_flow() -> list of release dirs; stages land one issue at a time.
STAGE_DEMOS = ("flows.manga109", "flows.gcd", "flows.pixiv")
# One short training per experiment family, on replica releases big enough to judge (300+ test
# samples) at small image sizes, so that CPU time stays in minutes. Real runs: `make train`.
# artist-pages: at 5 epochs one of the two repeats could stay on the majority plateau (macro F1
# 0.36 / 0.12 on the 3/8-decoded pages); 8 epochs gave 0.81 / 0.55. Higher lr was worse.
DEMO_TRAININGS = {
    "artist-pages": ("manga109-artist-pages", dict(scale=10, size=[48, 64]),
                     ["run.repeats=2", "optim.epochs=8", "optim.lr=0.001",
                      "eval.test_fraction=0.25", "model.widths=[16,32,64,128,256]",
                      "model.hidden=256", "eval.actmax_steps=20"]),
    "pixiv-artist": ("pixiv-artists", dict(scale=12, size=[64, 64],
                                           splits={"train": 0.5, "val": 0.1, "test": 0.4}),
                     ["optim.epochs=5"]),
    "gcd-team": ("gcd-team-justice-league",
                 dict(scale=20, size=[64, 96],
                      split_fractions={"train": 0.45, "val": 0.1, "test": 0.45}),
                 ["optim.epochs=4"]),
    # embeddings (docs/embeddings.md): width 1/8 VGG-11 with BatchNorm; ResNet-10 of width 8
    "illust2vec": ("pixiv-tags", dict(scale=12, size=[64, 64],
                                      splits={"train": 0.5, "val": 0.1, "test": 0.4}),
                   ["data.image_size=64", "model.width=0.125", "model.batch_norm=true",
                    "data.batch_size=16", "optim.name=adamw", "optim.lr=0.003",
                    "optim.weight_decay=0.0001", "optim.epochs=6", "eval.tsne_images=300"]),
    "manga-mmtl": ("manga109-faces", dict(scale=3, size=[64, 64]),
                   ["data.image_size=64", "model.depth=10", "model.image_width=8",
                    "optim.epochs=3", 'model.variants=["M5","M1"]', "run.repeats=2",
                    "eval.cluster_seeds=[0,1]"]),
}
DEMO_TRAINING_SETTINGS = ["data.workers=1", "run.early_stop_patience=0"]


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


@task
def build_training_release(name: str, options: dict) -> str:
    from replicas.releases import scaled_release

    # a work dir of their own: these replicas are bigger than the demo's, under the same names
    return str(scaled_release(name, home=work_dirs().cache / "training-replicas", **options))


@flow(name="inkset-demo-training")
def demo_training_flow(experiments: list[str] | None = None) -> list[str]:
    """One short training per experiment family; returns the run dirs."""
    from flows.train import train_flow

    runs = []
    for experiment in experiments or list(DEMO_TRAININGS):
        dataset, options, settings = DEMO_TRAININGS[experiment]
        release = build_training_release(dataset, options)
        runs.append(train_flow(experiment, release,
                               settings=[*DEMO_TRAINING_SETTINGS, *settings]))
    return runs


def _demo_command(args: argparse.Namespace) -> int:
    if args.source != "replica":
        raise UsageError("the demo runs offline on replica sources only; for the real sites "
                         "run a stage, e.g. `make crawl-gcd SOURCE=live`")
    check_writable(work_dirs().releases)
    releases = demo_flow()
    runs = [] if args.no_training else demo_training_flow()
    print("\nReleases built and verified:")
    for release in releases:
        print(f"  {release}")
    first = Path(releases[0])
    shards = json.loads((first / "dataset.json").read_text())["shards"]
    print(f"\nLoad one (run inside {first}):\n" + loading_snippet(shards))
    if runs:
        from flows.train import summary_line

        print("\nShort trainings on replica releases (test metric beside chance):")
        for run in runs:
            print(f"  {summary_line(run)}\n    report: {Path(run) / 'report.html'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="the whole pipeline offline on replica sources")
    p.add_argument("--source", choices=("replica", "live"), default="replica")
    p.add_argument("--no-training", action="store_true",
                   help="build and verify the releases only (no short trainings)")
    p.set_defaults(func=_demo_command)
