"""Download commands: `inkset download` (a URL list) and `inkset rebuild` (a metadata-only release)."""
from __future__ import annotations

import argparse
from pathlib import Path


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: use WIDTHxHEIGHT, e.g. 200x300")
    return width, height


def _limits(args: argparse.Namespace):
    from preprocess.images import ImageLimits

    return ImageLimits(max_pixels=args.max_pixels, max_bytes=args.max_bytes)


def _add_safety_options(p: argparse.ArgumentParser) -> None:
    """Options of both commands that read someone else's URLs (docs/sharing.md, "Trust")."""
    from preprocess.images import ImageLimits

    p.add_argument("--allow-private", action="store_true",
                   help="also fetch from loopback, link-local and private addresses (a mirror "
                   "on this machine or network); refused by default")
    p.add_argument("--max-pixels", type=int, default=ImageLimits.max_pixels,
                   help="refuse an image with more pixels, read from its header before decoding "
                   f"(default {ImageLimits.max_pixels})")
    p.add_argument("--max-bytes", type=int, default=ImageLimits.max_bytes,
                   help=f"refuse an image file larger than this (default {ImageLimits.max_bytes})")


# An InksetError raised here reaches flows/cli.py's main, which prints it as one line.
def _download_command(args: argparse.Namespace) -> int:
    from share.download.render import Recipe
    from share.download.rules import Rules
    from share.download.urllist import download

    result = download(Path(args.url_list), Path(args.out),
                      recipe=Recipe(size=args.size, resize_mode=args.resize_mode,
                                    limits=_limits(args)),
                      per_shard=args.per_shard, workers=args.workers,
                      rules=Rules(allow_private=args.allow_private,
                                  max_bytes=args.max_bytes),
                      overwrite=args.overwrite)
    counts = ", ".join(f"{k}={v}" for k, v in sorted(result.counts.items()))
    print(f"{len(result.shards)} shards in {result.out_dir}: {counts}")
    return 0


def _rebuild_command(args: argparse.Namespace) -> int:
    from share.download.rebuild import rebuild

    result = rebuild(args.release, Path(args.out) if args.out else None,
                     workers=args.workers, endpoint_url=args.endpoint_url,
                     allow_private=args.allow_private, limits=_limits(args))
    counts = ", ".join(f"{k}={v}" for k, v in sorted(result.statuses.items()))
    print(f"rebuilt {result.path}: {counts}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("download", help="a URL list (.txt/.csv/.parquet, img2dataset's "
                              "input) to WebDataset shards: async downloads + a render pool")
    p.add_argument("url_list")
    p.add_argument("out")
    p.add_argument("--size", type=_size, default=(200, 300), help="WIDTHxHEIGHT (200x300)")
    p.add_argument("--resize-mode", default="keep_ratio",
                   choices=("no", "center_crop", "keep_ratio", "border"))
    p.add_argument("--per-shard", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2, help="render processes")
    p.add_argument("--overwrite", action="store_true", help="an <out> made by another URL list "
                   "or other options: remove its shards and start anew (default: refuse)")
    _add_safety_options(p)
    p.set_defaults(func=_download_command)
    p = subparsers.add_parser("rebuild", help="download the sources of a metadata-only release "
                              "again and rebuild its shards (changed/gone items reported)")
    p.add_argument("release", help="a metadata-only release dir, or its published URL")
    p.add_argument("--out", help="output release dir (default releases/<dataset>/<version>)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--endpoint-url", help="S3-compatible server (else AWS_ENDPOINT_URL)")
    _add_safety_options(p)
    p.set_defaults(func=_rebuild_command)
