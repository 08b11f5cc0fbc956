"""A release opens unchanged in every reader docs/contracts.md §5 names, with the manifest's
counts."""
from __future__ import annotations

import json
import tarfile

import pandas as pd
import pytest


def kept_by_split(release_path):
    manifest = pd.read_parquet(release_path / "manifest.parquet")
    kept = manifest[manifest["status"] == "success"]
    return {split: set(group["key"]) for split, group in kept.groupby("split")}


def test_manifest_lists_every_input_item_once(release, tools):
    manifest = pd.read_parquet(release.path / "manifest.parquet")
    assert len(manifest) == tools.total_items()
    assert manifest["key"].is_unique
    assert (manifest["status"] == "success").sum() == 4 * tools.PER_CLASS
    reasons = dict(zip(manifest["source_ids"].map(lambda s: json.loads(s).get("file")),
                       manifest["error_message"]))
    for file, reason in tools.BAD_FILES.items():
        assert reasons[file] == reason
    duplicate = manifest[manifest["status"] == "duplicate"]
    assert len(duplicate) == 1
    # one of the pair is kept (the first in the seeded write order), the other names it
    pair = {"shapes-cross-cross00000", "shapes-cross-zz_copy_of_cross00000"}
    first = duplicate["error_message"].iloc[0].removeprefix("duplicate of ")
    assert {duplicate["key"].iloc[0], first} == pair
    assert manifest.set_index("key").loc[first, "status"] == "success"


def test_tarfile_reads_every_sample_with_every_member(release):
    expected = kept_by_split(release.path)
    for split, keys in expected.items():
        found = {}
        for shard in sorted(release.path.glob(f"{split}-*.tar")):
            with tarfile.open(shard) as tar:
                for member in tar.getmembers():
                    key, _, ext = member.name.partition(".")
                    found.setdefault(key, set()).add(ext)
                    assert member.mtime == 0 and member.uid == 0 and member.uname == ""
        assert set(found) == keys
        assert all(exts == {"jpg", "json", "cls"} for exts in found.values())


def test_webdataset_reads_the_manifest_counts(release):
    import webdataset as wds

    for split, keys in kept_by_split(release.path).items():
        urls = [str(p) for p in sorted(release.path.glob(f"{split}-*.tar"))]
        samples = list(wds.WebDataset(urls, shardshuffle=False, empty_check=False))
        assert {s["__key__"] for s in samples} == keys
        labels = json.loads((release.path / "labels.json").read_text())["class"]["names"]
        for sample in samples:
            meta = json.loads(sample["json"])
            assert labels[int(sample["cls"])] == meta["labels"]["class"]


def test_wids_reads_the_manifest_counts(release):
    import wids

    for split, keys in kept_by_split(release.path).items():
        dataset = wids.ShardListDataset(str(release.path / f"{split}.shardindex.json"),
                                        cache_dir=str(release.path))
        assert len(dataset) == len(keys)
        assert {dataset[i]["__key__"] for i in range(len(dataset))} == keys


def test_hf_datasets_reads_the_manifest_counts(release, tmp_path):
    datasets = pytest.importorskip("datasets")
    files = {split: sorted(str(p) for p in release.path.glob(f"{split}-*.tar"))
             for split in kept_by_split(release.path)}
    loaded = datasets.load_dataset("webdataset", data_files=files,
                                   cache_dir=str(tmp_path / "hf-cache"))
    for split, keys in kept_by_split(release.path).items():
        assert sorted(loaded[split]["__key__"]) == sorted(keys)


def test_timm_and_open_clip_index_files_match_the_shards(release):
    info = json.loads((release.path / "_info.json").read_text())
    sizes = json.loads((release.path / "sizes.json").read_text())
    for split, keys in kept_by_split(release.path).items():
        entry = info["splits"][split]
        assert entry["num_samples"] == len(keys) == sum(entry["shard_lengths"])
        assert sum(sizes[name] for name in entry["filenames"]) == len(keys)
    assert set(sizes) == {p.name for p in release.path.glob("*.tar")}


def test_a_split_with_enough_data_gets_eight_shards(release):
    card = json.loads((release.path / "dataset.json").read_text())
    assert len(card["shards"]["train"]) >= 8
