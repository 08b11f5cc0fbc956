"""Sharing commands: publish to / fetch from object storage, and stream one object (`inkset cat`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import InksetError
from core.paths import work_dirs
from share import remote
from share.publish import locked_directory


def _report(verb: str, what: str, done, objects: str) -> None:
    print(f"{verb} {what}: {len(done.copied)} {objects}, {len(done.skipped)} already there "
          f"({done.bytes / 1e6:.1f} MB, {done.mb_per_s:.1f} MB/s)")


# An InksetError raised here reaches flows/cli.py's main, which prints it as one line.
def upload_locked(release: Path, lock: dict, url: str, endpoint_url: str | None) -> int:
    """Upload what `inkset publish` just locked: the release, or its metadata-only export."""
    source = locked_directory(release, lock, work_dirs().published)
    done = remote.publish_to(source, url, endpoint_url=endpoint_url)
    _report("published", f"{source} to {url}", done, "objects sent")
    return 0


def _fetch_command(args: argparse.Namespace) -> int:
    done = remote.fetch(args.url, Path(args.out), endpoint_url=args.endpoint_url)
    _report("fetched", f"{args.url} into {args.out}", done, "files checked and written")
    return 0


def _cat_command(args: argparse.Namespace) -> int:
    try:
        remote.cat(args.url, sys.stdout.buffer, endpoint_url=args.endpoint_url)
    except FileNotFoundError:
        raise InksetError(f"{args.url}: no such object") from None
    sys.stdout.buffer.flush()
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("fetch", help="download a published release, checking every sha256")
    p.add_argument("url", help="where it was published (file://, s3://bucket/dataset/version)")
    p.add_argument("out", help="local directory (an interrupted fetch resumes into it)")
    p.add_argument("--endpoint-url", help="S3-compatible server (else AWS_ENDPOINT_URL)")
    p.set_defaults(func=_fetch_command)
    p = subparsers.add_parser("cat", help="write one stored object to stdout "
                              "(for webdataset: pipe:inkset cat s3://.../train-000000.tar)")
    p.add_argument("url")
    p.add_argument("--endpoint-url", help="S3-compatible server (else AWS_ENDPOINT_URL)")
    p.set_defaults(func=_cat_command)
