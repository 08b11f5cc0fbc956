"""Downloader middlewares shared by the spiders: honour 429 Retry-After, stop on repeated 429s."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    if text.strip().isdigit():
        return float(text.strip())
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class RetryAfterMiddleware:
    """On 429: hold every request until Retry-After has passed (else 60 s doubling), then retry.

    Scrapy's RetryMiddleware retries 429 at once; an account-wide limit needs the whole crawl to
    wait, including requests already handed to the downloader, so the wait is a shared
    "not before" time checked as each request goes out. After RETRY_AFTER_MAX_429 answers of 429
    in a row the crawl stops with reason `repeated_429` instead of hammering.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_AFTER_BACKOFF_BASE", 60.0)
        self.cap = settings.getfloat("RETRY_AFTER_MAX_DELAY", 900.0)
        self.max_in_a_row = settings.getint("RETRY_AFTER_MAX_429", 5)
        self.in_a_row = 0
        self.not_before = 0.0  # loop time before which no request leaves

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        wait = self.not_before - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    async def process_response(self, request, response, spider=None):
        if response.status != 429:
            self.in_a_row = 0
            return response
        self.in_a_row += 1
        stats = self.crawler.stats
        stats.inc_value("retry_after/429")
        if self.in_a_row > self.max_in_a_row:
            reason = f"stopped after {self.in_a_row} answers of 429 in a row"
            log.error("%s (last: %s)", reason, request.url)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="repeated_429"))
            raise IgnoreRequest(reason)
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is None:
            delay = min(self.cap, self.base * 2 ** (self.in_a_row - 1))
        stats.inc_value("retry_after/waited_seconds", int(delay))
        log.info("429 from %s: holding every request for %.1f s", request.url, delay)
        now = asyncio.get_running_loop().time()
        self.not_before = max(self.not_before, now + delay)
        return request.replace(dont_filter=True)
