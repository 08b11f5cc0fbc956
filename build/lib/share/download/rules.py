"""Per-host request rules: User-Agent, Referer, concurrency, delay, robots.txt, retries."""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = ("inkset/0.1 (research dataset rebuild; +https://github.com/inkset/inkset; "
              "set INKSET_USER_AGENT to name yourself)")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
PIXIV_REFERER = "https://www.pixiv.net/"  # i.pximg.net answers 403 without it
RETRY_STATUSES = (429, 500, 502, 503, 504)
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class HostRule:
    """How to treat one host: at most `concurrency` requests at once, `delay` s between starts."""

    concurrency: int
    delay: float
    obey_robots: bool


@dataclass(frozen=True)
class Rules:
    """Request rules for one download run; `source` picks source-specific headers."""

    source: str = "generic"          # generic | gcd | pixiv
    live_concurrency: int = 2        # per host, for real sites (politeness)
    live_delay: float = 1.0
    loopback_concurrency: int = 64   # replicas and mirrors on this machine: no politeness needed
    retries: int = 3
    backoff: float = 1.0             # first wait; doubles on each retry
    max_retry_after: float = 300.0
    timeout: float = 60.0
    polite_loopback: bool = False    # treat loopback like a live site (tests of the live path)

    def host(self, url: str) -> HostRule:
        hostname = urlsplit(url).hostname or ""
        if hostname in LOOPBACK and not self.polite_loopback:
            return HostRule(self.loopback_concurrency, 0.0, obey_robots=False)
        return HostRule(self.live_concurrency, self.live_delay, obey_robots=True)

    def headers(self, url: str) -> dict[str, str]:
        """Request headers; credentials only from the environment, and never logged."""
        headers = {"User-Agent": os.environ.get("INKSET_USER_AGENT") or USER_AGENT}
        if self.source == "pixiv":
            headers["Referer"] = PIXIV_REFERER
        return headers


def retry_wait(rules: Rules, attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before retry `attempt` (0-based): Retry-After when given, else backoff."""
    if retry_after:
        try:
            return min(float(retry_after), rules.max_retry_after)
        except ValueError:
            pass  # an HTTP date: fall back to backoff
    return rules.backoff * (2 ** attempt)


def source_of(source_ids: dict) -> tuple[str, str | None]:
    """(source, URL) of a manifest row's source ids: GCD covers, Pixiv pages, or a plain url."""
    if "cover_url" in source_ids:
        return "gcd", source_ids.get("cover_url") or None
    if "illust_id" in source_ids:
        return "pixiv", source_ids.get("url") or None
    return "generic", source_ids.get("url") or None
