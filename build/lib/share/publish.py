"""Publishing helpers: the lock file of a release and its metadata-only export."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from core import atomic
from preprocess.release import conventions
from preprocess.release.build import CARD_FILE
from preprocess.release.verify import check_release, verify_release

from . import rebuild_index

METADATA_FILES = ("manifest.parquet", "labels.json", "README.md", "card.html",
                  "label_histogram.png", "_info.json", "sizes.json", "croissant.json")


def publish(release_dir: Path, locks_dir: Path, published_root: Path,
            with_images: bool = False) -> Path:
    """Publish a release as its card says: a lock of the full release, or (share =
    "metadata-only", unless `with_images`) a metadata-only export under
    `published_root/<dataset>/<version>/` and the lock of that. Returns the lock path."""
    card = json.loads((check_release(release_dir) / CARD_FILE).read_text())
    if card.get("share") == "metadata-only" and not with_images:
        release_dir = export_metadata_only(
            release_dir, published_root / card["name"] / card["version"])
    return write_lock(release_dir, locks_dir)


def write_lock(release_dir: Path, locks_dir: Path) -> Path:
    """Verify the release, then record its shard names, sizes and sha256 in `locks_dir`."""
    verify_release(release_dir)
    card = json.loads((release_dir / CARD_FILE).read_text())
    sums = conventions.read_checksums(release_dir)
    lock = {
        "name": card["name"], "version": card["version"], "created": card["created"],
        "metadata_only": bool(card.get("metadata_only")),
        "definition_hash": card["definition_hash"], "code_version": card["code_version"],
        "counts": card["counts"],
        "files": {name: {"sha256": digest, "bytes": (release_dir / name).stat().st_size}
                  for name, digest in sorted(sums.items())},
    }
    locks_dir.mkdir(parents=True, exist_ok=True)
    path = locks_dir / f"{card['name']}-{card['version']}.lock.json"
    atomic.write_json(path, lock)
    return path


def locked_directory(release_dir: Path, lock: dict, published_root: Path) -> Path:
    """What a lock from publish() stands for: the metadata-only export it made, else the release."""
    export = published_root / lock["name"] / lock["version"]
    return export if lock["metadata_only"] and (export / CARD_FILE).is_file() else release_dir


def export_metadata_only(release_dir: Path, out_dir: Path) -> Path:
    """Copy what lets others rebuild the release without its images: manifest, labels, card."""
    verify_release(release_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [n for n in METADATA_FILES if (release_dir / n).exists()]
    for name in names:
        shutil.copyfile(release_dir / name, out_dir / name)
    names.append(rebuild_index.write_index(release_dir, out_dir))  # for `inkset rebuild`
    conventions.write_checksums(out_dir, names)
    card = json.loads((release_dir / CARD_FILE).read_text())
    card.update(metadata_only=True, shards={},
                sha256sums=conventions.file_digest(out_dir / "SHA256SUMS"))
    atomic.write_json(out_dir / CARD_FILE, card)
    return out_dir
