"""Run one crawl in this process (call it as a subprocess): `python -m spiders.run <spider> ...`.

Twisted's reactor cannot restart, so every crawl gets its own process; the stats go to --stats.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spider")
    parser.add_argument("-a", dest="args", action="append", default=[], help="spider argument k=v")
    parser.add_argument("-s", dest="settings", action="append", default=[], help="setting K=V")
    parser.add_argument("--stats", required=True, help="where to write the crawl's stats JSON")
    options = parser.parse_args(argv)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    settings = get_project_settings()
    for pair in options.settings:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    process.crawl(crawler, **dict(pair.partition("=")[::2] for pair in options.args))
    process.start()
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in crawler.stats.get_stats().items()}
    with open(options.stats, "w") as handle:
        json.dump(stats, handle, indent=2, sort_keys=True, default=str)
    return 0 if not stats.get("log_count/ERROR") else 1


if __name__ == "__main__":
    sys.exit(main())
