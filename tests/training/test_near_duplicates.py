"""data.exclude_near_duplicates: the copies that straddle pinned splits leave training and
evaluation (near_duplicates.json's exclude_keys)."""
from __future__ import annotations

import json

import pytest

from core.errors import InksetError
from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from replicas.near_duplicates import generate
from training.data import ExactSplit, train_stream
from training.release_view import open_release, without_near_duplicates


def _keys_only(sample: dict, epoch: int) -> dict:
    return {"key": sample["key"]}


@pytest.fixture(scope="module")
def pinned(tmp_path_factory):
    """Sources in train, their edited copies in test: splits pinned as a definition may pin them."""
    data = generate(sources=16, duplicated=0.5, negatives=0.5, seed=11)

    def render(name):
        split = "test" if "-" in name and not name.endswith("negative") else "train"
        return [Sample(key=name, split=split, image=data.images[name], labels={"c": "x"})]

    names = sorted(data.images)
    units = [Unit(id=n, keys=[(n, "test" if "-" in n and not n.endswith("negative")
                                else "train")], payload=n) for n in names]
    spec = ReleaseSpec(dataset="pinned", version="1", splits=("train", "test"),
                       label_sets={"c": ("x",)}, cls_label_set="c", min_shards_per_split=1)
    root = tmp_path_factory.mktemp("pinned")
    return build_release(spec, units, render, releases_root=root, progress=False).path, data


def test_straddling_copies_are_reported_and_left_out(pinned):
    path, data = pinned
    summary = json.loads((path / "near_duplicates.json").read_text())
    copies = {n for n in data.images if "-" in n and not n.endswith("negative")}
    excluded = set(summary["exclude_keys"])
    # every excluded key is a test copy (the group's first split, train, keeps its source)
    assert excluded <= copies and len(excluded) >= 0.8 * len(copies)
    assert summary["pairs_across_splits"] > 0 and summary["straddling_groups"]
    assert "the definition pins these splits" in (path / "README.md").read_text()

    release = open_release(path)
    test_keys = set(ExactSplit(release, ["test"], _keys_only).keys())
    assert test_keys == copies
    less = without_near_duplicates(release)
    assert set(ExactSplit(less, ["test"], _keys_only).keys()) == copies - excluded
    streamed = {k for batch in train_stream(less, ["test"], _keys_only, batch_size=4, seed=0,
                                            epoch=0, workers=1, shuffle_buffer=8)
                for k in batch["key"]}
    assert streamed == copies - excluded


def test_a_release_without_the_report_is_a_clear_error(pinned, tmp_path):
    path, _ = pinned
    release = open_release(path)
    bare = release.__class__(**{**release.__dict__, "path": tmp_path})
    with pytest.raises(InksetError, match="near_duplicates.json"):
        without_near_duplicates(bare)
