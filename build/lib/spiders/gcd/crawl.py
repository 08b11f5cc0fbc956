"""Run one GCD crawl as a subprocess of `spiders.run`, with its options and politeness profile."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from core.definitions import (DefinitionError, check_keys, choose, definition_path,
                                    read_definition)
from core.errors import UsageError
from core.paths import work_dirs
from spiders.gcd.api import SITE
from spiders.gcd.spider import MODES
from spiders.subprocess_crawl import (FAST_PROFILE, NO_DELAY_JITTER, run_spider, spider_command,
                                      stats_path_for)

TARGETS = ("publishers", "series", "issues")
# Settings per profile. fast-loopback lifts every delay: for the replica on 127.0.0.1 only.
PROFILES = {
    "polite": {},
    FAST_PROFILE: {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                      **NO_DELAY_JITTER, "GCD_API_DELAY": "0",
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
    def load(cls, name: str = "gcd-crawl", add: bool = False, **overrides) -> "GcdCrawlOptions":
        """The definition's options; ids given here replace its targets (`add`: join them)."""
        defined = read_definition(name)
        check_keys(name, "", defined, (f.name for f in fields(cls)))
        given = {k: tuple(overrides.pop(k)) for k in TARGETS if overrides.get(k)}
        raw = {**defined, **{k: v for k, v in overrides.items() if v is not None}}
        for key in TARGETS if given else ():
            kept = tuple(raw.get(key, ())) if add else ()
            raw[key] = tuple(dict.fromkeys((*kept, *given.get(key, ()))))
        options = cls(**{k: tuple(int(i) for i in v) if isinstance(v, (list, tuple)) else v
                         for k, v in raw.items()})
        choose("mode", options.mode, MODES)
        choose("profile", options.profile, tuple(PROFILES))
        if not (options.publishers or options.series or options.issues):
            raise DefinitionError(f"nothing to crawl: give --publishers, --series or --issues, "
                                  f"or list them in {definition_path(name)}")
        return options


def check_targets(options: GcdCrawlOptions) -> GcdCrawlOptions:
    """The API lists no series of a publisher: API mode needs series or issue ids."""
    if options.mode == "api" and options.publishers:
        raise UsageError(f"API mode takes --series or --issues (the API lists no series of a "
                         f"publisher), not publishers {list(options.publishers)} (given, or "
                         f"from {definition_path('gcd-crawl')}); use --mode site for publishers")
    return options


def crawl_plan(options: GcdCrawlOptions, base: str, home: str | None = None) -> str:
    """What `run_crawl(options, base)` would fetch and how politely, without a request."""
    from spiders.gcd.spider import GcdSpider
    from spiders.plan import plan_text, politeness

    dirs = work_dirs(home)
    settings = politeness(GcdSpider, PROFILES[options.profile])
    if options.mode == "api":
        logged_in = bool(os.environ.get("GCD_USERNAME") and os.environ.get("GCD_PASSWORD"))
        settings["GCD_API_DELAY"] = PROFILES[options.profile].get(
            "GCD_API_DELAY", GcdSpider.API_DELAY[logged_in])
    rows = [("site", base), ("mode", options.mode), ("publishers", options.publishers),
            ("series", options.series), ("issues", options.issues),
            ("max new issues", options.max_issues or "no limit"),
            ("profile", options.profile), ("rows", dirs.raw / "gcd" / "issues.parquet"),
            ("covers", dirs.raw / "gcd" / "covers")]
    return plan_text("gcd crawl", rows, settings)


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
