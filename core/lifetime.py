"""Child processes die with the inkset process that started them, even when it is killed -9.

Without this a killed `inkset ...` leaves its Prefect server (holding the work dir's database)
and its render workers running for minutes, and a rerun collides with them. Two mechanisms:
- `die_with_parent_signal`, a Popen preexec_fn: Linux's PR_SET_PDEATHSIG asks the kernel to
  signal the child when the thread that started it ends; for children started from a
  long-lived thread (the main thread) and not on Linux it does nothing.
- `watch_parent`, a pool initializer: a daemon thread in the worker that exits it as soon as its
  parent process is gone (pool workers are started from short-lived threads too, where
  PDEATHSIG would fire early).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == \
    "linux" else None


def die_with_parent_signal(sig: int = signal.SIGTERM) -> None:
    """In a freshly forked child: be sent `sig` when the parent dies (Linux only)."""
    if _LIBC is None:
        return
    _LIBC.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() == 1:  # the parent died between fork and prctl
        os.kill(os.getpid(), sig)


def sigterm_with_parent() -> None:
    """preexec_fn for Popen: SIGTERM (a clean shutdown) when the parent dies."""
    die_with_parent_signal(signal.SIGTERM)


def watch_parent(interval: float = 1.0) -> None:
    """ProcessPoolExecutor initializer: exit this worker within `interval` s of its parent."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="inkset-parent-watch", daemon=True).start()
