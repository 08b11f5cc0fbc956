"""What a crawl would do, said before any request: targets, limits, politeness, output folder."""
from __future__ import annotations

from typing import Iterable

from scrapy.settings import Settings

from spiders.subprocess_crawl import JITTER_SETTING

# The settings that decide how hard a site is hit, as the crawl subprocess will see them.
POLITENESS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", JITTER_SETTING,
              "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
              "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "RETRY_TIMES",
              "RETRY_AFTER_MAX_429", "HTTPCACHE_ENABLED")


def politeness(spider_class, profile_settings: dict[str, str]) -> dict[str, object]:
    """Shared settings, then the spider's own, then the profile's: Scrapy's priority order."""
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    spider_class.update_settings(settings)
    settings.setdict(profile_settings, priority="cmdline")
    return {name: settings.get(name) for name in POLITENESS}


def plan_text(title: str, rows: Iterable[tuple[str, object]], settings: dict[str, object]) -> str:
    """The plan as aligned `name: value` lines, politeness last; nothing has been fetched."""
    lines = [f"{title} (plan only: nothing fetched)"]
    lines += [f"  {name + ':':<24}{_show(value)}" for name, value in rows]
    lines.append("  politeness:")
    lines += [f"    {name + ':':<34}{value}" for name, value in settings.items()]
    return "\n".join(lines)


def _show(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value)) if value else "(none)"
    return str(value)
