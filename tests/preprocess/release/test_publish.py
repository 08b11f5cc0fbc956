"""Lock files record every file of a verified release; a metadata-only export has no images."""
from __future__ import annotations

import hashlib
import json

import pytest

from preprocess.release import ReleaseSpec
from preprocess.release.publish import export_metadata_only, publish, write_lock


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


def test_a_metadata_only_card_is_published_without_images(image_folder, tools, tmp_path):
    release = tools.build(image_folder, tmp_path / "releases", share="metadata-only")
    card = json.loads((release.path / "dataset.json").read_text())
    assert card["share"] == "metadata-only"
    assert "Shared metadata-only" in (release.path / "README.md").read_text()
    lock = json.loads(publish(release.path, tmp_path / "locks", tmp_path / "published")
                      .read_text())
    assert lock["metadata_only"] is True
    assert not [n for n in lock["files"] if n.endswith(".tar")]
    assert "manifest.parquet" in lock["files"]
    assert (tmp_path / "published" / "shapes" / "1" / "dataset.json").is_file()
    # the owner may still lock the shards of their own copy, on request
    full = json.loads(publish(release.path, tmp_path / "locks", tmp_path / "published",
                              with_images=True).read_text())
    assert full["metadata_only"] is False
    assert sorted(n for n in full["files"] if n.endswith(".tar")) == \
        sorted(p.name for p in release.path.glob("*.tar"))


def test_a_full_card_publishes_its_shards(release, tmp_path):
    lock = json.loads(publish(release.path, tmp_path / "locks", tmp_path / "published")
                      .read_text())
    assert lock["metadata_only"] is False and any(n.endswith(".tar") for n in lock["files"])
    assert not (tmp_path / "published").exists()


def test_share_mode_is_checked():
    with pytest.raises(ValueError, match="share must be one of"):
        ReleaseSpec(dataset="d", version="1", share="images-please")
