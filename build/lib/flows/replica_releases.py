"""`inkset replicas`: replica releases at a chosen scale, to judge whether a model learns."""
from __future__ import annotations

import argparse

from core.definitions import choose_dataset
from replicas.releases import replica_datasets, scaled_release


def _command(args: argparse.Namespace) -> int:
    options = {}
    if args.size:
        width, _, height = args.size.partition("x")
        options["size"] = [int(width), int(height)]
    known = replica_datasets()
    for name in args.datasets:  # an unknown name stops here, before any build
        choose_dataset(name, known)
    for name in args.datasets:
        print(scaled_release(name, scale=args.scale, workers=args.workers, progress=True,
                             **options))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("replicas", help="replica releases at a chosen scale (to judge "
                                               "training: e.g. --scale 10 --size 64x64)")
    p.add_argument("datasets", nargs="+", metavar="DATASET",
                   help="one or more Manga109 or Pixiv datasets, or gcd-team-<team> (a team "
                   "of data_manifests/gcd-team.toml)")
    p.add_argument("--scale", type=int, default=10, help="times the demo replica's size")
    p.add_argument("--size", help="WxH of the samples (smaller = faster CPU training)")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_command)
