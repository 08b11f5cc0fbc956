"""Near-duplicate search on labelled data (replicas/near_duplicates.py), split unification, and
the writer's near_duplicates = "drop"."""
from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from preprocess import near_duplicates as nd
from preprocess.perceptual import hamming, hashes_of_bytes
from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from preprocess.splits import unify_splits
from replicas.near_duplicates import EDITS, generate

# the figures at the default radius (docs/near_duplicates.md); the benchmark prints them at 20k
MIN_PRECISION, MIN_RECALL = 0.95, 0.9


@pytest.fixture(scope="module")
def labelled():
    data = generate(sources=300, seed=3)
    names = sorted(data.images)
    hashes = [hashes_of_bytes(data.images[n]) for n in names]
    return data, names, hashes


def grouped_pairs(names, pairs) -> set[tuple[str, str]]:
    return {(names[a], names[b]) for group in nd.groups(len(names), pairs)
            for a, b in itertools.combinations(group, 2)}


def test_groups_find_the_edited_copies_and_not_the_hard_negatives(labelled):
    data, names, hashes = labelled
    pairs = nd.find_pairs([h.phash for h in hashes], [h.dhash for h in hashes])
    found, truth = grouped_pairs(names, pairs), data.true_pairs()
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    print(f"near-duplicate groups at radius {nd.DEFAULT_RADIUS}: precision {precision:.3f} "
          f"recall {recall:.3f} over {len(truth)} true pairs")
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL
    negatives = [n for n in names if n.endswith("-negative")]
    assert negatives and not any((n.removesuffix("-negative"), n) in found for n in negatives)
    assert {n.split("-")[1] for n in names if "-" in n} == set(EDITS) | {"negative"}


def test_pairs_equal_a_brute_force_count(labelled):
    _, names, hashes = labelled
    subset = hashes[:400]
    pairs = nd.find_pairs([h.phash for h in subset], [h.dhash for h in subset], radius=12)
    brute = {(i, j) for i, j in itertools.combinations(range(len(subset)), 2)
             if hamming(subset[i].phash, subset[j].phash) <= 12
             and hamming(subset[i].phash, subset[j].phash)
             + hamming(subset[i].dhash, subset[j].dhash) <= 24}
    assert set(zip(pairs.i.tolist(), pairs.j.tolist())) == brute and brute
    assert all(hamming(subset[i].phash, subset[j].phash) == d
               for i, j, d in zip(pairs.i, pairs.j, pairs.phash_distance))


def test_pairs_against_another_set_and_bad_radius(labelled):
    _, _, hashes = labelled
    p, d = [h.phash for h in hashes], [h.dhash for h in hashes]
    pairs = nd.find_pairs(p[:50], d[:50], 0, p[:50], d[:50])
    assert {(i, j) for i, j in zip(pairs.i, pairs.j) if i == j} == {(i, i) for i in range(50)}
    with pytest.raises(ValueError, match="radius"):
        nd.find_pairs(p, d, 64)


def test_unify_splits_keeps_linked_groups_together():
    splits = {1: "train", 2: "test", 3: "val", 4: "test", 5: "val"}
    unified = unify_splits(splits, [(4, 2), (2, 3), (5, 5)])
    assert unified == {1: "train", 2: "test", 3: "test", 4: "test", 5: "val"}


def test_the_writer_drops_near_duplicates_when_asked(tmp_path):
    data = generate(sources=12, duplicated=0.5, negatives=0.0, seed=5)
    names = sorted(data.images)

    def render(name):
        return [Sample(key=name.replace("-", "_"), split="train", image=data.images[name])]

    # id order (order_seed=None): each source is written before its copies, so the copies drop
    spec = ReleaseSpec(dataset="nd", version="1", splits=("train",), min_shards_per_split=1,
                       near_duplicates="drop", order_seed=None)
    units = [Unit(id=n, keys=[(n.replace("-", "_"), "train")], payload=n) for n in names]
    path = build_release(spec, units, render, releases_root=tmp_path, progress=False).path
    manifest = pd.read_parquet(path / "manifest.parquet").set_index("key")
    dropped = manifest[manifest["status"] == "duplicate"]
    assert dropped["error_message"].str.startswith("near_duplicate_of:src").all()
    copies = [n for n in names if "-" in n]
    caught = [n for n in copies if n.replace("-", "_") in dropped.index]
    assert len(caught) >= 0.8 * len(copies) and len(dropped) == len(caught)
    for name in caught:  # each names the source it copies, which is kept
        assert dropped.loc[name.replace("-", "_"), "error_message"] == \
            f"near_duplicate_of:{name.split('-')[0]}"
    summary = json.loads((path / "near_duplicates.json").read_text())
    assert summary["hashed_samples"] == (manifest["status"] == "success").sum()


def test_source_hashes_are_cached_by_path_size_and_mtime(tmp_path, monkeypatch):
    from preprocess import splits
    data = generate(sources=20, seed=5)
    folder = tmp_path / "images"
    data.write(folder)
    paths = sorted(folder.glob("*.jpg"))
    groups = [data.truth[p.stem] for p in paths]  # each source is its own group: few links
    per_file = [f"{p.stem}" for p in paths]
    links = splits.near_duplicate_links(paths, per_file, cache_dir=tmp_path / "cache")
    assert links and (tmp_path / "cache" / splits.SOURCE_HASHES_FILE).is_file()
    assert all(groups[per_file.index(a)] == groups[per_file.index(b)] for a, b in links)

    def no_decode(path):
        raise AssertionError(f"{path} decoded again")
    monkeypatch.setattr(splits, "source_hashes", no_decode)  # a refresh decodes nothing
    assert splits.near_duplicate_links(paths, per_file, cache_dir=tmp_path / "cache") == links
    paths[0].write_bytes(b"not an image any more")  # a changed file is hashed again
    with pytest.raises(AssertionError, match="decoded again"):
        splits.near_duplicate_links(paths, per_file, cache_dir=tmp_path / "cache")
