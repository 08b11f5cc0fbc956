"""The GCD spider: publishers -> series galleries -> issue pages (or the API) -> issue items.

Parses only (spiders/gcd/pages.py, spiders/gcd/api.py); covers and rows are stored by
spiders/gcd/pipelines.py. Issues already in the raw store with their cover are not requested,
unless the gallery shows another upload of their cover (its URL's cache-buster); a stored issue
that left its series' listing is asked for once more, and a 404 / 410 (or the site's redirect of
a deleted issue to its change history) makes it a "gone" row.
"""
from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import scrapy

from spiders.gcd.api import SITE, GcdParseError, api_id, cover_replaced, parse_api_issue
from spiders.gcd.pages import gallery_covers, next_page, parse_issue_page, publisher_series_ids
from spiders.gcd.pipelines import known_issues
from spiders.gcd.items import GcdIssueItem

log = logging.getLogger(__name__)
MODES = ("site", "api")
GALLERY = re.compile(r"/series/(\d+)/covers/")
# a re-check of a stored issue: its answer is read here, redirects and 404s included
RECHECK = {"dont_cache": True, "dont_redirect": True,
           "handle_httpstatus_list": [301, 302, 404, 410]}


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
        spider.known = known_issues(Path(crawler.settings["GCD_ROWS"]))
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

    def _api(self, kind: str, number: int, callback, **meta) -> scrapy.Request:
        return scrapy.Request(f"{self.base}/api/{kind}/{number}/?format=json", callback=callback,
                              headers={"Accept": "application/json"},
                              meta={"dont_cache": kind != "issue", **meta})

    def _gallery(self, series_id: int) -> scrapy.Request:
        # listings change as issues are added: never served from the HTTP cache
        return scrapy.Request(f"{self.base}/series/{series_id}/covers/",
                              callback=self.parse_gallery, meta={"dont_cache": True})

    def _issue(self, issue_id: int, cover: str | None = None) -> scrapy.Request | None:
        """The issue's request: new, or known with another cover upload in the listing."""
        known = self.known.get(issue_id)
        replaced = known is not None and cover_replaced(known.get("cover_url"), cover)
        if known is not None and not replaced:
            self._count("skipped/known")
            return None
        if issue_id in self.requested or (self.max_issues and not replaced and
                                          len(self.requested) >= self.max_issues):
            return None
        self.requested.add(issue_id)
        if self.mode == "api":
            return self._api("issue", issue_id, self.parse_api_issue)
        if replaced:  # the cached page shows the old upload: ask the site
            self._count("covers/replaced")
            return scrapy.Request(f"{self.base}/issue/{issue_id}/", callback=self.parse_issue,
                                  meta={"dont_cache": True, "gcd_replaced": True})
        return scrapy.Request(f"{self.base}/issue/{issue_id}/", callback=self.parse_issue)

    def _rechecks(self, series_id: int | None, listed: set[int]):
        """Stored issues of a series missing from its whole listing: asked for once more."""
        if series_id is None or not listed:  # an empty listing proves nothing
            return
        for issue_id, row in sorted(self.known.items()):
            if row.get("series_id") == series_id and issue_id not in listed:
                self._count("rechecked")
                if self.mode == "api":
                    yield self._api("issue", issue_id, self.parse_recheck, **RECHECK)
                else:
                    yield scrapy.Request(f"{self.base}/issue/{issue_id}/", meta=RECHECK,
                                         callback=self.parse_recheck)

    def parse_recheck(self, response):
        issue_id = int(re.search(r"/issue/(\d+)/", response.url).group(1))
        location = (response.headers.get(b"Location") or b"").decode()
        if response.status in (404, 410) or (response.status in (301, 302)
                                             and "/history/" in location):
            self._count("gone")
            known = {k: (None if isinstance(v, float) and v != v else v)
                     for k, v in self.known[issue_id].items()}  # NaN: a parquet gap
            yield GcdIssueItem.from_row(known, status="gone", reason="deleted",
                                        cover_status="gone", http_status=response.status)
        else:  # still there (moved to another series, say): its stored row stays
            self._count("rechecked/still_there")

    def parse_publisher(self, response):
        self._count("pages/publisher")
        for series_id in publisher_series_ids(response.text):
            yield self._gallery(series_id)
        if next_page(response.text):
            yield response.follow(next_page(response.text), callback=self.parse_publisher,
                                  meta={"dont_cache": True})

    def parse_gallery(self, response, listed: tuple[int, ...] = ()):
        self._count("pages/gallery")
        covers = gallery_covers(response.text)
        for issue_id, cover in covers.items():
            request = self._issue(issue_id, cover)
            if request:
                yield request
        listed = (*listed, *covers)
        if next_page(response.text):
            yield response.follow(next_page(response.text), callback=self.parse_gallery,
                                  meta={"dont_cache": True}, cb_kwargs={"listed": listed})
            return
        found = GALLERY.search(response.url)
        yield from self._rechecks(int(found.group(1)) if found else None, set(listed))

    def parse_issue(self, response):
        self._count("pages/issue")
        try:
            row = parse_issue_page(response.text, response.url)
        except GcdParseError as error:
            self._count("errors/parse_no_cover_sequence")
            log.warning("parse error: %s", error)
            return
        yield self._item(row, response.status, response.meta.get("gcd_replaced", False))

    def parse_api_series(self, response):
        self._count("pages/api_series")
        series = json.loads(response.text)
        listed = [api_id(url, "issue") for url in series.get("active_issues") or []]
        for issue_id in dict.fromkeys(i for i in listed if i is not None):
            request = self._issue(issue_id)
            if request:
                yield request
        yield from self._rechecks(api_id(series.get("api_url"), "series"), set(listed))

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

    def _item(self, row: dict, status: int, replaced: bool = False) -> GcdIssueItem:
        self._count("items")
        item = GcdIssueItem.from_row(row, http_status=status, source_url=row["source_url"])
        if replaced:  # GcdCoversPipeline fetches the stored cover's new upload
            item.cover_status = "replaced"
        if item.cover_url and item.cover_id is not None:
            item.file_urls = [item.cover_url]
        return item
