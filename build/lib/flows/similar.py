"""`inkset similar RUN_DIR KEY_OR_IMAGE`: the nearest test samples of a trained embedding run."""
from __future__ import annotations

import argparse
from pathlib import Path


def _command(args: argparse.Namespace) -> int:
    from training.similar import similar

    for key, distance in similar(Path(args.run_dir), args.query, args.k):
        print(f"{key}\t{distance:g}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("similar", help="nearest samples of a trained embedding run "
                                              "(illust2vec: Hamming hash; manga-mmtl: cosine)")
    p.add_argument("run_dir", help="runs/<experiment>/<run id>/")
    p.add_argument("query", help="a sample key of the run's test split, or an image file")
    p.add_argument("-k", type=int, default=10, help="how many neighbours (default 10)")
    p.set_defaults(func=_command)
