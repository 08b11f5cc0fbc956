"""The shard loaders: exact epochs, seeded order, resumable epochs, key selection, clear errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

from core.errors import UsageError
from training.data import ExactSplit, decode_sample, train_stream
from training.release_view import open_release, resolve_release


def _keys_only(sample: dict, epoch: int) -> dict:
    return {"key": sample["key"], "cls": torch.tensor(sample["cls"]),
            "epoch": torch.tensor(epoch)}


def _epoch_keys(stream) -> list[str]:
    return [key for batch in stream for key in batch["key"]]


def test_release_reader(small_pages):
    release = open_release(small_pages)
    manifest = pd.read_parquet(small_pages / "manifest.parquet")
    kept = manifest[manifest["status"] == "success"]
    assert release.counts == kept["split"].value_counts().to_dict()
    assert release.cls_label_set == "artist" and len(release.label_sets["artist"]) == 8
    assert len(release.checksums_sha256) == 64
    assert resolve_release(str(small_pages)).path == release.path


def test_one_epoch_yields_every_training_sample_once(small_pages):
    release = open_release(small_pages)
    stream = train_stream(release, ["train"], _keys_only, batch_size=7, seed=3, epoch=0,
                          workers=1, shuffle_buffer=50)
    keys = _epoch_keys(stream)
    expected = release.manifest().query("split == 'train'")["key"].tolist()
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))
    assert keys != sorted(keys)  # shuffled


def test_epochs_are_seeded_and_a_resumed_stream_repeats_them(small_pages):
    release = open_release(small_pages)

    def stream(epoch):
        return train_stream(release, ["train"], _keys_only, batch_size=8, seed=5, epoch=epoch,
                            workers=1, shuffle_buffer=50)

    from_start = stream(0)
    epoch0, epoch1 = _epoch_keys(from_start), _epoch_keys(from_start)
    assert epoch0 != epoch1                      # a new order each epoch
    assert _epoch_keys(stream(0)) == epoch0     # the same seed, the same order
    resumed = stream(1)                          # a run resumed at epoch 1
    batch = next(iter(resumed))
    assert int(batch["epoch"][0]) == 1
    assert _epoch_keys(stream(1)) == epoch1


def test_key_selection_and_labels(small_pages):
    release = open_release(small_pages)
    chosen = set(release.manifest()["key"].tolist()[::3])
    stream = train_stream(release, ["train", "test"], _keys_only, batch_size=5, seed=0,
                          epoch=0, workers=1, keys=chosen)
    batches = list(stream)
    assert sorted(k for b in batches for k in b["key"]) == sorted(chosen)
    names = release.label_sets["artist"]
    manifest = release.manifest().set_index("key")
    for batch in batches:
        for key, cls in zip(batch["key"], batch["cls"].tolist()):
            assert names[cls] == json.loads(manifest.loc[key, "labels"])["artist"]


def test_too_few_shards_for_the_workers_is_a_clear_error(small_pages):
    release = open_release(small_pages)
    shards = len(release.shards["test"])
    with pytest.raises(UsageError, match=f"{shards} shards .* need at least"):
        train_stream(release, ["test"], _keys_only, batch_size=4, seed=0, epoch=0,
                     workers=shards, world_size=2)


def test_resampled_epoch_has_the_asked_number_of_batches(small_pages):
    release = open_release(small_pages)
    stream = train_stream(release, ["train"], _keys_only, batch_size=4, seed=0, epoch=0,
                          workers=1, resampled=True, batches_per_epoch=6)
    batches = list(stream)
    assert len(batches) == 6 and all(len(b["key"]) == 4 for b in batches)


def test_exact_split_reads_every_sample_in_manifest_order(small_pages):
    release = open_release(small_pages)
    dataset = ExactSplit(release, ["test"], lambda sample, epoch: sample)
    expected = release.manifest().query("split == 'test'")["key"].tolist()
    assert dataset.keys() == expected and len(dataset) == release.counts["test"]
    sample = dataset[len(dataset) - 1]
    assert sample["key"] == expected[-1]
    assert sample["image"].size == (48, 64) and sample["meta"]["split"] == "test"


def test_decode_takes_both_member_spellings():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (4, 3)).save(buffer, "PNG")
    raw = {"__key__": "k", ".png": buffer.getvalue(), ".json": b'{"a": 1}', ".cls": b"2",
           ".txt": "hello".encode()}
    sample = decode_sample(raw)
    assert sample["cls"] == 2 and sample["text"] == "hello" and sample["image"].size == (4, 3)
