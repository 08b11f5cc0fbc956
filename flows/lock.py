"""Write locks: one command at a time writes a work dir (data/work.lock), or an output folder
given on the command line (`.<folder>.lock` beside it); flock, so a killed holder frees it.

A second command waits up to `--wait SECONDS` (default: not at all), then stops with one line
naming the holder: its pid, its command and since when it holds the lock."""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Iterator

from core.errors import InksetError
from core.paths import work_dirs

WORK_LOCK = Path("data") / "work.lock"  # under the work dir
# Commands that write the work dir (releases/, data/raw/, reports/, published/, data_manifests/
# locks): one at a time per work dir. `serve` takes none itself: each refresh it starts does.
WORK_DIR_WRITERS = frozenset({"publish", "build-folder", "demo", "manga109", "crawl-gcd", "gcd",
                              "crawl-pixiv", "pixiv", "replicas", "refresh", "takedown"})
# Commands that write only the folder named by an argument: locked per folder, so two
# downloads into two folders run side by side.
FOLDER_WRITERS = {"download": "out", "fetch": "out", "metadata-only": "out", "rebuild": "out"}

# Locks this process holds, with their depth: a flow that takes the lock inside a command that
# already holds it (refresh_flow under `inkset refresh`) must not wait for itself.
_held: dict[Path, int] = {}
_held_guard = threading.Lock()


def lock_path_for(args: argparse.Namespace) -> Path | None:
    """The lock a command line needs, or None for a command that writes nothing shared."""
    stage = getattr(args, "stage", None)
    folder = getattr(args, FOLDER_WRITERS[stage], None) if stage in FOLDER_WRITERS else None
    if folder and "://" not in str(folder):
        folder = Path(folder).resolve()
        return folder.parent / f".{folder.name}.lock"
    if stage in WORK_DIR_WRITERS or stage in FOLDER_WRITERS:  # rebuild without --out: releases/
        return work_dirs().home / WORK_LOCK
    return None


@contextlib.contextmanager
def write_lock(path: Path, command: str | None = None, wait: float = 0.0, poll: float = 0.2
               ) -> Iterator[None]:
    """Hold an exclusive flock on `path`; wait up to `wait` seconds, then refuse clearly.

    Re-entrant within one process. The kernel drops the lock when its holder dies (even by
    kill -9): there is no stale lock to clean up."""
    path = Path(path).resolve()
    with _held_guard:
        if _held.get(path):
            _held[path] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[path] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as error:
        raise InksetError(f"cannot take the write lock {path}: {error.strerror or error}; "
                          f"choose a writable work dir with --home or INKSET_HOME") from None
    try:
        _acquire(handle, path, wait, poll)
        handle.seek(0)
        handle.truncate()
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        handle.write(f"pid {os.getpid()}, command '{command or 'inkset'}', since {since}")
        handle.flush()
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(path, None)
    finally:
        handle.close()  # closing releases the flock


def _acquire(handle, path: Path, wait: float, poll: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "holder unknown"
                raise InksetError(f"{_locked_target(path)} is being written by another inkset "
                                  f"command ({holder}; lock {path}): wait for it, or pass "
                                  f"--wait SECONDS") from None
            time.sleep(poll)


def _locked_target(path: Path) -> str:
    if path.name == WORK_LOCK.name:
        return f"work dir {path.parent.parent}"
    return f"output folder {path.parent / path.name[1:-len('.lock')]}"


def work_lock(wait: float = 0.0, command: str | None = None):
    """The work dir's write lock (what every writing command and each refresh takes)."""
    return write_lock(work_dirs().home / WORK_LOCK, command, wait)


refresh_lock = write_lock  # the name it had when only `inkset refresh` took a lock
