"""GCD pipelines: cover bytes through FilesPipeline, issue rows into raw/gcd/issues.parquet.

Rows survive a killed crawl: each row is appended (and flushed) to a per-crawl JSON-lines part file
as soon as its cover is stored; the parquet is rebuilt from the old table plus every part at the
start and end of a crawl. So a crawl killed with SIGKILL loses nothing it had finished, and the next
crawl skips those issues (spiders/gcd/spider.py reads `known_issues`). A replaced cover upload is
stored again under its name (atomic rename); a removed issue's row says `status` "gone".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from pathlib import Path

import pandas as pd
import scrapy
from scrapy.pipelines.files import FilesPipeline

from core.atomic import write_parquet
from spiders.files_store import ATOMIC_STORE_SCHEMES
from spiders.gcd.items import GcdIssueItem

log = logging.getLogger(__name__)
JPEG_MAGIC = b"\xff\xd8\xff"


def parts_dir(rows_path: Path) -> Path:
    return rows_path.with_suffix(".parts")


def load_rows(rows_path: Path) -> pd.DataFrame:
    """The stored table plus rows from unmerged part files, one row per issue (latest wins)."""
    frames = [pd.read_parquet(rows_path)] if rows_path.exists() else []
    for part in sorted(parts_dir(rows_path).glob("*.jsonl")):
        lines = [json.loads(line) for line in part.read_text().splitlines()
                 if line.endswith("}")]  # a line cut by a kill is incomplete JSON: skip it
        if lines:
            frames.append(pd.DataFrame(lines))
    if not frames:
        return pd.DataFrame(columns=[f for f in GcdIssueItem.__dataclass_fields__
                                     if f not in ("file_urls", "files")])
    table = pd.concat(frames, ignore_index=True)
    # a later row of an issue replaces an earlier one (e.g. a cover fetched after a failure)
    table = table.drop_duplicates("issue_id", keep="last")
    return table.sort_values("issue_id", kind="stable").reset_index(drop=True)


def merge_parts(rows_path: Path) -> int:
    """Fold every part file into the parquet (atomically), then remove the parts."""
    parts = sorted(parts_dir(rows_path).glob("*.jsonl"))
    if not parts:
        return len(pd.read_parquet(rows_path)) if rows_path.exists() else 0
    table = load_rows(rows_path)
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(rows_path, table)
    for part in parts:
        part.unlink()
    return len(table)


def known_issues(rows_path: Path) -> dict[int, dict]:
    """{issue id: its row} of issues stored with their cover (or known to have none): never
    fetched again unless a listing shows another cover upload, or they leave their listing."""
    table = load_rows(rows_path)
    done = table[table["cover_status"].isin(["stored", "uptodate", "no_cover"])]
    return {int(row["issue_id"]): row for row in done.to_dict("records")}


def known_issue_ids(rows_path: Path) -> set[int]:
    return set(known_issues(rows_path))


class GcdCoversPipeline(FilesPipeline):
    """Original cover bytes at covers/<cover_id // 1000>/<cover_id>.jpg, with an explicit Referer.

    A Cloudflare challenge (403 HTML), an error status or any non-JPEG body is never stored: the
    row keeps the reason as its cover_status and the next crawl tries again.
    """

    STORE_SCHEMES = {**FilesPipeline.STORE_SCHEMES, **ATOMIC_STORE_SCHEMES}

    @classmethod
    def from_crawler(cls, crawler):
        cls._update_stores(crawler.settings)
        return cls(crawler.settings["GCD_FILES_STORE"], crawler=crawler)

    def get_media_requests(self, item, info):
        # the issue page is where a browser would come from; dont_cache: bytes live in the store
        return [scrapy.Request(url, headers={"Referer": item.source_url},
                               meta={"dont_cache": True, "handle_httpstatus_all": True,
                                     "gcd_replaced": item.cover_status == "replaced"})
                for url in item.file_urls]

    def media_to_download(self, request, info, *, item=None):
        if request.meta.get("gcd_replaced"):  # a new upload under the stored file's name
            return None
        return super().media_to_download(request, info, item=item)

    def file_path(self, request, response=None, info=None, *, item=None):
        return f"covers/{item.cover_id // 1000}/{item.cover_id}.jpg"

    async def media_downloaded(self, response, request, info, *, item=None):
        reason = refusal_reason(response.status, response.headers, response.body)
        if reason:
            self.crawler.stats.inc_value(f"gcd/covers/refused/{reason}")
            log.warning("cover %s refused: %s", request.url, reason)
            # a result, not an exception: Scrapy logs those as errors and drops the reason
            return {"url": request.url, "path": None, "checksum": None, "status": reason}
        return await super().media_downloaded(response, request, info, item=item)

    def item_completed(self, results, item, info):
        if item.status == "gone":  # a removed issue's row: its stored cover stays as it is
            return item
        if not item.file_urls:
            item.cover_status = "no_cover"
            return item
        ok, value = results[0]
        if not ok or value["path"] is None:
            item.cover_status = value["status"] if ok else "download_failed"
            self.crawler.stats.inc_value(f"gcd/errors/cover_{item.cover_status}")
            return item
        path = Path(self.store.basedir) / value["path"]
        item.cover_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        item.cover_status = "stored" if value["status"] == "downloaded" else "uptodate"
        self.crawler.stats.inc_value(f"gcd/covers/{item.cover_status}")
        return item


def refusal_reason(status: int, headers, body: bytes) -> str | None:
    """Why a cover response is not a cover: a challenge page, an error, or not a JPEG."""
    if status == 403 and (headers.get(b"cf-mitigated") or b"Just a moment" in body[:2000]):
        return "cloudflare_challenge"
    if status != 200:
        return f"http_{status}"
    if not body.startswith(JPEG_MAGIC):
        return "not_a_jpeg"
    return None


class GcdRowsPipeline:
    """Appends each finished row to a part file at once; folds parts into the parquet."""

    def __init__(self, rows_path: str) -> None:
        self.rows_path = Path(rows_path)
        self.handle = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["GCD_ROWS"])

    def open_spider(self, spider=None):
        merge_parts(self.rows_path)  # a killed crawl's rows first
        part = parts_dir(self.rows_path) / f"{int(time.time() * 1000)}-{os.getpid()}.jsonl"
        part.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(part, "a", encoding="utf-8")

    def process_item(self, item, spider=None):
        # UTC ISO 8601, as the Pixiv rows: readable, sortable, no time zone guessing
        item.fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.handle.write(json.dumps(item.row(), ensure_ascii=False) + "\n")
        # flushed to the OS at once: a killed crawl (even SIGKILL) keeps every finished row;
        # no fsync, which would only guard against power loss and costs ms per row
        self.handle.flush()
        return item

    def close_spider(self, spider=None):
        self.handle.close()
        count = merge_parts(self.rows_path)
        log.info("raw/gcd/issues.parquet now holds %d issues", count)
