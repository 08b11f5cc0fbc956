"""One crawl = one `python -m spiders.run` subprocess (Twisted's reactor cannot restart in-process).

Shared by spiders/gcd/crawl.py and spiders/pixiv/crawl.py: the command line, the loopback-only
guard of the fast profile, and the run itself with its stats and log kept under runs/crawls/.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Mapping, TextIO
from urllib.parse import urlparse

from scrapy.settings import default_settings as scrapy_defaults

from core.paths import WorkDirs, project_root

FAST_PROFILE = "fast-loopback"

# Scrapy 2.19 replaced RANDOMIZE_DOWNLOAD_DELAY (deprecated: a warning in every crawl's log) by
# DOWNLOAD_DELAY_JITTER; the pins allow both, so the name is read from the installed Scrapy.
JITTER_SETTING = ("DOWNLOAD_DELAY_JITTER" if hasattr(scrapy_defaults, "DOWNLOAD_DELAY_JITTER")
                  else "RANDOMIZE_DOWNLOAD_DELAY")
NO_DELAY_JITTER = {JITTER_SETTING: "0" if JITTER_SETTING == "DOWNLOAD_DELAY_JITTER" else "False"}


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
               timeout: float | None = None, console: TextIO | None = None) -> dict:
    """Run the crawl; its log goes beside the stats, and its progress lines (Scrapy's periodic
    "Crawled N pages ..., scraped N items" and the closing reason) to `console` (stderr) as they
    come. Returns the stats (no credentials in them)."""
    spider = command[command.index("spiders.run") + 1]
    console = sys.stderr if console is None else console
    log_path = stats_path.with_suffix(".log")
    print(f"{spider} crawl: log {log_path}, stats {stats_path}", file=console, flush=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=project_root(), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "INKSET_HOME": str(dirs.home)})
        tail: list[str] = []
        copier = threading.Thread(target=_copy_output, args=(process.stdout, log, console, spider,
                                                              tail), daemon=True)
        copier.start()
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            copier.join()
    if not stats_path.exists():
        raise RuntimeError(f"{spider} crawl died (exit {returncode}): {''.join(tail)[-2000:]}")
    stats = json.loads(stats_path.read_text())
    stats["inkset/stats_file"] = str(stats_path)  # failure messages name it
    return stats


# the log lines a person watching a crawl wants: Scrapy's LogStats every LOGSTATS_INTERVAL and
# the closing line with its reason
PROGRESS_MARKERS = ("[scrapy.extensions.logstats]", "Spider closed (")


def _copy_output(stream, log: TextIO, console: TextIO, spider: str, tail: list[str]) -> None:
    """Every line to the log file; progress lines to the console too; the last lines kept for an
    error message."""
    for line in stream:
        log.write(line)
        tail.append(line)
        del tail[:-40]
        if any(marker in line for marker in PROGRESS_MARKERS):
            message = line.split("] ", 1)[-1].split(": ", 1)[-1].strip()
            print(f"{spider} crawl: {message}", file=console, flush=True)
