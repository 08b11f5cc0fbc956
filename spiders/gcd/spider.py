"""The GCD spider: publishers -> series galleries -> issue pages (or the API) -> issue items.

Parses only (spiders/gcd/pages.py, spiders/gcd/api.py); covers and rows are stored by
spiders/gcd/pipelines.py. Issues already in the raw store with their cover are not requested.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlparse

import scrapy

from spiders.gcd.api import SITE, GcdParseError, api_id, parse_api_issue
from spiders.gcd.pages import gallery_issue_ids, next_page, parse_issue_page, publisher_series_ids
from spiders.gcd.pipelines import known_issue_ids
from spiders.gcd.items import GcdIssueItem

log = logging.getLogger(__name__)
MODES = ("site", "api")


def _ids(value) -> list[int]:
    return [int(v) for v in str(value or "").replace(" ", "").split(",") if v]


class GcdSpider(scrapy.Spider):
    """`-a publishers=54 | series=13519,... | issues=242700,...  [-a mode=api] [-a base=URL]`."""

    name = "gcd"
    custom_settings = {
        "ITEM_PIPELINES": {"spiders.gcd.pipelines.GcdCoversPipeline": 100,
                           "spiders.gcd.pipelines.GcdRowsPipeline": 200},
        # the site warns that fast spiders get blocked and sets no crawl delay: be slow
        "DOWNLOAD_DELAY": 5.0,
        "AUTOTHROTTLE_START_DELAY": 5.0,
        "AUTOTHROTTLE_MAX_DELAY": 120.0,
        # a page and a cover at a time: a Retry-After hold stops the site at once, instead of
        # a queue of requests that were already handed to the downloader
        "CONCURRENT_REQUESTS": 2,
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_IGNORE_HTTP_CODES": [403, 404, 429, 500, 502, 503, 504],
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/json;q=0.9"},
    }
    # API throttles: anonymous 30 requests/hour, an account 2,000/day (delays in seconds)
    API_DELAY = {False: 3600 / 30, True: 86400 / 2000}
    basic_auth = None  # set in __init__ for API mode (see EnvBasicAuthMiddleware)

    def __init__(self, publishers: str = "", series: str = "", issues: str = "",
                 mode: str = "site", base: str = SITE, max_issues: str | int = 0, **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, not {mode!r}")
        self.publishers, self.series_ids, self.issue_ids = (
            _ids(publishers), _ids(series), _ids(issues))
        if not (self.publishers or self.series_ids or self.issue_ids):
            raise ValueError("gcd spider needs -a publishers=, series= or issues= (ids)")
        if mode == "api" and self.publishers:
            raise ValueError("API mode takes series= or issues= (the API lists no series of a "
                             "publisher); use mode=site for publishers")
        self.mode, self.base = mode, base.rstrip("/")
        self.max_issues = int(max_issues or 0)
        self.requested: set[int] = set()
        if mode == "api":
            self.basic_auth = (urlparse(self.base).hostname, "/api/", "GCD_USERNAME",
                               "GCD_PASSWORD")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.known = known_issue_ids(Path(crawler.settings["GCD_ROWS"]))
        if spider.mode == "api":
            logged_in = bool(os.environ.get("GCD_USERNAME") and os.environ.get("GCD_PASSWORD"))
            default = spider.API_DELAY[logged_in]
            spider.download_delay = crawler.settings.getfloat("GCD_API_DELAY", default)
        return spider

    def _count(self, name: str) -> None:
        self.crawler.stats.inc_value(f"gcd/{name}")

    async def start(self):
        if self.mode == "api":
            for series_id in self.series_ids:
                yield self._api("series", series_id, self.parse_api_series)
        for publisher_id in self.publishers:
            yield scrapy.Request(f"{self.base}/publisher/{publisher_id}/",
                                 callback=self.parse_publisher, meta={"dont_cache": True})
        if self.mode == "site":
            for series_id in self.series_ids:
                yield self._gallery(series_id)
        for issue_id in self.issue_ids:
            request = self._issue(issue_id)
            if request:
                yield request

    def _api(self, kind: str, number: int, callback) -> scrapy.Request:
        return scrapy.Request(f"{self.base}/api/{kind}/{number}/?format=json", callback=callback,
                              headers={"Accept": "application/json"},
                              meta={"dont_cache": kind != "issue"})

    def _gallery(self, series_id: int) -> scrapy.Request:
        # listings change as issues are added: never served from the HTTP cache
        return scrapy.Request(f"{self.base}/series/{series_id}/covers/",
                              callback=self.parse_gallery, meta={"dont_cache": True})

    def _issue(self, issue_id: int) -> scrapy.Request | None:
        if issue_id in self.known:
            self._count("skipped/known")
            return None
        if issue_id in self.requested or (self.max_issues and
                                          len(self.requested) >= self.max_issues):
            return None
        self.requested.add(issue_id)
        if self.mode == "api":
            return self._api("issue", issue_id, self.parse_api_issue)
        return scrapy.Request(f"{self.base}/issue/{issue_id}/", callback=self.parse_issue)

    def parse_publisher(self, response):
        self._count("pages/publisher")
        for series_id in publisher_series_ids(response.text):
            yield self._gallery(series_id)
        if next_page(response.text):
            yield response.follow(next_page(response.text), callback=self.parse_publisher,
                                  meta={"dont_cache": True})

    def parse_gallery(self, response):
        self._count("pages/gallery")
        for issue_id in gallery_issue_ids(response.text):
            request = self._issue(issue_id)
            if request:
                yield request
        if next_page(response.text):
            yield response.follow(next_page(response.text), callback=self.parse_gallery,
                                  meta={"dont_cache": True})

    def parse_issue(self, response):
        self._count("pages/issue")
        try:
            row = parse_issue_page(response.text, response.url)
        except GcdParseError as error:
            self._count("errors/parse_no_cover_sequence")
            log.warning("parse error: %s", error)
            return
        yield self._item(row, response.status)

    def parse_api_series(self, response):
        self._count("pages/api_series")
        for url in json.loads(response.text).get("active_issues") or []:
            request = self._issue(api_id(url, "issue"))
            if request:
                yield request

    def parse_api_issue(self, response):
        self._count("pages/api_issue")
        try:
            row = parse_api_issue(json.loads(response.text))
        except (GcdParseError, ValueError) as error:
            self._count("errors/parse_no_cover_sequence" if isinstance(error, GcdParseError)
                        else "errors/bad_json")
            log.warning("parse error: %s: %s", response.url, error)
            return
        yield self._item({**row, "markup": "api"}, response.status)

    def _item(self, row: dict, status: int) -> GcdIssueItem:
        self._count("items")
        item = GcdIssueItem.from_row(row, http_status=status, source_url=row["source_url"])
        if item.cover_url and item.cover_id is not None:
            item.file_urls = [item.cover_url]
        return item
