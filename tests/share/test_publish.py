"""Lock files record every file of a verified release; a metadata-only export has no images."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from share.publish import export_metadata_only, publish, write_lock


def test_the_lock_lists_every_checksummed_file(shapes_release, tmp_path):
    release_dir = shapes_release
    lock = json.loads(write_lock(release_dir, tmp_path / "locks").read_text())
    assert lock["name"] == "shapes" and lock["version"] == "1"
    tars = sorted(p.name for p in release_dir.glob("*.tar"))
    assert sorted(n for n in lock["files"] if n.endswith(".tar")) == tars
    for name in tars:
        data = (release_dir / name).read_bytes()
        assert lock["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(),
                                       "bytes": len(data)}


def test_metadata_only_export_has_no_images_and_checks_out(shapes_release, tmp_path):
    release_dir = shapes_release
    out = export_metadata_only(release_dir, tmp_path / "meta")
    names = {p.name for p in out.iterdir()}
    assert not any(n.endswith(".tar") for n in names)
    assert {"manifest.parquet", "labels.json", "dataset.json", "SHA256SUMS",
            "near_duplicates.json", "near_duplicates.parquet"} <= names
    assert not any(n.endswith((".jpg", ".png")) and n != "label_histogram.png" for n in names)
    card = json.loads((out / "dataset.json").read_text())
    assert card["metadata_only"] is True and card["shards"] == {}
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_a_metadata_only_card_is_published_without_images(shapes_folder, tmp_path):
    options = FolderOptions(size=(48, 48))
    spec = replace(folder_spec(shapes_folder, "shapes", "1", options), share="metadata-only")
    release_dir = build_release(spec, plan_folder(shapes_folder, "shapes", options), render_file,
                                releases_root=tmp_path / "releases", progress=False).path
    card = json.loads((release_dir / "dataset.json").read_text())
    assert card["share"] == "metadata-only"
    assert "Shared metadata-only" in (release_dir / "README.md").read_text()
    lock = json.loads(publish(release_dir, tmp_path / "locks", tmp_path / "published")
                      .read_text())
    assert lock["metadata_only"] is True
    assert not [n for n in lock["files"] if n.endswith(".tar")]
    assert "manifest.parquet" in lock["files"]
    assert (tmp_path / "published" / "shapes" / "1" / "dataset.json").is_file()
    # the owner may still lock the shards of their own copy, on request
    full = json.loads(publish(release_dir, tmp_path / "locks", tmp_path / "published",
                              with_images=True).read_text())
    assert full["metadata_only"] is False
    assert sorted(n for n in full["files"] if n.endswith(".tar")) == \
        sorted(p.name for p in release_dir.glob("*.tar"))


def test_a_full_card_publishes_its_shards(shapes_release, tmp_path):
    release_dir = shapes_release
    lock = json.loads(publish(release_dir, tmp_path / "locks", tmp_path / "published")
                      .read_text())
    assert lock["metadata_only"] is False and any(n.endswith(".tar") for n in lock["files"])
    assert not (tmp_path / "published").exists()

