"""The Pixiv artist spider: profile/all -> illust detail (+ pages) -> one item per illust; parses only."""
from __future__ import annotations

import json

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest

from preprocess.paths import work_dirs
from spiders.pixiv.api import AJAX, Filters, PixivApiError, illust_rows, unwrap, work_ids
from spiders.pixiv.items import PixivIllustItem
from spiders.pixiv.store import known_illusts


class PixivArtistSpider(scrapy.Spider):
    """`python -m spiders.run pixiv -a users=123,456 [-a cap=200 -a api_base=... -a image_size=...]`."""

    name = "pixiv"
    custom_settings = {
        "ITEM_PIPELINES": {"spiders.pixiv.pipelines.PixivImagesPipeline": 100,
                           "spiders.pixiv.pipelines.PixivRowsPipeline": 200},
        # one request at a time (the site's limits are per account): a Retry-After wait then
        # holds the whole crawl, not only the request that drew the 429
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 1.2,
        "HTTPCACHE_ENABLED": True,   # details and pages only (profiles: dont_cache)
        "HTTPCACHE_EXPIRATION_SECS": 86_400,  # a resumed crawl reuses them; tag edits show later
        "HTTPCACHE_IGNORE_HTTP_CODES": [403, 404, 429, 500, 502, 503, 504],
        "FILES_EXPIRES": 36500,  # a stored page never changes: never fetched again
    }

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # our own places in the work dir; shared settings or the command line may still override
        raw = work_dirs().raw / "pixiv"
        settings.set("FILES_STORE", str(raw / "images"), priority="spider")
        settings.set("PIXIV_ROWS", str(raw / "illusts.parquet"), priority="spider")
        # the login cookie goes on as a request leaves, after every queue and cache has seen it;
        # added to the shared middlewares, not replacing them
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares["spiders.pixiv.middlewares.PixivSessionMiddleware"] = 960
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def __init__(self, users: str = "", cap: int | str = 200, api_base: str = AJAX,
                 image_size: str = "regular", ugoira: str = "skip", max_x_restrict: int | str = 0,
                 keep_ai: str = "false", **kwargs):
        super().__init__(**kwargs)
        self.user_ids = [int(u) for u in str(users).split(",") if u.strip()]
        if not self.user_ids:
            raise ValueError("pixiv spider needs -a users=<id>[,<id>...]")
        self.cap = int(cap)
        self.api_base = api_base.rstrip("/")
        self.filters = Filters(max_x_restrict=int(max_x_restrict), ugoira=ugoira,
                               keep_ai=str(keep_ai).lower() in ("1", "true", "yes"),
                               image_size=image_size)
        self.known: set[int] = set()

    async def start(self):
        self.known = known_illusts(self.settings["PIXIV_ROWS"])  # never fetched again
        for user_id in self.user_ids:
            # profiles are re-read on every run (new works) and never served from the HTTP cache
            yield scrapy.Request(f"{self.api_base}/user/{user_id}/profile/all",
                                 callback=self.parse_profile, cb_kwargs={"user_id": user_id},
                                 errback=self.failed, dont_filter=True,
                                 meta={"dont_cache": True, "handle_httpstatus_list": [404]})

    def skip(self, reason: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"pixiv/skipped/{reason}", count)

    def parse_profile(self, response, user_id: int):
        try:
            ids = work_ids(json.loads(response.text))
        except (PixivApiError, ValueError) as error:
            self.skip("user_not_found" if response.status == 404 else
                      getattr(error, "reason", "bad_json"))
            return
        self.skip("over_cap", max(0, len(ids) - self.cap))
        for illust_id in ids[: self.cap]:
            if illust_id in self.known:
                self.skip("known")
                continue
            yield scrapy.Request(f"{self.api_base}/illust/{illust_id}?lang=en",
                                 callback=self.parse_detail, cb_kwargs={"illust_id": illust_id},
                                 errback=self.failed,
                                 meta={"handle_httpstatus_list": [400, 403, 404]})

    def parse_detail(self, response, illust_id: int):
        try:
            detail = json.loads(response.text)
            body = unwrap(detail)
        except ValueError as error:  # PixivApiError is a ValueError, so is bad JSON
            self.skip("deleted" if response.status == 404 else
                      getattr(error, "reason", "bad_json"))
            return
        if int(body.get("pageCount") or 1) > 1:
            yield scrapy.Request(f"{self.api_base}/illust/{illust_id}/pages",
                                 callback=self.parse_pages, cb_kwargs={"detail": detail},
                                 errback=self.failed,
                                 meta={"handle_httpstatus_list": [400, 403, 404]})
        else:
            yield from self.items(detail, None)

    def parse_pages(self, response, detail: dict):
        try:
            yield from self.items(detail, json.loads(response.text))
        except ValueError as error:
            self.skip(getattr(error, "reason", "bad_json"))

    def items(self, detail: dict, pages: dict | None):
        outcome = illust_rows(detail, pages, self.filters)
        if isinstance(outcome, str):
            self.skip(outcome)
            return
        yield PixivIllustItem(rows=outcome, file_urls=[row["url"] for row in outcome])

    def failed(self, failure):
        if failure.check(IgnoreRequest) and self.crawler.stats.get_value("robotstxt/forbidden"):
            # robots.txt says no to our User-Agent: stop instead of crawling around it
            raise CloseSpider("robots_disallowed")
        self.crawler.stats.inc_value("pixiv/errors")
        self.logger.warning("request failed: %s", failure.getErrorMessage())
