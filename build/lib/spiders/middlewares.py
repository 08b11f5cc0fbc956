"""Downloader middlewares shared by the spiders: Retry-After on 429, retry backoff, env credentials."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.http import basic_auth_header

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
        self._hold_slot(request, delay)
        return request.replace(dont_filter=True)

    def _hold_slot(self, request, delay: float) -> None:
        """Requests already queued in the domain's downloader slot wait too (with a delay set)."""
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, time.monotonic() + delay)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts, dropped connections), each after a doubling wait.

    Scrapy retries at once; a struggling server needs room, so retry n waits
    RETRY_BACKOFF_BASE * 2**(n-1) seconds (at most RETRY_BACKOFF_MAX) before it goes out.
    The wait is per request: other requests keep flowing meanwhile.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def _retry(self, request, reason):
        retry = super()._retry(request, reason)
        if retry is not None:
            delay = min(self.cap, self.base * 2 ** (retry.meta.get("retry_times", 1) - 1))
            retry.meta["retry_not_before"] = asyncio.get_running_loop().time() + delay
            self.crawler.stats.inc_value("retry/backoff_seconds", int(delay))
        return retry

    async def process_request(self, request, spider=None):
        wait = request.meta.get("retry_not_before", 0.0) - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)
        return None


class EnvBasicAuthMiddleware:
    """HTTP basic auth for a spider's account, added to the request as it leaves.

    A spider opts in with `basic_auth = (domain, path_prefix, user_env, password_env)`; the
    values are read from the environment here, never from arguments or settings (which Scrapy
    logs), and the header is added after the scheduler's queue (JOBDIR) and the cache keys
    have seen the request. The cache storage strips it again (spiders.cache).
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.header: bytes | None = None
        self.domain = self.prefix = ""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = self.crawler.spider
        if self.header is None and getattr(spider, "basic_auth", None):
            self.domain, self.prefix, user_env, password_env = spider.basic_auth
            user, password = os.environ.get(user_env, ""), os.environ.get(password_env, "")
            self.header = basic_auth_header(user, password) if user and password else b""
        if not self.header:
            return None
        url = urlparse(request.url)
        if url.hostname == self.domain and url.path.startswith(self.prefix):
            request.headers[b"Authorization"] = self.header
        return None

    def process_response(self, request, response, spider=None):
        # taken off again at once: retries, the cache and JOBDIR queues see a clean request
        request.headers.pop(b"Authorization", None)
        return response

    def process_exception(self, request, exception, spider=None):
        request.headers.pop(b"Authorization", None)
        return None
