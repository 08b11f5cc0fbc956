"""Publish to and fetch from a real S3-compatible server on loopback: order, resume, tampering."""
from __future__ import annotations

import json

import subprocess
import sys

import pytest
import s3fs

from core.errors import InksetError
from preprocess.release.conventions import file_digest, read_checksums
from preprocess.release.verify import verify_release
from share import remote


def _fs(endpoint):
    return s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True)


def test_publish_then_fetch_round_trips_every_byte(shapes_release, bucket, s3_server, tmp_path):
    sent: list[str] = []
    done = remote.publish_to(shapes_release, f"{bucket}/shapes/1", on_copied=sent.append)
    names = sorted(read_checksums(shapes_release))
    assert sent == names + ["SHA256SUMS", "dataset.json"]  # card last, sums just before
    assert any(n.endswith(".tar") for n in names) and done.bytes > 0
    got = remote.fetch(f"{bucket}/shapes/1", tmp_path / "copy")
    assert sorted(got.copied) == names
    for name in names + ["SHA256SUMS", "dataset.json"]:
        assert file_digest(tmp_path / "copy" / name) == file_digest(shapes_release / name)
    assert verify_release(tmp_path / "copy") == verify_release(shapes_release)
    again = remote.publish_to(shapes_release, f"{bucket}/shapes/1")
    assert again.copied == [] and len(again.skipped) == len(names) + 2


def test_an_interrupted_upload_resumes_without_resending(shapes_release, bucket):
    url = f"{bucket}/shapes/1"
    first: list[str] = []

    def killed_after_five(name):
        first.append(name)
        if len(first) == 5:  # the "kill": nothing after the 5th object is sent
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        remote.publish_to(shapes_release, url, on_copied=killed_after_five)
    fs = _fs(None)
    assert not fs.exists(f"{url}/dataset.json")  # a reader sees no release yet
    done = remote.publish_to(shapes_release, url)
    assert sorted(done.skipped) == sorted(first)
    assert set(done.copied) == set(remote.upload_order(shapes_release)) - set(first)
    assert fs.exists(f"{url}/dataset.json")


def test_a_half_written_object_is_sent_again(shapes_release, tmp_path):
    url = f"file://{tmp_path}/store"
    remote.publish_to(shapes_release, url)
    store = tmp_path / "store"
    tar = sorted(store.glob("*.tar"))[0]
    tar.write_bytes(tar.read_bytes()[:1000])  # as a killed copy to a plain disk leaves it
    (store / "dataset.json").unlink()
    done = remote.publish_to(shapes_release, url)
    assert done.copied == [tar.name, "dataset.json"]
    assert file_digest(tar) == file_digest(shapes_release / tar.name)


def test_a_tampered_object_fails_the_fetch_naming_it(shapes_release, bucket, tmp_path):
    url = f"{bucket}/shapes/1"
    remote.publish_to(shapes_release, url)
    tar = sorted(n for n in read_checksums(shapes_release) if n.endswith(".tar"))[1]
    fs = _fs(None)
    data = bytearray(fs.cat_file(f"{url}/{tar}"))
    data[2000] ^= 0xFF
    fs.pipe_file(f"{url}/{tar}", bytes(data))
    with pytest.raises(InksetError, match=f"{tar}: sha256 mismatch"):
        remote.fetch(url, tmp_path / "copy")
    assert not (tmp_path / "copy" / tar).exists() and not (tmp_path / "copy" / "dataset.json").exists()
    result = subprocess.run([sys.executable, "-m", "flows.cli", "fetch", url,
                             str(tmp_path / "cli")], capture_output=True, text=True)
    assert result.returncode == 1 and f"{tar}: sha256 mismatch" in result.stderr
    assert "Traceback" not in result.stderr and "inkset-test-secret" not in result.stderr


def test_a_store_holding_another_release_is_refused(shapes_release, tmp_path):
    url = f"file://{tmp_path}/store"
    remote.publish_to(shapes_release, url)
    from preprocess.release.conventions import sealed
    # a whole card of another release (a partial card is replaced: test_trust.py)
    (tmp_path / "store" / "dataset.json").write_text(json.dumps(sealed({"name": "other"})))
    with pytest.raises(InksetError, match="already holds another release"):
        remote.publish_to(shapes_release, url)
