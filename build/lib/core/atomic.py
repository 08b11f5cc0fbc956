"""Atomic file writes: write to a hidden temporary name, fsync, rename into place."""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, BinaryIO, Iterator


def temp_name(path: Path) -> Path:
    """The in-progress name of `path`: hidden and suffixed, so it never looks like a finished file."""
    return path.with_name(f".{path.name}.tmp")


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[BinaryIO]:
    """Open `path` for binary writing; it appears under its name only if the block succeeds."""
    path = Path(path)
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path) as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, value: Any) -> None:
    write_text(path, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_parquet(path: Path, frame) -> None:
    """Write a pandas DataFrame as parquet, atomically."""
    with atomic_open(path) as handle:
        frame.to_parquet(handle, index=False)
