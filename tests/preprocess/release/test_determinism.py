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


def test_shard_count_follows_shard_size_except_in_the_training_split(tmp_path):
    """Issue 22 bug 5: a 12-sample test split was written as 12 one-sample shards. Only the split
    a training loader streams keeps the minimum of 8 shards (one per loader worker and process)."""
    from preprocess.release import ReleaseSpec, Sample, Unit, build_release

    spec = ReleaseSpec(dataset="toy", version="1", splits=("train", "test"),
                       label_sets={"class": ("a",)}, cls_label_set="class")

    def render(payload):
        key, split = payload
        return [Sample(key=key, split=split, image=b"\xff" * 10, labels={"class": "a"})]

    items = [(f"train{i:02d}", "train") for i in range(20)] + [(f"test{i:02d}", "test")
                                                               for i in range(12)]
    units = [Unit(key, [(key, split)], (key, split)) for key, split in items]
    release = build_release(spec, units, render, releases_root=tmp_path, progress=False)
    test_tars = sorted(p.name for p in release.path.glob("test-*.tar"))
    train_tars = sorted(p.name for p in release.path.glob("train-*.tar"))
    assert test_tars == ["test-000000.tar"]
    assert len(train_tars) == 10  # 20 // 8 = 2 samples a shard: at least 8 shards


def test_an_edited_definition_with_the_same_version_is_refused_not_hidden(release,
                                                                          image_folder, tools):
    """Issue 22 bug 3: an edited definition re-run under its pinned version exited 0 and kept the
    old release. It must stop, name what changed and say how to build it; nothing is rewritten."""
    import json

    import pytest

    from core.errors import InksetError

    recorded = json.loads((release.path / "dataset.json").read_text())["definition"]
    edited = {**recorded, "classes": recorded["classes"][:2], "note": "edited"}
    before = {p.name: p.stat().st_mtime_ns for p in release.path.iterdir()}
    with pytest.raises(InksetError, match=r"was built from another definition of shapes "
                                          r"\(changed: classes, note\).*new `version`"):
        tools.build(image_folder, release.path.parent.parent, definition=edited)
    assert {p.name: p.stat().st_mtime_ns for p in release.path.iterdir()} == before
