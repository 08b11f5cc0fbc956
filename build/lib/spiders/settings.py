"""Scrapy settings shared by inkset's spiders: polite by default (robots, AutoThrottle, retries)."""
import os

BOT_NAME = "inkset"
SPIDER_MODULES = ["spiders.pixiv.spider", "spiders.gcd.spider"]
NEWSPIDER_MODULE = "spiders"

CONTACT = os.environ.get("INKSET_CONTACT", "https://github.com/inkset/inkset")
USER_AGENT = f"inkset/0.1 (dataset builder for comics research; +{CONTACT})"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.2
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]  # 429 goes to RetryAfterMiddleware
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.RetryAfterMiddleware": 540,
    # Scrapy's RetryMiddleware with an exponential backoff before each retry
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    # credentials from the environment, added last so queues and logs never hold them
    "spiders.middlewares.EnvBasicAuthMiddleware": 950,
}
RETRY_BACKOFF_BASE = 2.0   # seconds before the first retry, doubling each time
RETRY_BACKOFF_MAX = 120.0
RETRY_AFTER_MAX_429 = 5

HTTPCACHE_ENABLED = False  # spiders turn it on for metadata requests where it is safe
HTTPCACHE_STORAGE = "spiders.cache.CredentialFreeCacheStorage"  # no Cookie on disk
TELNETCONSOLE_ENABLED = False
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}  # no listening ports
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 15.0  # "Crawled N pages ..., scraped N items" on the console this often
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Where things go: under the work dir (INKSET_HOME), as docs/contracts.md §1 and §2 lay out.
from core.paths import work_dirs  # noqa: E402 - settings are plain module constants

_DIRS = work_dirs()
HTTPCACHE_DIR = str(_DIRS.cache / "http")
FILES_STORE = str(_DIRS.raw / "pixiv" / "images")
PIXIV_ROWS = str(_DIRS.raw / "pixiv" / "illusts.parquet")
GCD_ROWS = str(_DIRS.raw / "gcd" / "issues.parquet")
GCD_FILES_STORE = str(_DIRS.raw / "gcd")  # covers/<cover_id // 1000>/<cover_id>.jpg under it
FILES_EXPIRES = 36500  # originals never change: a stored image is never fetched again
