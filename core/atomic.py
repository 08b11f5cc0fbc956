"""Atomic file writes: write to a hidden temporary name, fsync, rename into place."""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, BinaryIO, Iterator


def temp_name(path: Path) -> Path:
    """The in-progress name of `path`: hidden and suffixed, so it never looks like a finished
    file, and this process's own (its pid), so two writers never write one temporary."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporaries (temp_name) of processes that are gone: a killed writer leaves its
    own behind, and a resumed one writes under its own pid. Another live writer's are kept."""
    removed = []
    for path in Path(folder).glob(".*.tmp-*"):
        pid = path.name.rsplit(".tmp-", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


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
