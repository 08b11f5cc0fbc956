"""`inkset dupes RELEASE [--radius N] [--against NAME@VERSION]`: print a release's near-duplicate
groups and write the pairs to a parquet file (docs/near_duplicates.md)."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import UsageError


def _release(text: str) -> Path:
    from core.versions import resolve_release
    from preprocess.release.verify import check_release

    path = Path(text) if "/" in text or Path(text).exists() else resolve_release(text)
    return check_release(path)


def _command(args: argparse.Namespace) -> int:
    from core.atomic import write_parquet
    from core.paths import check_writable, work_dirs
    from preprocess.near_duplicates import BITS
    from preprocess.release.near_duplicates import search

    if not 0 <= args.radius < BITS:
        raise UsageError(f"--radius must be 0..{BITS - 1} bits, not {args.radius}")
    release = _release(args.release)
    against = _release(args.against) if args.against else None
    try:
        pairs, groups = search(release, args.radius, against)
    except ValueError as error:  # a release built before the hashes were recorded
        raise UsageError(str(error)) from None
    name = f"{release.parent.name}-{release.name}" + (
        f"-vs-{against.parent.name}-{against.name}" if against else "")
    out = Path(args.out) if args.out else \
        work_dirs().runs / "dupes" / f"{name}-r{args.radius}.parquet"
    check_writable(out.parent)
    write_parquet(out, pairs)
    for number, group in enumerate(groups[:args.limit], 1):
        members = ", ".join(f"{key} ({split})" if where == release.name else
                            f"{where}:{key} ({split})" for where, key, split in group)
        print(f"group {number} ({len(group)}): {members}")
    if len(groups) > args.limit:
        print(f"... {len(groups) - args.limit} more groups (--limit)")
    inside = pairs[pairs["scope"] == "release"]
    line = (f"{release}: {len(groups)} groups, {len(inside)} pairs within {args.radius} bits, "
            f"{int((inside['split_a'] != inside['split_b']).sum())} across splits")
    if against is not None:
        line += f", {int((pairs['scope'] == 'against').sum())} with {args.against}"
    print(line)
    print(f"pairs written to {out}")
    return 0


def register(subparsers) -> None:
    from preprocess.near_duplicates import DEFAULT_RADIUS

    p = subparsers.add_parser("dupes", help="near-duplicate groups of a release (perceptual "
                                            "hashes); writes the pairs as parquet")
    p.add_argument("release", help="releases/<dataset>/<version>/, NAME or NAME@VERSION")
    p.add_argument("--radius", type=int, default=DEFAULT_RADIUS,
                   help=f"pHash bits that may differ (default {DEFAULT_RADIUS})")
    p.add_argument("--against", metavar="NAME@VERSION",
                   help="also pair it with another release (a previous version, another dataset)")
    p.add_argument("--out", help="the pairs parquet "
                                 "(default runs/dupes/<release>-r<radius>.parquet)")
    p.add_argument("--limit", type=int, default=20, help="groups to print (default 20)")
    p.set_defaults(func=_command)
