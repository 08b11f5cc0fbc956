"""A crawl shows its progress while it runs and says where its log and stats are (issue 22)."""
from __future__ import annotations

import io
import json
import sys

from core.paths import work_dirs
from spiders.subprocess_crawl import run_spider

# stands in for `python -m spiders.run`: Scrapy-formatted log lines, then the stats file
FAKE_CRAWL = """
import json, sys, time
stats = sys.argv[sys.argv.index('--stats') + 1]
for line in ['[scrapy.core.engine] INFO: Spider opened',
             '[scrapy.extensions.logstats] INFO: Crawled 0 pages (at 0 pages/min), scraped 0 items (at 0 items/min)',
             '[gcd] DEBUG: something only the log file needs',
             '[scrapy.extensions.logstats] INFO: Crawled 12 pages (at 12 pages/min), scraped 5 items (at 5 items/min)',
             '[scrapy.core.engine] INFO: Spider closed (finished)']:
    print('2026-12-06 03:48:12 ' + line, flush=True)
json.dump({'finish_reason': 'finished', 'item_scraped_count': 5}, open(stats, 'w'))
"""


def test_progress_lines_reach_the_console_and_everything_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    dirs = work_dirs()
    stats_path = tmp_path / "gcd-1.json"
    console = io.StringIO()
    command = [sys.executable, "-c", FAKE_CRAWL, "spiders.run", "gcd", "--stats", str(stats_path)]
    stats = run_spider(command, stats_path, dirs, timeout=120, console=console)
    assert stats["item_scraped_count"] == 5
    assert stats["inkset/stats_file"] == str(stats_path)
    assert console.getvalue().splitlines() == [
        f"gcd crawl: log {tmp_path / 'gcd-1.log'}, stats {stats_path}",
        "gcd crawl: Crawled 0 pages (at 0 pages/min), scraped 0 items (at 0 items/min)",
        "gcd crawl: Crawled 12 pages (at 12 pages/min), scraped 5 items (at 5 items/min)",
        "gcd crawl: Spider closed (finished)"]
    log = (tmp_path / "gcd-1.log").read_text()
    assert "something only the log file needs" in log and log.count("\n") == 5
    assert json.loads(stats_path.read_text())["finish_reason"] == "finished"
