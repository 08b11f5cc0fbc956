"""`inkset dupes`: groups printed, pairs written; re-uploads found against the previous version,
on the card too."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from PIL import Image

from flows import cli
from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from replicas.near_duplicates import generate


def _build(root, version: str, images: dict[str, bytes]):
    def render(name):
        return [Sample(key=name, split="train", image=images[name])]

    spec = ReleaseSpec(dataset="nd", version=version, splits=("train",), min_shards_per_split=1)
    units = [Unit(id=n, keys=[(n, "train")], payload=n) for n in sorted(images)]
    return build_release(spec, units, render, releases_root=root, progress=False).path


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Version 1: the sources; version 2: the sources and their copies under other keys."""
    home = tmp_path_factory.mktemp("home")
    data = generate(sources=10, duplicated=0.5, negatives=0.3, seed=21)
    originals = {n: b for n, b in data.images.items() if "-" not in n}
    first = _build(home / "releases", "1", originals)
    second = _build(home / "releases", "2", data.images)
    return home, data, first, second


def test_dupes_prints_groups_and_writes_pairs(versions, monkeypatch, capsys, tmp_path):
    home, data, _, second = versions
    monkeypatch.setenv("INKSET_HOME", str(home))
    out = tmp_path / "pairs.parquet"
    assert cli.main(["dupes", "nd@2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    pairs = pd.read_parquet(out)
    sources = {n.split("-")[0] for n in data.images if "-" in n and "negative" not in n}
    assert printed.count("group ") == len(sources)  # one group per duplicated source
    for source in sources:  # each duplicated source heads a group holding its copies
        line = next(line for line in printed.splitlines() if f" {source} (train)" in line)
        assert f"{source}-variant" in line or f"{source}-resized" in line
    assert not any("negative" in line for line in printed.splitlines() if "group" in line)
    assert set(pairs["scope"]) == {"release"} and (pairs["phash_distance"] <= 12).all()
    assert f"{second}: {printed.count('group ')} groups" in printed


def test_against_the_previous_version_and_the_card(versions, monkeypatch, capsys, tmp_path):
    home, data, _, second = versions
    monkeypatch.setenv("INKSET_HOME", str(home))
    assert cli.main(["dupes", "nd@2", "--against", "nd@1", "--radius", "0",
                     "--out", str(tmp_path / "p.parquet")]) == 0
    pairs = pd.read_parquet(tmp_path / "p.parquet")
    against = pairs[pairs["scope"] == "against"]
    # at radius 0: the same images under the same keys, at least
    assert set(against["key_a"]) >= {n for n in data.images if "-" not in n}
    summary = json.loads((second / "near_duplicates.json").read_text())
    copies = {n for n in data.images if "-" in n and "negative" not in n}
    assert summary["previous_version"] == "1"
    assert summary["pairs_with_previous"] >= 0.8 * len(copies)  # re-uploads under new keys
    assert "pairs with the previous version (1) under another key" in \
        (second / "README.md").read_text()
    page = (second / "card.html").read_text()
    assert "<h2>Near-duplicates</h2>" in page and "near_duplicates.png" in page
    strips = Image.open(second / "near_duplicates.png")  # a row of thumbnails per large group
    assert strips.height == 96 * min(5, summary["groups"]) and summary["groups"] >= 3
    assert sum(len(g) for g in summary["largest_groups"]) <= summary["samples_in_groups"]


@pytest.mark.parametrize("argv, message", [
    (["dupes", "nd@9"], "nd"),
    (["dupes", "nd@2", "--radius", "64"], "--radius must be 0..63 bits, not 64")])
def test_bad_input_is_one_line(versions, monkeypatch, capsys, argv, message):
    home, *_ = versions
    monkeypatch.setenv("INKSET_HOME", str(home))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("inkset: error: ") and message in err and err.count("\n") == 1
