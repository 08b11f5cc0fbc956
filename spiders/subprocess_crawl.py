"""One crawl = one `python -m spiders.run` subprocess (Twisted's reactor cannot restart in-process).

Shared by spiders/gcd/crawl.py and spiders/pixiv/crawl.py: the command line, the loopback-only
guard of the fast profile, and the run itself with its stats and log kept under runs/crawls/.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from core.paths import WorkDirs, project_root

FAST_PROFILE = "fast-loopback"


def spider_command(spider: str, profile: str, base: str, stats_path: Path,
                   arguments: Mapping[str, object], settings: Mapping[str, object]) -> list[str]:
    """`python -m spiders.run <spider> -a name=value ... -s NAME=value ...`.

    The fast profile (no delays) is refused unless `base` is the loopback replica.
    """
    if profile == FAST_PROFILE and urlparse(base).hostname != "127.0.0.1":
        raise ValueError(f"the {FAST_PROFILE} profile is for the replica on 127.0.0.1 only; "
                         f"use profile 'polite' for {base}")
    command = [sys.executable, "-m", "spiders.run", spider, "--stats", str(stats_path)]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def stats_path_for(dirs: WorkDirs, spider: str) -> Path:
    """runs/crawls/<spider>-<time>.json: one file per crawl, never overwritten."""
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10 ** 9:09d}"
    path = dirs.runs / "crawls" / f"{spider}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def run_spider(command: list[str], stats_path: Path, dirs: WorkDirs,
               timeout: float | None = None) -> dict:
    """Run the crawl; its log goes beside the stats. Returns the stats (no credentials in them)."""
    done = subprocess.run(command, cwd=project_root(), capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "INKSET_HOME": str(dirs.home)})
    stats_path.with_suffix(".log").write_text(done.stdout + done.stderr)
    if not stats_path.exists():
        spider = command[command.index("spiders.run") + 1]
        raise RuntimeError(f"{spider} crawl died (exit {done.returncode}): {done.stderr[-2000:]}")
    stats = json.loads(stats_path.read_text())
    stats["inkset/stats_file"] = str(stats_path)  # failure messages name it
    return stats
