"""The Pixiv spider against the replica: exact rows, Referer on every image, no re-download."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from spiders.replicas.pixiv import PixivReplica, generate_truth

ROOT = Path(__file__).resolve().parents[2]
TRUTH = generate_truth(artists=2, works_per_artist=12)


def crawl(site, tmp_path: Path, run: int, *extra: str, env: dict | None = None) -> dict:
    raw = tmp_path / "raw"
    stats = tmp_path / f"stats{run}.json"
    users = ",".join(str(u) for u in TRUTH.artists)
    command = [sys.executable, "-m", "spiders.run", "pixiv", "-a", f"users={users}",
               "-a", f"api_base={site.api_base}/ajax", "--stats", str(stats),
               "-s", f"FILES_STORE={raw / 'images'}", "-s", f"PIXIV_ROWS={raw / 'illusts.parquet'}",
               "-s", f"HTTPCACHE_DIR={tmp_path / 'httpcache'}",
               "-s", f"JOBDIR={tmp_path / 'job'}-{run}",
               # loopback replica only: the polite delays are lifted to keep the test short
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert done.returncode in (0, 1), done.stderr[-3000:]
    (tmp_path / f"log{run}.txt").write_text(done.stdout + done.stderr)
    return json.loads(stats.read_text())


@pytest.mark.slow
def test_crawl_then_recrawl(tmp_path):
    with PixivReplica(TRUTH) as site:
        stats = crawl(site, tmp_path, 1)
        rows = pd.read_parquet(tmp_path / "raw/illusts.parquet")
        expected = {(w.illust_id, p) for u in TRUTH.artists for w in TRUTH.kept(u)
                    for p in range(w.pages)}
        assert set(zip(rows["illust_id"], rows["page"])) == expected and len(rows) == len(expected)
        for row in rows.itertuples():
            path = tmp_path / f"raw/images/{row.user_id}/{row.illust_id}_p{row.page}.{row.ext}"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
        image_requests = [r for r in site.log if r["role"] == "images"]
        assert image_requests and all(r["referer"] == "https://www.pixiv.net/"
                                      for r in image_requests if r["path"] != "/robots.txt")
        assert stats["pixiv/skipped/ugoira"] == 2 and stats["pixiv/skipped/ai_generated"] == 2
        assert stats["pixiv/skipped/api_error"] == 2  # the deleted works
        assert all("inkset/" in (r["user_agent"] or "") for r in site.log)
        before = len([r for r in image_requests if r["path"] != "/robots.txt"])
        crawl(site, tmp_path, 2)
        after = len([r for r in site.log if r["role"] == "images" and r["path"] != "/robots.txt"])
        assert after == before  # a second run downloads no image
        again = pd.read_parquet(tmp_path / "raw/illusts.parquet")
        assert len(again) == len(expected)  # no duplicate rows


@pytest.mark.slow
def test_429_pauses_the_crawl_for_retry_after(tmp_path):
    truth_small = generate_truth(artists=1, works_per_artist=6)
    with PixivReplica(truth_small, min_interval=0.4, retry_after=1) as site:
        global TRUTH
        saved, TRUTH = TRUTH, truth_small
        try:
            # a little faster than the site allows: some requests draw a 429
            stats = crawl(site, tmp_path, 1, "-s", "DOWNLOAD_DELAY=0.3",
                          "-s", "RANDOMIZE_DOWNLOAD_DELAY=False")
        finally:
            TRUTH = saved
        log = [r for r in site.log if r["role"] == "api"]
    assert stats["retry_after/429"] >= 1
    rows = pd.read_parquet(tmp_path / "raw/illusts.parquet")
    assert len(rows) == sum(w.pages for w in truth_small.kept(next(iter(truth_small.artists))))
    for earlier, later in zip(log, log[1:]):
        if earlier.get("status") == 429:
            assert later["time"] - earlier["time"] >= 1.0  # waited Retry-After


@pytest.mark.slow
def test_repeated_429_stops_the_crawl_with_a_reason(tmp_path):
    with PixivReplica(TRUTH, min_interval=100, retry_after=0) as site:
        stats = crawl(site, tmp_path, 1, "-s", "RETRY_AFTER_MAX_429=2")
    assert stats["finish_reason"] == "repeated_429"
    assert stats["retry_after/429"] == 3


@pytest.mark.slow
def test_the_login_cookie_is_sent_but_never_written(tmp_path):
    secret = "s3cr3t-session-0123456789"
    with PixivReplica(TRUTH) as site:
        crawl(site, tmp_path, 1, "-s", "LOG_LEVEL=DEBUG", env={"PHPSESSID": secret})
        api = [r for r in site.log if r["role"] == "api" and r["path"] != "/robots.txt"]
    assert api and all(r["cookie"] for r in api)
    images = [r for r in site.log if r["role"] == "images"]
    assert not any(r["cookie"] for r in images)  # the image host never gets it
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
