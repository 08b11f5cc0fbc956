"""Publish a release to any fsspec URL and fetch it back: sha256-checked, resumable, card last."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import fsspec

from core import atomic
from core.errors import InksetError
from preprocess.release import conventions
from preprocess.release.build import CARD_FILE

log = logging.getLogger(__name__)
SUMS_FILE = "SHA256SUMS"
BLOCK = 1 << 22


@dataclass
class Transfer:
    """What one publish or fetch moved: objects sent, objects already in place, bytes, seconds."""

    copied: list[str]
    skipped: list[str]
    bytes: int = 0
    seconds: float = 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def open_store(url: str, endpoint_url: str | None = None):
    """(filesystem, root path) for `url`; credentials come from the environment, never from us."""
    options = {}
    if endpoint_url:  # an S3-compatible server that is not AWS (MinIO, Ceph, moto, ...)
        options["client_kwargs"] = {"endpoint_url": endpoint_url}
    try:
        fs, root = fsspec.core.url_to_fs(url, **options)
    except (ImportError, ValueError) as error:
        raise InksetError(f"{url}: cannot open this store ({error})") from None
    return fs, root.rstrip("/")


def upload_order(release_dir: Path) -> list[str]:
    """Every checksummed file (shards and sidecars), then SHA256SUMS, then the card last."""
    return sorted(conventions.read_checksums(release_dir)) + [SUMS_FILE, CARD_FILE]


def _remote_sha256(fs, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb", block_size=BLOCK) as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _in_place(fs, path: str, size: int, digest: str) -> bool:
    """True when the object exists with this size and sha256 (the resume check)."""
    try:
        info = fs.info(path)
    except FileNotFoundError:
        return False
    return info.get("size") == size and _remote_sha256(fs, path) == digest


def publish_to(release_dir: Path, url: str, *, endpoint_url: str | None = None,
               on_copied: Callable[[str], None] | None = None) -> Transfer:
    """Copy a complete release to `url`; objects already there with the same bytes are skipped.

    The card goes last, so a reader polling for dataset.json never sees a half release; a store
    that already holds another release's card is refused (published versions are immutable).
    """
    release_dir = Path(release_dir)
    if not (release_dir / CARD_FILE).is_file():
        raise InksetError(f"{release_dir}: no {CARD_FILE}, so the release is not complete")
    fs, root = open_store(url, endpoint_url)
    local_card = (release_dir / CARD_FILE).read_bytes()
    try:
        remote_card = fs.cat_file(f"{root}/{CARD_FILE}")
    except FileNotFoundError:
        remote_card = None
    if remote_card is not None and remote_card != local_card:
        raise InksetError(f"{url}: already holds another release ({CARD_FILE} differs); "
                          "published releases are never rewritten")
    fs.makedirs(root, exist_ok=True)  # a directory for file://; the bucket must exist for s3://
    done = Transfer(copied=[], skipped=[])
    started = time.perf_counter()
    for name in upload_order(release_dir):
        local, target = release_dir / name, f"{root}/{name}"
        size = local.stat().st_size
        if _in_place(fs, target, size, conventions.file_digest(local)):
            done.skipped.append(name)
            continue
        fs.put_file(str(local), target)
        done.copied.append(name)
        done.bytes += size
        if on_copied:
            on_copied(name)
    done.seconds = time.perf_counter() - started
    log.info("published %s to %s: %d objects sent, %d already there", release_dir, url,
             len(done.copied), len(done.skipped))
    return done


def _checked_name(url: str, name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InksetError(f"{url}: {SUMS_FILE} lists an unsafe file name {name!r}")
    return name


def fetch(url: str, out_dir: Path, *, endpoint_url: str | None = None) -> Transfer:
    """Download the release at `url` into `out_dir`, checking every file's sha256; card last."""
    fs, root = open_store(url, endpoint_url)
    try:
        card_bytes = fs.cat_file(f"{root}/{CARD_FILE}")
        sums_bytes = fs.cat_file(f"{root}/{SUMS_FILE}")
    except FileNotFoundError as error:
        raise InksetError(f"{url}: no complete release there ({error})") from None
    card = json.loads(card_bytes)
    if hashlib.sha256(sums_bytes).hexdigest() != card.get("sha256sums"):
        raise InksetError(f"{url}/{SUMS_FILE}: sha256 does not match the one in {CARD_FILE}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = Transfer(copied=[], skipped=[])
    started = time.perf_counter()
    for line in sums_bytes.decode("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        local = out_dir / _checked_name(url, name)
        if local.is_file() and conventions.file_digest(local) == digest:
            done.skipped.append(name)  # an earlier, interrupted fetch got this one
            continue
        done.bytes += _download(fs, f"{root}/{name}", local, digest, f"{url}/{name}")
        done.copied.append(name)
    atomic.write_bytes(out_dir / SUMS_FILE, sums_bytes)
    atomic.write_bytes(out_dir / CARD_FILE, card_bytes)
    done.seconds = time.perf_counter() - started
    return done


def _download(fs, path: str, local: Path, expected: str, shown: str) -> int:
    """Stream one object to a temporary name, hashing as it goes; rename only if it matches."""
    digest, size = hashlib.sha256(), 0
    try:
        with atomic.atomic_open(local) as out, fs.open(path, "rb", block_size=BLOCK) as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                digest.update(block)
                out.write(block)
                size += len(block)
            if digest.hexdigest() != expected:
                raise _Mismatch
    except _Mismatch:
        raise InksetError(f"{shown}: sha256 mismatch (expected {expected}, got "
                          f"{digest.hexdigest()}): the object changed or is corrupt") from None
    except FileNotFoundError:
        raise InksetError(f"{shown}: listed in {SUMS_FILE} but missing") from None
    return size


class _Mismatch(Exception):
    """Raised inside the atomic write so the temporary file is removed."""


def cat(url: str, out, *, endpoint_url: str | None = None) -> None:
    """Stream one object to a binary file (for webdataset's `pipe:` URLs)."""
    fs, path = open_store(url, endpoint_url)
    with fs.open(path, "rb", block_size=BLOCK) as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            out.write(block)


if __name__ == "__main__":  # `pipe:python -m share.remote s3://...`: no CLI imports
    import sys

    cat(sys.argv[1], sys.stdout.buffer)
    sys.stdout.buffer.flush()
