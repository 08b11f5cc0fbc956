"""Run one GCD crawl as a subprocess of `spiders.run`, with its options and politeness profile."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from preprocess.definitions import choose, read_definition
from preprocess.paths import work_dirs
from spiders.gcd.spider import MODES
from spiders.gcd.api import SITE
from spiders.subprocess_crawl import FAST_PROFILE, run_spider, spider_command, stats_path_for

# Settings per profile. fast-loopback lifts every delay: for the replica on 127.0.0.1 only.
PROFILES = {
    "polite": {},
    FAST_PROFILE: {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
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
    arguments = {"base": base, "mode": options.mode, "max_issues": options.max_issues}
    for name in ("publishers", "series", "issues"):
        ids = getattr(options, name)
        if ids:
            arguments[name] = ",".join(map(str, ids))
    return spider_command("gcd", options.profile, base, stats_path, arguments,
                          {**PROFILES[options.profile], **settings})


def run_crawl(options: GcdCrawlOptions, base: str = SITE, home: str | None = None,
              settings: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Crawl in a subprocess; returns its stats (also kept under runs/crawls/).

    JOBDIR is per crawl target, so a paused crawl (Ctrl-C) resumes where it stopped.
    """
    dirs = work_dirs(home)
    target = f"{options.mode}-p{'_'.join(map(str, options.publishers))}-s" \
             f"{'_'.join(map(str, options.series))}-i{len(options.issues)}"[:80]
    stats_path = stats_path_for(dirs, "gcd")
    base_settings = {"JOBDIR": str(dirs.cache / "jobs" / f"gcd-{target}"),
                     "HTTPCACHE_DIR": str(dirs.cache / "http"),
                     "GCD_FILES_STORE": str(dirs.raw / "gcd"),
                     "GCD_ROWS": str(dirs.raw / "gcd" / "issues.parquet")}
    command = crawl_command(options, base, stats_path, {**base_settings, **(settings or {})})
    return run_spider(command, stats_path, dirs, timeout)
