"""Pixiv pipelines: page images through FilesPipeline (pixiv Referer, atomic files), rows journalled."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path

import scrapy
from scrapy.exceptions import DropItem
from scrapy.pipelines.files import FilesPipeline

from spiders.files_store import ATOMIC_STORE_SCHEMES
from spiders.pixiv.api import REFERER
from spiders.pixiv.store import journal_path, merge_journal

log = logging.getLogger(__name__)


class PixivImagesPipeline(FilesPipeline):
    """Stores images/<user_id>/<illust_id>_p<page>.<ext>; i.pximg.net answers 403 without Referer."""

    STORE_SCHEMES = {**FilesPipeline.STORE_SCHEMES, **ATOMIC_STORE_SCHEMES}

    def get_media_requests(self, item, info):
        # no cookies on the image host: the login is for the API only
        return [scrapy.Request(url, headers={"Referer": REFERER}, meta={"dont_merge_cookies": True})
                for url in item.file_urls]

    def file_path(self, request, response=None, info=None, *, item=None):
        row = item.rows[item.file_urls.index(request.url)]
        return f"{row['user_id']}/{row['illust_id']}_p{row['page']}.{row['ext']}"

    def item_completed(self, results, item, info):
        missing = [url for (ok, _), url in zip(results, item.file_urls) if not ok]
        if missing:
            # a work is stored whole or not at all: the next run fetches it again
            self.crawler.stats.inc_value("pixiv/skipped/image_failed")
            raise DropItem(f"image_failed: {len(missing)} of {len(item.file_urls)} pages "
                           f"of illust {item.illust_id}")
        for row, (_, stored) in zip(item.rows, results):
            path = Path(self.store.basedir) / stored["path"]
            row["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            row["http_status"] = 200
            row["downloaded"] = stored.get("status") == "downloaded"
        item.files = [stored for _, stored in results]
        return item


class PixivRowsPipeline:
    """One journal line per stored illust (flushed at once); merged into illusts.parquet at close."""

    def __init__(self, path: str, user_agent: str, stats) -> None:
        self.path = Path(path)
        self.user_agent = user_agent
        self.stats = stats
        self.journal = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["PIXIV_ROWS"], crawler.settings["USER_AGENT"], crawler.stats)

    def open_spider(self, spider=None):
        merged = merge_journal(self.path)  # rows a killed run had finished
        if merged:
            log.info("merged %d rows left in the journal by an interrupted crawl", merged)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.journal = open(journal_path(self.path), "a", encoding="utf-8")

    def process_item(self, item, spider=None):
        fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        downloaded = sum(row.pop("downloaded", False) for row in item.rows)
        rows = [{**row, "fetched_at": fetched_at, "user_agent": self.user_agent}
                for row in item.rows]
        self.journal.write(json.dumps(rows, ensure_ascii=False) + "\n")
        self.journal.flush()
        self.stats.inc_value("pixiv/illusts_stored")
        self.stats.inc_value("pixiv/rows", len(rows))
        self.stats.inc_value("pixiv/images_downloaded", downloaded)
        return item

    def close_spider(self, spider=None):
        self.journal.close()
        merge_journal(self.path)
