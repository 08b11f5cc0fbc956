"""The Pixiv artist spider: profile/all -> illust detail (+ pages) -> image requests; parses only."""
from __future__ import annotations

import json
import os

import scrapy

from spiders.pixiv_api import AJAX, Filters, PixivApiError, illust_rows, unwrap, work_ids


class PixivArtistSpider(scrapy.Spider):
    """`scrapy crawl pixiv -a users=123,456 -a cap=200 [-a api_base=http://127.0.0.1:PORT/ajax]`."""

    name = "pixiv"
    custom_settings = {
        "ITEM_PIPELINES": {"spiders.pixiv_pipelines.PixivImagesPipeline": 100,
                           "spiders.pixiv_pipelines.PixivRowsPipeline": 200},
        # one request at a time (the site's limits are per account): a Retry-After wait then
        # holds the whole crawl, not only the request that drew the 429
        "CONCURRENT_REQUESTS": 1,
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_IGNORE_HTTP_CODES": [403, 404, 429, 500, 502, 503, 504],
    }

    def __init__(self, users: str = "", cap: int | str = 200, api_base: str = AJAX,
                 image_size: str = "regular", known: str = "", **kwargs):
        super().__init__(**kwargs)
        self.user_ids = [int(u) for u in str(users).split(",") if u.strip()]
        if not self.user_ids:
            raise ValueError("pixiv spider needs -a users=<id>[,<id>...]")
        self.cap = int(cap)
        self.api_base = api_base.rstrip("/")
        self.filters = Filters(image_size=image_size)
        # ids already in the raw store: never fetched again
        self.known = {int(i) for i in str(known).split(",") if i.strip()}
        # the login cookie is a credential: read from the environment, sent, never logged or stored
        session = os.environ.get("PHPSESSID", "")
        self.cookies = {"PHPSESSID": session} if session else {}

    async def start(self):
        for user_id in self.user_ids:
            yield scrapy.Request(f"{self.api_base}/user/{user_id}/profile/all",
                                 callback=self.parse_profile, cb_kwargs={"user_id": user_id},
                                 cookies=self.cookies)

    def parse_profile(self, response, user_id: int):
        try:
            ids = work_ids(json.loads(response.text))
        except (PixivApiError, ValueError) as error:
            self.crawler.stats.inc_value(f"pixiv/skipped/{getattr(error, 'reason', 'bad_json')}")
            return
        for illust_id in ids[: self.cap]:
            if illust_id in self.known:
                self.crawler.stats.inc_value("pixiv/skipped/known")
                continue
            yield scrapy.Request(f"{self.api_base}/illust/{illust_id}?lang=en",
                                 callback=self.parse_detail, cb_kwargs={"illust_id": illust_id},
                                 errback=self.failed, cookies=self.cookies,
                                 meta={"handle_httpstatus_list": [404]})

    def parse_detail(self, response, illust_id: int):
        detail = json.loads(response.text)
        try:
            body = unwrap(detail)
        except PixivApiError as error:
            self.crawler.stats.inc_value(f"pixiv/skipped/{error.reason}")
            return
        if int(body.get("pageCount") or 1) > 1:
            yield scrapy.Request(f"{self.api_base}/illust/{illust_id}/pages",
                                 callback=self.parse_pages, cb_kwargs={"detail": detail},
                                 cookies=self.cookies)
        else:
            yield from self.items(detail, None)

    def parse_pages(self, response, detail: dict):
        yield from self.items(detail, json.loads(response.text))

    def items(self, detail: dict, pages: dict | None):
        outcome = illust_rows(detail, pages, self.filters)
        if isinstance(outcome, str):
            self.crawler.stats.inc_value(f"pixiv/skipped/{outcome}")
            return
        for row in outcome:
            self.crawler.stats.inc_value("pixiv/rows")
            yield {**row, "file_urls": [row["url"]]}

    def failed(self, failure):
        self.crawler.stats.inc_value("pixiv/errors")
