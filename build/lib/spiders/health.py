"""Crawl health from Scrapy stats: a crawl whose requests all failed, or whose error share passes
a threshold, is a failure (the flow's task fails, `inkset crawl-*` exits 1), never a success."""
from __future__ import annotations

import os
from collections import Counter

from core.errors import InksetError

DEFAULT_MAX_ERROR_SHARE = 0.2  # of requests; override with $INKSET_MAX_ERROR_SHARE
EXCEPTION_PREFIX = "downloader/exception_type_count/"
STATUS_PREFIX = "downloader/response_status_count/"


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


def check_crawl(site: str, stats: dict, share: float | None = None) -> None:
    """Raise InksetError naming the site, error kinds and counts, and the stats file."""
    share = max_error_share() if share is None else share
    requests = int(stats.get("downloader/request_count", 0))
    kinds = error_kinds(stats)
    errors = sum(kinds.values())
    stats_file = stats.get("inkset/stats_file", "runs/crawls/")
    detail = ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common())
    if requests and errors >= requests:
        raise InksetError(f"{site} crawl failed: all {requests} requests failed ({detail}); "
                          f"stats: {stats_file}")
    if requests and errors / requests > share:
        raise InksetError(f"{site} crawl failed: {errors} of {requests} requests failed "
                          f"({errors / requests:.0%} > {share:.0%}: {detail}); stats: {stats_file}")
    reason = stats.get("finish_reason")
    if reason not in (None, "finished"):
        raise InksetError(f"{site} crawl stopped: {reason}; stats: {stats_file}")
