"""A published release is read straight from the store by webdataset (pipe:) and HF datasets."""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile

import pytest

from share import remote


@pytest.fixture
def published(shapes_release, bucket):
    url = f"{bucket}/shapes/1"
    remote.publish_to(shapes_release, url)
    card = json.loads((shapes_release / "dataset.json").read_text())
    return url, card["shards"]["train"], shapes_release


def shard_keys(release, names):
    keys = set()
    for name in names:
        with tarfile.open(release / name) as tar:
            keys |= {m.name.split(".")[0] for m in tar}
    return keys


@pytest.mark.slow
def test_webdataset_streams_shards_through_inkset_cat(published):
    import webdataset as wds

    url, shards, release = published
    python = sys.executable
    urls = [f"pipe:{python} -m share.remote {url}/{name}" for name in shards[:3]]
    urls.append(f"pipe:{python} -m flows.cli cat {url}/{shards[3]}")  # the same, as `inkset cat`
    samples = list(wds.WebDataset(urls, shardshuffle=False).decode("pil"))
    assert {s["__key__"] for s in samples} == shard_keys(release, shards[:4])
    assert all(s["jpg"].size == (48, 48) and isinstance(s["cls"], int) for s in samples)


def test_hf_datasets_reads_the_shards_from_s3(published, s3_server, tmp_path):
    from datasets import load_dataset

    url, shards, release = published
    keys = shard_keys(release, shards)
    table = load_dataset("webdataset", data_files={"train": [f"{url}/{n}" for n in shards]},
                         split="train", cache_dir=str(tmp_path / "hf"),
                         storage_options={"client_kwargs": {"endpoint_url": s3_server}})
    assert set(table["__key__"]) == keys
    assert table[0]["jpg"].size == (48, 48)


def test_publish_then_fetch_commands(shapes_release, bucket, tmp_path, monkeypatch):
    # the publish command's upload step (the lock part is tested in tests/preprocess/release)
    from flows.sharing import upload_locked

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    lock = {"name": "shapes", "version": "1", "metadata_only": False}
    assert upload_locked(shapes_release, lock, f"{bucket}/cli/1", None) == 0
    fetched = subprocess.run([sys.executable, "-m", "flows.cli", "fetch", f"{bucket}/cli/1",
                              str(tmp_path / "copy")], capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr
    assert "files checked and written" in fetched.stdout
    assert (tmp_path / "copy" / "dataset.json").read_bytes() == \
        (shapes_release / "dataset.json").read_bytes()
