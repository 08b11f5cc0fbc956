"""`inkset serve`: a real Prefect server on loopback (its own SQLite db under the work dir) and
the refresh deployments on the cron schedules of data_manifests/schedules.toml."""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from core.errors import InksetError, UsageError
from core.paths import project_root, work_dirs
from flows.options import add_source_option

SCHEDULES = project_root() / "data_manifests" / "schedules.toml"


def read_schedules(path: Path = SCHEDULES) -> dict[str, str]:
    """source -> cron ("" = on demand); unknown sources and bad crons are refused."""
    from prefect.client.schemas.schedules import CronSchedule

    from flows.refresh import SOURCES
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InksetError(f"{path}: {error}") from None
    schedules = {}
    for source, entry in raw.items():
        if source not in SOURCES:
            raise UsageError(f"{path}: unknown source [{source}] (known: {', '.join(SOURCES)})")
        cron = str(entry.get("cron", "")).strip()
        if cron:
            try:
                CronSchedule(cron=cron)
            except ValueError:
                raise UsageError(f"{path}: [{source}] cron {cron!r} is not a cron expression"
                                 ) from None
        schedules[source] = cron
    return schedules


def server_env(port: int) -> dict[str, str]:
    """The environment of the server, the serving process and the runs: one db, one API URL."""
    dirs = work_dirs()
    prefect_home = dirs.home / "data" / "prefect-server"
    prefect_home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(prefect_home),
            "PREFECT_API_DATABASE_CONNECTION_URL":
                f"sqlite+aiosqlite:///{prefect_home / 'prefect.db'}",
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "INKSET_HOME": str(dirs.home)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise InksetError(f"prefect server exited ({process.returncode}) before answering")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise InksetError(f"prefect server did not answer at {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, timeout: float = 20) -> None:
    """SIGINT to the process group (its own children too), then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def serve_deployments(sources: list[str], interval: float | None, parameters: dict) -> None:
    """Runs in the serving process: one deployment per source; blocks until interrupted."""
    from prefect import serve

    from flows.refresh import refresh_flow
    schedules = read_schedules()
    deployments = []
    for source in sources:
        timing = {"interval": interval} if interval else (
            {"cron": schedules[source]} if schedules.get(source) else {})
        # one run at a time per deployment (later ones queue); across deployments the refresh
        # lock makes a run wait for the work dir (`wait`), never two writers on one dataset
        deployments.append(refresh_flow.to_deployment(
            name=f"refresh-{source}", concurrency_limit=1,
            parameters={"datasets": [source], "wait": 3600.0, **parameters},
            description=f"incremental refresh of {source}", **timing))
    serve(*deployments, pause_on_shutdown=False, print_starting_message=True)


def run_server_and_serve(port: int, sources: list[str], interval: float | None,
                         parameters: dict, startup: float = 120) -> int:
    """Start the server, then the serving process; on Ctrl-C stop the serving process first."""
    env = server_env(port)
    url = env["PREFECT_API_URL"]
    log_dir = work_dirs().runs / "serve"
    log_dir.mkdir(parents=True, exist_ok=True)
    server = worker = None
    try:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)], env=env, start_new_session=True,
            stdout=open(log_dir / "server.log", "ab"), stderr=subprocess.STDOUT)
        wait_healthy(url, startup, server)
        print(f"Prefect server: http://127.0.0.1:{port} (UI), API {url}", flush=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "flows.serve", "--worker", "--sources", ",".join(sources),
             "--parameters", json.dumps(parameters)]
            + (["--interval", str(interval)] if interval else []),
            env=env, start_new_session=True, cwd=project_root())
        print(f"serving refresh deployments: {', '.join(sources)} (Ctrl-C stops)", flush=True)
        while worker.poll() is None and server.poll() is None:
            time.sleep(0.5)
        return 1  # one of them died on its own
    except KeyboardInterrupt:
        print("stopping: the serving process, then the server", flush=True)
        return 0
    finally:
        stop(worker)  # first: a serve process whose server has gone retries forever
        stop(server)


def _serve_command(args: argparse.Namespace) -> int:
    from flows.refresh import SOURCES
    sources = args.sources.split(",") if args.sources else list(SOURCES)
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise UsageError(f"unknown sources {sorted(unknown)} (known: {', '.join(SOURCES)})")
    read_schedules()  # refuse a bad schedule file before starting anything
    parameters = {"source": args.source}
    if args.replica_artists:
        parameters["replica"] = {"artists": args.replica_artists, "works": args.replica_works}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # a process started in the background by a script inherits SIGINT ignored, and Python then
    # raises no KeyboardInterrupt: Ctrl-C (SIGINT) must always stop the server
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return run_server_and_serve(args.port or free_port(), sources, args.interval, parameters)


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="a Prefect server on loopback + the scheduled "
                              "refresh deployments (data_manifests/schedules.toml)")
    p.add_argument("--port", type=int, default=4200, help="0: a free port")
    p.add_argument("--sources", help="comma-separated (default: gcd,pixiv,manga109)")
    add_source_option(p)
    p.add_argument("--interval", type=float, help="seconds between runs instead of the cron "
                   "schedules (for trying it out)")
    p.add_argument("--replica-artists", type=int, help=argparse.SUPPRESS)
    p.add_argument("--replica-works", type=int, default=4, help=argparse.SUPPRESS)
    p.set_defaults(func=_serve_command)


if __name__ == "__main__":  # the serving process started by run_server_and_serve
    worker = argparse.ArgumentParser()
    worker.add_argument("--worker", action="store_true", required=True)
    worker.add_argument("--sources", required=True)
    worker.add_argument("--interval", type=float)
    worker.add_argument("--parameters", default="{}")
    options = worker.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in _serve_command
    serve_deployments(options.sources.split(","), options.interval, json.loads(options.parameters))
