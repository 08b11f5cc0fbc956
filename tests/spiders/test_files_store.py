"""The atomic files store: a file appears under its name whole, or not at all."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from spiders.files_store import AtomicFSFilesStore


def test_a_stored_file_is_whole_and_leaves_no_part(tmp_path):
    store = AtomicFSFilesStore(str(tmp_path))
    store.persist_file("covers/224/224154.jpg", BytesIO(b"\xff\xd8\xff" + b"x" * 1000), info=None)
    target = tmp_path / "covers/224/224154.jpg"
    assert target.read_bytes() == b"\xff\xd8\xff" + b"x" * 1000
    assert [p.name for p in target.parent.iterdir()] == ["224154.jpg"]


def test_a_write_cut_short_leaves_nothing_under_the_final_name(tmp_path, monkeypatch):
    def cut_short(self, data):  # the process dies after half the bytes
        with open(self, "wb") as handle:
            handle.write(data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", cut_short)
    store = AtomicFSFilesStore(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        store.persist_file("1/90001_p0.jpg", BytesIO(b"y" * 1000), info=None)
    assert not (tmp_path / "1/90001_p0.jpg").exists()
