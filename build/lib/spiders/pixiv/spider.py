"""The Pixiv artist spider: profile/all -> illust detail (+ pages) -> one item per illust; parses only.

Listed works are first read through the user page's summaries (/profile/illusts, 48 works a
request: tags, title, type, rating, AI flag, page count, size). A known work whose summary equals
its stored rows, and a new one the filters drop by rating, AI flag or type, need no detail; the
others, and known works that left the listing, have their detail read. Tag translations are not
in the summaries: a translation-only edit shows when the work's detail is next read."""
from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest

from core.paths import work_dirs
from spiders.pixiv.api import (AJAX, Filters, PixivApiError, illust_rows, rating_reason,
                               stored_facts, summaries, summary_facts, summary_url, unwrap,
                               work_ids)
from spiders.pixiv.items import PixivIllustItem
from spiders.pixiv.store import latest_rows, load_dropped, save_dropped


SUMMARY_BATCH = 48  # ids per /profile/illusts request, as the user page asks


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
        self.known: dict[int, list[dict]] = {}

    async def start(self):
        # known illusts: images never fetched again, metadata re-read (edits, deletions)
        self.known = latest_rows(self.settings["PIXIV_ROWS"])
        self.dropped = load_dropped(self.settings["PIXIV_ROWS"], time.time())
        self.summary_of: dict[int, dict] = {}  # summaries of new works whose detail is asked
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
        # a deleted work drops out of the listing: its detail is asked for all the same
        gone = sorted(i for i, rows in self.known.items()
                      if int(rows[0]["user_id"]) == user_id and i not in ids)
        for illust_id in gone:
            yield self._detail(illust_id, True)
        # the user page's summaries, 48 works a request, say which details to read
        listed = ids[: self.cap]
        for start in range(0, len(listed), SUMMARY_BATCH):
            batch = listed[start: start + SUMMARY_BATCH]
            yield self._api(summary_url(self.api_base, user_id, batch), self.parse_summaries,
                            {"ids": batch}, fresh=True, dont_filter=True)

    def _api(self, url: str, callback, cb_kwargs: dict, fresh: bool, **kwargs) -> scrapy.Request:
        """An AJAX API request whose 400/403/404 answers the callback reads (their JSON says
        why); `fresh`: never from the HTTP cache."""
        return scrapy.Request(url, callback=callback, cb_kwargs=cb_kwargs, errback=self.failed,
                              meta={"dont_cache": fresh,
                                    "handle_httpstatus_list": [400, 403, 404]}, **kwargs)

    def _detail(self, illust_id: int, known: bool) -> scrapy.Request:
        # a known work's metadata is compared with the store: never cached
        return self._api(f"{self.api_base}/illust/{illust_id}?lang=en", self.parse_detail,
                         {"illust_id": illust_id, "known": known}, fresh=known)

    def parse_summaries(self, response, ids: list[int]):
        """A known work whose summary equals the store, or a new one the filters drop by its
        summary, is done; every other work's detail decides (a missing summary included)."""
        try:
            found, answered = summaries(json.loads(response.text)), True
        except ValueError:  # no summaries (an error answer): every detail is read instead
            found, answered = {}, False
        for illust_id in ids:
            known, summary = illust_id in self.known, found.get(illust_id)
            try:
                if summary is None:  # listed, yet the user page cannot show it: its detail
                    done = answered and not known and "deleted"  # would answer 404
                elif known:
                    done = summary_facts(summary) == stored_facts(self.known[illust_id])
                else:  # dropped by its rating, or before with this very summary
                    done = rating_reason(summary, self.filters) or self._dropped(illust_id,
                                                                                 summary)
            except (KeyError, TypeError, ValueError):  # a field missing: ask the detail
                done = False
            if done:
                self.skip("known" if known else done)
            else:
                if summary is not None and not known:
                    self.summary_of[illust_id] = summary
                yield self._detail(illust_id, known)

    def _dropped(self, illust_id: int, summary: dict) -> str | None:
        entry = self.dropped.get(str(illust_id))
        return entry["reason"] if entry and entry.get("summary") == summary else None

    def _remember_drop(self, illust_id: int, reason: str) -> None:
        """A new work dropped after reading its detail: while its summary stays the same (and
        DROPPED_DAYS), the next crawls take the same decision without the detail."""
        summary = self.summary_of.pop(illust_id, None)
        if summary is not None:
            self.dropped[str(illust_id)] = {"reason": reason, "summary": summary,
                                            "checked": time.time()}

    def closed(self, reason):
        save_dropped(self.settings["PIXIV_ROWS"], self.dropped)

    def parse_detail(self, response, illust_id: int, known: bool = False):
        try:
            detail = json.loads(response.text)
            body = unwrap(detail)
        except ValueError as error:  # PixivApiError is a ValueError, so is bad JSON
            reason = "deleted" if response.status == 404 else getattr(error, "reason", "bad_json")
            if known and reason != "bad_json":
                yield self.gone(illust_id, reason)
            elif reason != "bad_json":
                self._remember_drop(illust_id, reason)
            self.skip(reason)
            return
        if int(body.get("pageCount") or 1) > 1:
            yield self._api(f"{self.api_base}/illust/{illust_id}/pages", self.parse_pages,
                            {"detail": detail, "known": known}, fresh=known)
        else:
            yield from self.items(detail, None, known)

    def parse_pages(self, response, detail: dict, known: bool = False):
        try:
            yield from self.items(detail, json.loads(response.text), known)
        except ValueError as error:
            self.skip(getattr(error, "reason", "bad_json"))

    def items(self, detail: dict, pages: dict | None, known: bool = False):
        outcome = illust_rows(detail, pages, self.filters)
        illust_id = int(unwrap(detail)["illustId"])
        if isinstance(outcome, str):
            if known:  # e.g. made R-18 or hidden since: no longer ours to ship
                yield self.gone(illust_id, outcome)
            else:
                self._remember_drop(illust_id, outcome)
            self.skip(outcome)
            return
        if known:
            if [_facts(r) for r in outcome] == [_facts(r) for r in self.known[illust_id]]:
                self.skip("known")  # known and unchanged
                return
            self.crawler.stats.inc_value("pixiv/changed")
        # a changed known work's files are already stored: FilesPipeline fetches no bytes
        yield PixivIllustItem(rows=outcome, file_urls=[row["url"] for row in outcome])

    def gone(self, illust_id: int, reason: str) -> PixivIllustItem:
        """Rows saying a stored work is gone (the store appends; a page's last row counts)."""
        self.crawler.stats.inc_value("pixiv/gone")
        return PixivIllustItem(rows=[{"illust_id": illust_id, "user_id": int(r["user_id"]),
                                      "page": int(r["page"]), "status": "gone", "reason": reason}
                                     for r in self.known[illust_id]])

    def failed(self, failure):
        if failure.check(IgnoreRequest) and self.crawler.stats.get_value("robotstxt/forbidden"):
            # robots.txt says no to our User-Agent: stop instead of crawling around it
            raise CloseSpider("robots_disallowed")
        self.crawler.stats.inc_value("pixiv/errors")
        self.logger.warning("request failed: %s", failure.getErrorMessage())


FACTS = ("page", "user_name", "title", "illust_type", "x_restrict", "ai_type", "tags", "tags_en",
         "url", "width", "height")


def _facts(row: dict) -> tuple:
    """What a refresh compares: labels and metadata (lists, whatever container they come in)."""
    def plain(value):
        if hasattr(value, "__len__") and not isinstance(value, str):
            return list(value)
        return None if value is None or value != value else value  # NaN (a parquet gap): None
    # the image's path, not its host: the same file may be served from another mirror
    return tuple(urlparse(v).path if k == "url" and isinstance(v, str) else plain(v)
                 for k, v in ((k, row.get(k)) for k in FACTS))
