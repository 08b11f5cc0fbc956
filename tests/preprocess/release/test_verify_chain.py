"""The checksum chain (docs/sharing.md, "Trust"): dataset.json seals itself and names SHA256SUMS,
which lists every other file; an edit anywhere, an extra file or a broken file is one reason."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from preprocess.release import conventions
from preprocess.release.verify import VerificationError, verify_release


@pytest.fixture
def copy(release, tmp_path):
    target = tmp_path / "release"
    shutil.copytree(release.path, target)
    return target


def test_the_card_seals_itself_and_every_file_is_listed(release):
    card = json.loads((release.path / "dataset.json").read_text())
    assert card["card_sha256"] == conventions.card_digest(card)
    listed = set(conventions.read_checksums(release.path))
    assert listed == {p.name for p in release.path.iterdir()} - {"SHA256SUMS", "dataset.json"}


def test_an_edited_licence_fails(copy):
    card = json.loads((copy / "dataset.json").read_text())
    card["license"] = "CC0-1.0"
    (copy / "dataset.json").write_text(json.dumps(card))
    with pytest.raises(VerificationError, match="dataset.json was edited"):
        verify_release(copy)


@pytest.mark.parametrize("name", ["train-000099.tar", "notes.txt"])
def test_a_file_no_checksum_covers_fails(copy, name):
    shutil.copyfile(sorted(copy.glob("train-*.tar"))[0], copy / name)
    with pytest.raises(VerificationError, match=f"files no checksum covers.*{name}"):
        verify_release(copy)


@pytest.mark.parametrize("name, damage, reason", [
    ("SHA256SUMS", "delete", "SHA256SUMS is missing"),
    ("_info.json", "delete", "_info.json: listed in SHA256SUMS but missing"),
    ("manifest.parquet", "truncate", "manifest.parquet: unreadable"),
    ("dataset.json", "truncate", "dataset.json: unreadable"),
    ("SHA256SUMS", "garble", "SHA256SUMS: unreadable"),
])
def test_a_missing_or_broken_file_is_one_line_not_a_traceback(copy, name, damage, reason):
    path = copy / name
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    else:
        path.write_text("not a checksum line\n")
    with pytest.raises(VerificationError, match=reason):
        verify_release(copy)


def test_the_cli_says_it_in_one_line(copy):
    (copy / "manifest.parquet").write_bytes((copy / "manifest.parquet").read_bytes()[:100])
    done = subprocess.run([sys.executable, "-m", "flows.cli", "verify", str(copy)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("inkset: error:") and "manifest.parquet: unreadable" in \
        done.stderr
