"""TarStream writes exactly the bytes tarfile writes for the same members and fixed headers."""
from __future__ import annotations

import io
import tarfile

import pytest

from preprocess.release.tarstream import TarStream

MEMBERS = [("a.jpg", b"\xff\xd8" + b"x" * 1000), ("a.json", b"{}"), ("a.txt", b""),
           ("b" * 90 + ".labels.json", b"[1,0]"),  # over 100 bytes: a PAX header
           ("c.jpg", b"y" * 512), ("c.cls", b"3")]


def with_tarfile(members) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uname, info.gname = len(data), 0, 0o444, "", ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def with_tarstream(members) -> bytes:
    buffer = io.BytesIO()
    stream = TarStream(buffer)
    for name, data in members:
        stream.add(name, data)
    stream.close()
    return buffer.getvalue()


@pytest.mark.parametrize("count", [0, 1, 3, len(MEMBERS)])
def test_bytes_equal_tarfiles(count):
    assert with_tarstream(MEMBERS[:count]) == with_tarfile(MEMBERS[:count])


def test_tarfile_reads_it_back():
    with tarfile.open(fileobj=io.BytesIO(with_tarstream(MEMBERS))) as tar:
        assert [(m.name, tar.extractfile(m).read()) for m in tar] == MEMBERS
