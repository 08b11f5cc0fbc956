"""`inkset serve` on a real Prefect server: a scheduled refresh runs, completes and makes a new
version; Ctrl-C stops the serving process and the server, leaving no process (issue 13)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.versions import resolve_release


def processes_of(home: Path) -> list[int]:
    """Pids of our processes whose environment names this work dir."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if f"INKSET_HOME={home}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_text(process: subprocess.Popen, log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {text!r} from inkset serve within {timeout} s:\n"
                         + log.read_text(errors="replace")[-3000:])


@pytest.mark.slow
def test_serve_runs_a_scheduled_refresh_and_stops_cleanly(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import free_port

    port = free_port()
    env = {**os.environ, "INKSET_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1",
           "INKSET_TAKEDOWNS": str(tmp_path / "takedowns.toml")}
    env.pop("PREFECT_API_URL", None)
    log = tmp_path / "serve.out"
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--port", str(port), "--sources", "pixiv",
         "--interval", "5", "--replica-artists", "1", "--replica-works", "2"],
        env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_text(serve, log, "serving refresh deployments", 180)
        run = None
        with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 240
                while time.monotonic() < deadline:
                    # interval schedules queue many future runs: ask for finished ones only
                    final = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                        any_=[StateType.COMPLETED, StateType.FAILED, StateType.CRASHED])))
                    runs = client.read_flow_runs(flow_run_filter=final, limit=20,
                                                 sort=FlowRunSort.START_TIME_DESC)
                    done = [r for r in runs if r.deployment_id is not None]
                    if done:
                        run = done[0]
                        break
                    time.sleep(2)
                assert run is not None, "no scheduled run finished:\n" + log.read_text()[-3000:]
                deployment = client.read_deployment(run.deployment_id)
        assert deployment.name == "refresh-pixiv"
        assert run.state.is_completed(), run.state
        assert run.state.name == "Completed"
        release = resolve_release("pixiv-artists", releases_root=tmp_path / "releases")
        assert release.name.count(".") == 2  # a dated version: YYYY.MM.DD
        assert (tmp_path / "releases" / "pixiv-artists" / "latest").read_text().strip() == \
            release.name
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        # stop() gives each of the two processes 20 s for SIGINT, then 5 s after SIGKILL
        assert serve.wait(120) == 0
    deadline = time.monotonic() + 15
    while processes_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(tmp_path) == []
