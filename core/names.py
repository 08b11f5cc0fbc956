"""Names that come from outside (a fetched release, a manifest, a URL list) before they name a file.

A release is untrusted input once someone else published it: its card names a dataset and a
version, its SHA256SUMS names files, its samples.parquet names shards and keys. Each becomes part
of a path, so each is checked against a strict pattern first, and the joined path must still lie
under its root (docs/sharing.md, "Trust").
"""
from __future__ import annotations

import re
from pathlib import Path

from core.errors import InksetError
from core.keys import KEY_PATTERN

# a file or folder name: starts with a letter, digit or _ (so never "", "." or ".."), no separators
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]{0,199}")
SHARD_PATTERN = re.compile(r"[A-Za-z0-9_]+-[0-9]{6}\.tar")


class UnsafeName(InksetError):
    """A name from an untrusted file that would not stay a plain name inside its folder."""


def check_name(name: object, what: str, where: str = "") -> str:
    """`name` if it is a plain file or folder name, else UnsafeName naming `what` and `where`."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise UnsafeName(f"{where + ': ' if where else ''}unsafe {what} {name!r}: a name is 1-200 "
                         "characters of [A-Za-z0-9._+-], starting with a letter, digit or _")
    return name


def check_shard_name(name: object, where: str = "") -> str:
    """`name` if it is a shard file name `<split>-NNNNNN.tar`, else UnsafeName."""
    if not isinstance(name, str) or not SHARD_PATTERN.fullmatch(name):
        raise UnsafeName(f"{where + ': ' if where else ''}unsafe shard name {name!r}: shards are "
                         "named <split>-NNNNNN.tar")
    return name


def check_key_name(key: object, where: str = "") -> str:
    """`key` if it is a valid sample key (core/keys.py), else UnsafeName."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise UnsafeName(f"{where + ': ' if where else ''}unsafe sample key {key!r}: keys are "
                         "1-100 characters of [A-Za-z0-9_-]")
    return key


def inside(root: Path, *names: str) -> Path:
    """root/names..., after proving the resolved path stays under the resolved root."""
    root = Path(root)
    path = root.joinpath(*names)
    if not path.resolve().is_relative_to(root.resolve()):
        raise UnsafeName(f"{path}: leaves its folder {root}")
    return path
