"""The Pixiv spider against the replica: exact rows, Referer, 429 waits, resume, no re-download."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from core.paths import project_root, work_dirs
from replicas.pixiv import PixivReplica, generate_truth, null_summary
from spiders.pixiv.crawl import CrawlOptions, crawl_command, jobdir_for, run_crawl
from spiders.pixiv.store import journal_path

TRUTH = generate_truth(artists=2, works_per_artist=12)
pytestmark = pytest.mark.slow


def options(truth=TRUTH, **overrides) -> CrawlOptions:
    return CrawlOptions(users=tuple(truth.artists), profile="fast-loopback", **overrides)


def crawl(site, home: Path, truth=TRUTH, env=None, **settings) -> dict:
    settings = {"LOG_FILE": str(home / "crawl.log"), **settings}
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        return run_crawl(options(truth), f"{site.api_base}/ajax", home=str(home),
                         settings={k: str(v) for k, v in settings.items()}, timeout=300)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def expected_rows(truth) -> set[tuple[int, int]]:
    return {(w.illust_id, p) for u in truth.artists for w in truth.kept(u) for p in range(w.pages)}


def stored_rows(home: Path) -> pd.DataFrame:
    return pd.read_parquet(work_dirs(home).raw / "pixiv" / "illusts.parquet")


def image_requests(site) -> list[dict]:
    return [r for r in site.log if r["role"] == "images" and r["path"] != "/robots.txt"]


def details_asked(log: list[dict]) -> set[int]:
    """Illust ids whose detail (or /pages) was requested."""
    return {int(r["path"].split("/")[3].split("?")[0]) for r in log
            if r["path"].startswith("/ajax/illust/")}


def start_crawl(site, truth, dirs, env=None) -> subprocess.Popen:
    """A crawl in the background, slowed a little so it can be interrupted half way."""
    command = crawl_command(options(truth), f"{site.api_base}/ajax", dirs.runs / "s.json", {
        "JOBDIR": str(jobdir_for(options(truth), dirs)), "FILES_STORE": str(dirs.raw / "pixiv/images"),
        "PIXIV_ROWS": str(dirs.raw / "pixiv/illusts.parquet"),
        "HTTPCACHE_DIR": str(dirs.cache / "http-pixiv"), "DOWNLOAD_DELAY": "0.05",
        "LOG_FILE": str(dirs.home / "crawl.log"), "LOG_LEVEL": "DEBUG"})
    dirs.runs.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, cwd=project_root(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)


def wait_for_journal(child, rows_path: Path, lines: int) -> None:
    journal = journal_path(rows_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= lines:
            return
        time.sleep(0.05)
    raise AssertionError("the crawl finished (or stalled) before it could be interrupted")


def test_crawl_then_recrawl(tmp_path):
    with PixivReplica(TRUTH) as site:
        stats = crawl(site, tmp_path)
        rows = stored_rows(tmp_path)
        expected = expected_rows(TRUTH)
        assert set(zip(rows["illust_id"], rows["page"])) == expected and len(rows) == len(expected)
        for user_id in TRUTH.artists:  # exact counts per artist
            assert (rows["user_id"] == user_id).sum() == sum(w.pages for w in TRUTH.kept(user_id))
        images = work_dirs(tmp_path).raw / "pixiv" / "images"
        for row in rows.itertuples():
            path = images / f"{row.user_id}/{row.illust_id}_p{row.page}.{row.ext}"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
        assert image_requests(site) and all(r["referer"] == "https://www.pixiv.net/"
                                            for r in image_requests(site))
        # every kind of work the filters drop, counted by reason (2 artists x 1 of each kind;
        # the seventh work is hidden for one artist, My pixiv-only for the other)
        for reason in ("ugoira", "ai_generated", "x_restrict_1"):
            assert stats[f"pixiv/skipped/{reason}"] == 2, reason
        assert stats["pixiv/skipped/no_image_urls"] == stats["pixiv/skipped/restrict_1"] == 1
        # deleted works are not listed (profile/all): never asked for
        deleted = {w.illust_id for w in TRUTH.works.values() if w.deleted}
        assert deleted and not details_asked(site.log) & deleted
        assert stats["pixiv/rows"] == len(expected)
        assert stats["pixiv/images_downloaded"] == len(expected)
        assert all(r["user_agent"].startswith("inkset/") for r in site.log)
        assert set(rows["user_agent"]) == {site.log[0]["user_agent"]}
        before, logged = len(image_requests(site)), len(site.log)
        second = crawl(site, tmp_path)
    assert len(image_requests(site)) == before  # a second run downloads no image
    # known works are compared through the user page's summaries: no detail of them, but for
    # the works whose summary is null (no verdict: their detail is read, and found unchanged)
    known = {i for i, _ in expected}
    unsummarised = {i for i in known if null_summary(i)}
    assert unsummarised and details_asked(site.log[logged:]) & known == unsummarised
    assert any("/profile/illusts?" in r["path"] for r in site.log[logged:])
    # new works dropped after their detail (hidden: no image URLs) are remembered with their
    # summary, so the next crawl, from another host port (no HTTP cache hit), asks no detail
    dropped = json.loads((work_dirs(tmp_path).raw / "pixiv" / "dropped.json").read_text())
    assert sorted(v["reason"] for v in dropped.values()) == ["no_image_urls"]
    with PixivReplica(TRUTH) as other:
        crawl(other, tmp_path)
    assert all(null_summary(i) for i in details_asked(other.log))
    assert not details_asked(other.log) & {int(i) for i in dropped}
    assert second["pixiv/skipped/known"] == len({i for i, _ in expected})
    assert "pixiv/rows" not in second
    assert len(stored_rows(tmp_path)) == len(expected)  # no duplicate rows


def test_killed_crawl_resumes_without_duplicate_or_gap(tmp_path):
    truth = generate_truth(artists=2, works_per_artist=24, seed=3)
    dirs = work_dirs(tmp_path)
    rows_path = dirs.raw / "pixiv" / "illusts.parquet"
    with PixivReplica(truth) as site:
        jobdir = jobdir_for(options(truth), dirs)
        journal = journal_path(rows_path)
        child = start_crawl(site, truth, dirs)
        wait_for_journal(child, rows_path, lines=4)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert not rows_path.exists()  # only the journal holds the finished illusts
        assert (jobdir / "inkset-running").exists()  # the next run knows this one was killed
        first_illusts = len(journal.read_text().splitlines())
        stats = crawl(site, tmp_path, truth)
    rows = stored_rows(tmp_path)
    expected = expected_rows(truth)
    assert len(rows) == len(expected)  # no duplicate
    assert set(zip(rows["illust_id"], rows["page"])) == expected  # no gap
    assert stats["pixiv/skipped/known"] >= first_illusts
    assert not journal_path(rows_path).exists()
    for row in rows.itertuples():
        path = dirs.raw / "pixiv" / "images" / f"{row.user_id}/{row.illust_id}_p{row.page}.{row.ext}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256


def test_429_pauses_the_crawl_for_retry_after(tmp_path):
    truth = generate_truth(artists=1, works_per_artist=6)
    with PixivReplica(truth, min_interval=0.4, retry_after=1) as site:
        # a little faster than the site allows: some requests draw a 429
        stats = crawl(site, tmp_path, truth, DOWNLOAD_DELAY=0.3)
        log = [r for r in site.log if r["role"] == "api"]
    assert stats["retry_after/429"] >= 1
    assert len(stored_rows(tmp_path)) == len(expected_rows(truth))
    waits = [later["time"] - earlier["time"] for earlier, later in zip(log, log[1:])
             if earlier.get("status") == 429]
    assert waits and min(waits) >= 1.0  # waited Retry-After before the next API request


def test_repeated_429_stops_the_crawl_with_a_reason(tmp_path):
    with PixivReplica(TRUTH, min_interval=100, retry_after=0) as site:
        stats = crawl(site, tmp_path, RETRY_AFTER_MAX_429=2)
    assert stats["finish_reason"] == "repeated_429"
    assert stats["retry_after/429"] == 3
    assert jobdir_for(options(), work_dirs(tmp_path)).is_dir()  # kept: the run can resume


def test_robots_disallow_stops_the_crawl(tmp_path):
    robots = "User-agent: inkset\nDisallow: /ajax/illust/\n"
    with PixivReplica(TRUTH, robots=robots) as site:
        stats = crawl(site, tmp_path)
        paths = [r["path"] for r in site.log if r["role"] == "api"]
    assert stats["finish_reason"] == "robots_disallowed"
    assert not any(p.startswith("/ajax/illust/") for p in paths)


def test_the_login_cookie_is_sent_but_never_written(tmp_path):
    secret = "s3cr3t-session-0123456789"
    with PixivReplica(TRUTH) as site:
        stats = crawl(site, tmp_path, env={"PHPSESSID": secret}, LOG_LEVEL="DEBUG")
        api = [r for r in site.log if r["role"] == "api" and r["path"] != "/robots.txt"]
        images = image_requests(site)
    assert api and all(r["cookie"] for r in api)
    assert images and not any(r["cookie"] for r in images)  # the image host never gets it
    # logged in, R-18 and My pixiv-only works show their URLs (then x_restrict and restrict drop
    # them); hidden ones stay null
    assert stats["pixiv/skipped/x_restrict_1"] == 2 and stats["pixiv/skipped/no_image_urls"] == 1
    assert stats["pixiv/skipped/restrict_1"] == 1
    # a paused crawl (Ctrl-C) keeps its JOBDIR queue on disk: the cookie must not be in it
    truth = generate_truth(artists=2, works_per_artist=24, seed=5)
    dirs = work_dirs(tmp_path / "paused")
    with PixivReplica(truth) as site:
        child = start_crawl(site, truth, dirs, env={**os.environ, "PHPSESSID": secret})
        wait_for_journal(child, dirs.raw / "pixiv" / "illusts.parquet", lines=2)
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=60) in (0, 1)
    queued = [p for p in (jobdir_for(options(truth), dirs) / "requests.queue").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in queued) > 100  # requests waiting for the resume
    assert (tmp_path / "crawl.log").stat().st_size > 0
    checked = 0
    for path in tmp_path.rglob("*"):
        if path.is_file():
            checked += 1
            assert secret.encode() not in path.read_bytes(), path
    assert checked > 20


def test_originals_and_first_frames_of_ugoira(tmp_path):
    """image_size=original fetches img-original files; ugoira=first_frame keeps frame 0."""
    ugoira = {w.illust_id for w in TRUTH.works.values() if w.illust_type == 2}
    assert ugoira
    chosen = CrawlOptions(users=tuple(TRUTH.artists), profile="fast-loopback",
                          image_size="original", ugoira="first_frame")
    with PixivReplica(TRUTH) as site:
        stats = run_crawl(chosen, f"{site.api_base}/ajax", home=str(tmp_path), timeout=300)
        paths = [r["path"] for r in image_requests(site)]
    rows = stored_rows(tmp_path)
    expected = expected_rows(TRUTH) | {(i, 0) for i in ugoira}
    assert set(zip(rows["illust_id"], rows["page"])) == expected and len(rows) == len(expected)
    assert "pixiv/skipped/ugoira" not in stats
    assert paths and all(p.startswith("/img-original/img/") for p in paths)
    frames = rows[rows["illust_id"].isin(ugoira)]
    assert all(url.endswith(f"{i}_ugoira0.jpg") for i, url in zip(frames["illust_id"],
                                                                   frames["url"]))
    images = work_dirs(tmp_path).raw / "pixiv" / "images"
    for row in frames.itertuples():  # stored under the page name, bytes as served
        data = (images / f"{row.user_id}/{row.illust_id}_p0.{row.ext}").read_bytes()
        assert data[:3] == b"\xff\xd8\xff" and hashlib.sha256(data).hexdigest() == row.sha256
