"""Pixiv downloader middleware: the optional PHPSESSID login cookie, added only as a request leaves."""
from __future__ import annotations

import os
from urllib.parse import urlparse

SESSION_ENV = "PHPSESSID"


class PixivSessionMiddleware:
    """Adds `Cookie: PHPSESSID=...` (from the environment) to API requests as they go out.

    The cookie never sits on a Request the scheduler, JOBDIR queue, cookie jar, retries or logs
    see: it is added after them (priority above CookiesMiddleware) and taken off again as soon
    as the answer or the error comes back. The image host never gets it.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.session = os.environ.get(SESSION_ENV, "")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        api_host = urlparse(getattr(self.crawler.spider, "api_base", "")).hostname
        url = urlparse(request.url)
        if self.session and url.hostname == api_host and url.path.startswith("/ajax/"):
            request.headers[b"Cookie"] = f"PHPSESSID={self.session}".encode()
        return None

    def process_response(self, request, response, spider=None):
        request.headers.pop(b"Cookie", None)
        return response

    def process_exception(self, request, exception, spider=None):
        request.headers.pop(b"Cookie", None)
        return None
