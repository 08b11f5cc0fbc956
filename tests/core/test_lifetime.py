"""A process killed -9 takes its children along: pool workers, Popen children, Prefect's
ephemeral server (core/lifetime.py, flows/environment.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

def pid_of_worker(_):
    return os.getpid()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: only its parent (init, here) has not reaped it yet
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], limit: float = 60) -> list[int]:
    """The pids still alive after up to `limit` s (a bound for a loaded machine, not a timing)."""
    deadline = time.monotonic() + limit
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def run_and_kill(script: str) -> list[int]:
    """Run `script` (it prints child pids on its first line, then waits); kill -9 it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=env, cwd=ROOT)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
    finally:
        parent.kill()  # SIGKILL: no atexit, no finally, no shutdown
        parent.wait()
    assert pids, "the parent printed no child pids"
    return pids


POOL_AND_POPEN = """
import os, subprocess, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from core.lifetime import sigterm_with_parent, watch_parent
from tests.core.test_lifetime import pid_of_worker

if __name__ == "__main__":
    pool = ProcessPoolExecutor(2, mp_context=get_context("spawn"), initializer=watch_parent)
    workers = set(pool.map(pid_of_worker, range(16)))
    child = subprocess.Popen(["sleep", "600"], preexec_fn=sigterm_with_parent)
    print(*workers, child.pid, flush=True)
    child.wait()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_pool_workers_and_popen_children_die_with_a_killed_parent():
    pids = run_and_kill(POOL_AND_POPEN)
    assert len(pids) >= 2
    assert wait_gone(pids) == []


EPHEMERAL = """
import os
os.environ.pop("PREFECT_API_URL", None)
from flows import environment
environment.configure()
from prefect.server.api.server import SubprocessASGIServer
server = SubprocessASGIServer()
server.start(timeout=240)
print(server.server_process.pid, flush=True)
server.server_process.wait()
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_ephemeral_prefect_server_dies_with_a_killed_run(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    pids = run_and_kill(EPHEMERAL)
    assert wait_gone(pids) == []
