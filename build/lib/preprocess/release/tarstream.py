"""A minimal tar writer for shard members: the bytes tarfile writes, at a fraction of its cost.

tarfile builds each header through TarInfo.tobuf (PAX checks, copies, dict building); for shard
members every header field but name and size is fixed, so the header is a template. Names over
100 bytes fall back to tarfile's own PAX header, so the output always equals what
`tarfile.open(mode="w", format=PAX_FORMAT)` writes for the same members (tested).
"""
from __future__ import annotations

import tarfile
from typing import BinaryIO

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
MODE = 0o444


def _octal(value: int, digits: int) -> bytes:
    return b"%0*o\0" % (digits - 1, value)


def member_header(name: str, size: int) -> bytes:
    """The 512-byte header tarfile writes for a regular file with inkset's fixed fields."""
    encoded = name.encode("ascii")
    if len(encoded) > 100 or size >= 8 ** 11:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode, info.uname, info.gname = size, 0, MODE, "", ""
        return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    header = b"".join([
        encoded.ljust(100, b"\0"), _octal(MODE, 8), _octal(0, 8), _octal(0, 8),
        _octal(size, 12), _octal(0, 12), b" " * 8, tarfile.REGTYPE, b"\0" * 100,
        tarfile.POSIX_MAGIC, b"\0" * 32, b"\0" * 32, b"\0" * 16, b"\0" * 155,  # no devices
    ]).ljust(BLOCK, b"\0")
    checksum = sum(header)  # the checksum field counts as eight spaces while summing
    return header[:148] + b"%06o\0 " % checksum + header[156:]


class TarStream:
    """Append members to an open binary file; close() writes the end-of-archive blocks."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.offset = 0

    def add(self, name: str, data: bytes) -> None:
        padding = -len(data) % BLOCK
        chunk = member_header(name, len(data))
        self.handle.write(chunk)
        self.handle.write(data)
        if padding:
            self.handle.write(b"\0" * padding)
        self.offset += len(chunk) + len(data) + padding

    def close(self) -> None:
        end = 2 * BLOCK
        self.offset += end
        self.handle.write(b"\0" * (end + (-self.offset % RECORD)))
