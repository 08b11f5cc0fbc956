"""Run one GCD crawl as a subprocess of `spiders.run`, with its options and politeness profile."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from preprocess.definitions import choose, read_definition
from preprocess.paths import project_root, work_dirs
from spiders.gcd import MODES
from spiders.gcd_api import SITE

log = logging.getLogger(__name__)
# Settings per profile. fast-loopback lifts every delay: for the replica on 127.0.0.1 only.
PROFILES = {
    "polite": {},
    "fast-loopback": {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                      "RANDOMIZE_DOWNLOAD_DELAY": "False", "GCD_API_DELAY": "0",
                      "CONCURRENT_REQUESTS": "8", "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
                      "RETRY_BACKOFF_BASE": "0.2"},
}


@dataclass(frozen=True)
class GcdCrawlOptions:
    publishers: tuple[int, ...] = ()
    series: tuple[int, ...] = ()
    issues: tuple[int, ...] = ()
    mode: str = "site"
    max_issues: int = 0
    profile: str = "polite"
    replica: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str = "gcd-crawl", **overrides) -> "GcdCrawlOptions":
        raw = {**read_definition(name), **{k: v for k, v in overrides.items() if v is not None}}
        options = cls(**{k: tuple(int(i) for i in v) if isinstance(v, (list, tuple)) else v
                         for k, v in raw.items()})
        choose("mode", options.mode, MODES)
        choose("profile", options.profile, tuple(PROFILES))
        if not (options.publishers or options.series or options.issues):
            raise ValueError("nothing to crawl: give publishers, series or issues")
        return options


def crawl_command(options: GcdCrawlOptions, base: str, stats_path: Path,
                  settings: dict[str, str]) -> list[str]:
    if options.profile == "fast-loopback" and urlparse(base).hostname != "127.0.0.1":
        raise ValueError("the fast-loopback profile is for the replica on 127.0.0.1 only; "
                         f"use profile 'polite' for {base}")
    arguments = {"publishers": options.publishers, "series": options.series,
                 "issues": options.issues}
    command = [sys.executable, "-m", "spiders.run", "gcd", "--stats", str(stats_path),
               "-a", f"base={base}", "-a", f"mode={options.mode}",
               "-a", f"max_issues={options.max_issues}"]
    for name, ids in arguments.items():
        if ids:
            command += ["-a", f"{name}={','.join(map(str, ids))}"]
    for name, value in {**PROFILES[options.profile], **settings}.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(options: GcdCrawlOptions, base: str = SITE, home: str | None = None,
              settings: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Crawl in a subprocess (Twisted's reactor cannot restart); returns its stats.

    The stats are also kept under runs/crawls/. JOBDIR is per crawl target, so a paused crawl
    (Ctrl-C) resumes where it stopped.
    """
    dirs = work_dirs(home)
    target = f"{options.mode}-p{'_'.join(map(str, options.publishers))}-s" \
             f"{'_'.join(map(str, options.series))}-i{len(options.issues)}"[:80]
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10 ** 9:09d}"
    stats_path = dirs.runs / "crawls" / f"gcd-{stamp}.json"
    stats_path.parent.mkdir(parents=True, exist_ok=True)
    base_settings = {"JOBDIR": str(dirs.cache / "jobs" / f"gcd-{target}"),
                     "HTTPCACHE_DIR": str(dirs.cache / "http"),
                     "GCD_FILES_STORE": str(dirs.raw / "gcd"),
                     "GCD_ROWS": str(dirs.raw / "gcd" / "issues.parquet")}
    command = crawl_command(options, base, stats_path, {**base_settings, **(settings or {})})
    done = subprocess.run(command, cwd=project_root(), capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "INKSET_HOME": str(dirs.home)})
    (stats_path.with_suffix(".log")).write_text(done.stdout + done.stderr)
    if not stats_path.exists():
        raise RuntimeError(f"gcd crawl died (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(stats_path.read_text())
