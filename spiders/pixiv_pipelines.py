"""Pixiv pipelines: original bytes through FilesPipeline (with a pixiv Referer), rows to parquet."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd
import scrapy
from scrapy.exceptions import DropItem
from scrapy.pipelines.files import FilesPipeline

from preprocess.release.atomic import write_parquet
from spiders.pixiv_api import REFERER

ROW_KEYS = ("illust_id", "page")


class PixivImagesPipeline(FilesPipeline):
    """Stores images/<user_id>/<illust_id>_p<page>.<ext>; i.pximg.net needs the Referer."""

    def get_media_requests(self, item, info):
        return [scrapy.Request(url, headers={"Referer": REFERER}) for url in item["file_urls"]]

    def file_path(self, request, response=None, info=None, *, item=None):
        return f"{item['user_id']}/{item['illust_id']}_p{item['page']}.{item['ext']}"

    def item_completed(self, results, item, info):
        stored = [entry for ok, entry in results if ok]
        if not stored:
            raise DropItem(f"image not downloaded: {item['url']}")
        path = Path(self.store.basedir) / stored[0]["path"]
        item["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        item["http_status"] = 200
        return item


class PixivRowsPipeline:
    """Appends rows to raw/pixiv/illusts.parquet at the end of the crawl, one row per (illust, page)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.rows: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["PIXIV_ROWS"])

    def process_item(self, item):
        row = {k: v for k, v in item.items() if k not in ("file_urls", "files")}
        row["fetched_at"] = time.time()
        self.rows.append(row)
        return item

    def close_spider(self):
        frames = [pd.read_parquet(self.path)] if self.path.exists() else []
        frames.append(pd.DataFrame(self.rows))
        table = pd.concat(frames, ignore_index=True)
        if len(table):
            table = table.drop_duplicates(list(ROW_KEYS), keep="first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_parquet(self.path, table)
