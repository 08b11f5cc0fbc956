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


# An InksetError raised here reaches flows/cli.py's main, which prints it as one line.
def _download_command(args: argparse.Namespace) -> int:
    from share.download.render import Recipe
    from share.download.urllist import download

    result = download(Path(args.url_list), Path(args.out),
                      recipe=Recipe(size=args.size, resize_mode=args.resize_mode),
                      per_shard=args.per_shard, workers=args.workers)
    counts = ", ".join(f"{k}={v}" for k, v in sorted(result.counts.items()))
    print(f"{len(result.shards)} shards in {result.out_dir}: {counts}")
    return 0


def _rebuild_command(args: argparse.Namespace) -> int:
    from share.download.rebuild import rebuild

    result = rebuild(args.release, Path(args.out) if args.out else None,
                     workers=args.workers, endpoint_url=args.endpoint_url)
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
    p.set_defaults(func=_download_command)
    p = subparsers.add_parser("rebuild", help="download the sources of a metadata-only release "
                              "again and rebuild its shards (changed/gone items reported)")
    p.add_argument("release", help="a metadata-only release dir, or its published URL")
    p.add_argument("--out", help="output release dir (default releases/<dataset>/<version>)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--endpoint-url", help="S3-compatible server (else AWS_ENDPOINT_URL)")
    p.set_defaults(func=_rebuild_command)
