"""Run one crawl in this process (call it as a subprocess): `python -m spiders.run <spider> ...`.

Twisted's reactor cannot restart, so every crawl gets its own process; the stats go to --stats.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path

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
    jobdir = Path(settings["JOBDIR"]) if settings.get("JOBDIR") else None
    prepare_jobdir(jobdir)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    process.crawl(crawler, **dict(pair.partition("=")[::2] for pair in options.args))
    process.start()
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in crawler.stats.get_stats().items()}
    with open(options.stats, "w") as handle:
        json.dump(stats, handle, indent=2, sort_keys=True, default=str)
    finish_jobdir(jobdir, stats.get("finish_reason"))
    return 0 if not stats.get("log_count/ERROR") else 1


def prepare_jobdir(jobdir: Path | None) -> None:
    """Mark the JOBDIR in use; clear it first if the last crawl in it was killed.

    Scrapy saves its queue on a clean stop only (a pause with Ctrl-C); after SIGKILL the queue and
    the seen-requests file are half written and would hide requests whose items were never
    stored. Starting over is safe: stored issues and images are skipped, pages come from cache.
    """
    if jobdir is None:
        return
    marker = jobdir / "inkset-running"
    if marker.exists():
        logging.getLogger(__name__).warning("%s: the last crawl was killed; starting afresh",
                                            jobdir)
        shutil.rmtree(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))


def finish_jobdir(jobdir: Path | None, reason: str | None) -> None:
    """A finished crawl drops its JOBDIR (a refresh starts fresh); a paused one keeps it."""
    if jobdir is None:
        return
    if reason == "finished":
        shutil.rmtree(jobdir, ignore_errors=True)
    else:
        (jobdir / "inkset-running").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
