"""Crawl health from Scrapy stats: a crawl whose requests all failed or were refused (401, 403,
a challenge page, 429 until the crawl gave up), or whose share of those passes a threshold, is a
failure naming the host (the flow's task fails, `inkset crawl-*` exits 1), never a success."""
from __future__ import annotations

import os
from collections import Counter
from urllib.parse import urlsplit

from core.errors import InksetError

DEFAULT_MAX_ERROR_SHARE = 0.2  # of requests; override with $INKSET_MAX_ERROR_SHARE
EXCEPTION_PREFIX = "downloader/exception_type_count/"
STATUS_PREFIX = "downloader/response_status_count/"
REFUSED_PREFIX = "inkset/refused/"      # inkset/refused/<host>/<kind>: counted by RefusalStats
THROTTLED_PREFIX = "inkset/throttled/"  # inkset/throttled/<host>: answers of 429 (retried)
REFUSAL_STATUSES = (401, 403)


def refusal_kind(status: int, headers, body: bytes) -> str | None:
    """Why a response is a refusal: `challenge` (a Cloudflare-style page, 403 or 503),
    `HTTP 401` / `HTTP 403`; None when it is not one."""
    challenge = headers.get(b"cf-mitigated") == b"challenge" or (
        status in (403, 503) and b"Just a moment" in body[:2000])
    if challenge:
        return "challenge"
    return f"HTTP {status}" if status in REFUSAL_STATUSES else None


class RefusalStats:
    """A downloader middleware counting refusals per host: the stats say which host refused.

    It sits between the backoff retries (550) and Retry-After (540): it sees each final
    response, and each 429 before it is retried."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        host = urlsplit(request.url).netloc
        if response.status == 429:
            self.stats.inc_value(f"{THROTTLED_PREFIX}{host}")
        else:
            kind = refusal_kind(response.status, response.headers, response.body)
            if kind:
                self.stats.inc_value(f"{REFUSED_PREFIX}{host}/{kind}")
        return response


def max_error_share() -> float:
    value = os.environ.get("INKSET_MAX_ERROR_SHARE")
    try:
        share = float(value) if value else DEFAULT_MAX_ERROR_SHARE
    except ValueError:
        raise InksetError(f"INKSET_MAX_ERROR_SHARE={value!r} is not a number") from None
    if not 0 <= share <= 1:
        raise InksetError(f"INKSET_MAX_ERROR_SHARE={value!r} must lie between 0 and 1")
    return share


def error_kinds(stats: dict) -> Counter:
    """Failed requests by kind: exception class names, and `HTTP <code>` for 5xx answers."""
    kinds: Counter = Counter()
    for name, count in stats.items():
        if name.startswith(EXCEPTION_PREFIX):
            kinds[name[len(EXCEPTION_PREFIX):].rsplit(".", 1)[-1]] += int(count)
        elif name.startswith(STATUS_PREFIX) and name[len(STATUS_PREFIX):].startswith("5"):
            kinds[f"HTTP {name[len(STATUS_PREFIX):]}"] += int(count)
    return kinds


def refusals(stats: dict) -> Counter:
    """Refused requests by (host, kind)."""
    found: Counter = Counter()
    for name, count in stats.items():
        if name.startswith(REFUSED_PREFIX):
            host, _, kind = name[len(REFUSED_PREFIX):].rpartition("/")
            found[host, kind] += int(count)
    return found


def check_crawl(site: str, stats: dict, share: float | None = None) -> None:
    """Raise InksetError naming the site, the refusing hosts, error kinds and counts, and the
    stats file."""
    share = max_error_share() if share is None else share
    requests = int(stats.get("downloader/request_count", 0))
    kinds = error_kinds(stats)
    refused = refusals(stats)
    for (host, kind), count in refused.items():
        kinds[f"{kind} from {host}"] += count
    errors = sum(kinds.values())
    hosts = sorted({host for host, _ in refused})
    by = f" or were refused by {', '.join(hosts)}" if hosts else ""
    stats_file = stats.get("inkset/stats_file", "runs/crawls/")
    detail = ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common())
    if requests and errors >= requests:
        raise InksetError(f"{site} crawl failed: all {requests} requests failed{by} ({detail}); "
                          f"stats: {stats_file}")
    if requests and errors / requests > share:
        raise InksetError(f"{site} crawl failed: {errors} of {requests} requests failed{by} "
                          f"({errors / requests:.0%} > {share:.0%}: {detail}); stats: {stats_file}")
    reason = stats.get("finish_reason")
    if reason not in (None, "finished"):
        throttled = {name[len(THROTTLED_PREFIX):]: int(n) for name, n in stats.items()
                     if name.startswith(THROTTLED_PREFIX)}
        note = "".join(f", HTTP 429 from {host} x{n}" for host, n in sorted(throttled.items()))
        raise InksetError(f"{site} crawl stopped: {reason}{note}; stats: {stats_file}")
