"""Lock files record every file of a verified release; a metadata-only export has no images."""
from __future__ import annotations

import hashlib
import json

from preprocess.release.publish import export_metadata_only, write_lock


def test_the_lock_lists_every_checksummed_file(release, tmp_path):
    lock = json.loads(write_lock(release.path, tmp_path / "locks").read_text())
    assert lock["name"] == "shapes" and lock["version"] == "1"
    tars = sorted(p.name for p in release.path.glob("*.tar"))
    assert sorted(n for n in lock["files"] if n.endswith(".tar")) == tars
    for name in tars:
        data = (release.path / name).read_bytes()
        assert lock["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(),
                                       "bytes": len(data)}


def test_metadata_only_export_has_no_images_and_checks_out(release, tmp_path):
    out = export_metadata_only(release.path, tmp_path / "meta")
    names = {p.name for p in out.iterdir()}
    assert not any(n.endswith(".tar") for n in names)
    assert {"manifest.parquet", "labels.json", "dataset.json", "SHA256SUMS"} <= names
    card = json.loads((out / "dataset.json").read_text())
    assert card["metadata_only"] is True and card["shards"] == {}
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
