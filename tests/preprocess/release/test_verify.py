"""`inkset verify` recomputes checksums and counts and fails loudly on any mismatch."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from preprocess.release.verify import VerificationError, verify_release


@pytest.fixture
def copy(release, tmp_path):
    target = tmp_path / "release"
    shutil.copytree(release.path, target)
    return target


def test_a_good_release_verifies_with_its_counts(release):
    card = json.loads((release.path / "dataset.json").read_text())
    counts = verify_release(release.path)
    assert counts == {s: c["success"] for s, c in card["counts"].items() if c.get("success")}


def test_a_flipped_byte_in_a_shard_is_reported(copy):
    shard = sorted(copy.glob("train-*.tar"))[2]
    data = bytearray(shard.read_bytes())
    data[700] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(VerificationError, match=f"{shard.name}: sha256 mismatch"):
        verify_release(copy)


def test_a_truncated_shard_and_a_wrong_size_are_reported(copy):
    shard = sorted(copy.glob("test-*.tar"))[0]
    shard.write_bytes(shard.read_bytes()[:1500])
    sizes = json.loads((copy / "sizes.json").read_text())
    name = sorted(sizes)[0]
    sizes[name] += 1
    (copy / "sizes.json").write_text(json.dumps(sizes))
    with pytest.raises(VerificationError) as error:
        verify_release(copy)
    message = str(error.value)
    assert f"{shard.name}: sha256 mismatch" in message
    assert "sizes.json: sha256 mismatch" in message
    assert f"sizes.json: {name} = {sizes[name]}" in message


def test_the_cli_exits_non_zero_with_the_reason(copy):
    (copy / "labels.json").unlink()
    done = subprocess.run([sys.executable, "-m", "flows.cli", "verify", str(copy)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "labels.json: listed in SHA256SUMS but missing" in done.stderr


def test_an_incomplete_release_does_not_verify(copy):
    (copy / "dataset.json").unlink()
    with pytest.raises(VerificationError, match="not complete"):
        verify_release(copy)
