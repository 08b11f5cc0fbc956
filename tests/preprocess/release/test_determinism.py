"""The same input and definition give byte-identical shards, whatever the input order or workers."""
from __future__ import annotations

import hashlib


def digests(path):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.iterdir()) if p.suffix in (".tar", ".parquet")}


def test_two_builds_are_byte_identical(release, image_folder, tools, tmp_path):
    again = tools.build(image_folder, tmp_path, workers=1)  # other worker count, fresh dir
    first, second = digests(release.path), digests(again.path)
    assert first == second
    assert sum(name.endswith(".tar") for name in first) >= 9


def test_a_complete_release_is_never_rewritten(release, image_folder, tools):
    before = {p.name: p.stat().st_mtime_ns for p in release.path.iterdir()}
    again = tools.build(image_folder, release.path.parent.parent)
    assert again.already_complete
    assert {p.name: p.stat().st_mtime_ns for p in release.path.iterdir()} == before
