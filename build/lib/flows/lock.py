"""The refresh lock: one writer of releases per work dir (data/refresh.lock, flock)."""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import Iterator

from core.errors import InksetError


@contextlib.contextmanager
def refresh_lock(path: Path, wait: float = 0.0, poll: float = 0.5) -> Iterator[None]:
    """Hold an exclusive flock on `path`; wait up to `wait` seconds, then refuse clearly.

    The kernel drops the lock when its holder dies (even by kill -9): no stale lock to clean up.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise InksetError(
                        f"another refresh is running ({holder}; lock {path}): wait for it, "
                        f"or pass --wait SECONDS") from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        handle.write(f"pid {os.getpid()}, since {since}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock
