"""The GCD spider against the replica: exact rows and covers, politeness, faults, resume, secrets."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from replicas.common import Faults
from replicas.gcd import GcdReplica, generate_truth
from replicas.gcd.routes import upload_stamp

ROOT = Path(__file__).resolve().parents[3]
TRUTH = generate_truth(publishers=2, series_per_publisher=2, issues_per_series=6, broken=1,
                       cover_only=1)
# loopback replica only: the polite delays are lifted to keep the tests short
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "RETRY_BACKOFF_BASE=0.5")


def command(site, home: Path, run: int, *extra: str) -> tuple[list[str], dict]:
    args = [sys.executable, "-m", "spiders.run", "gcd", "-a", f"base={site.base}",
            "--stats", str(home / f"stats{run}.json"), "-s", f"JOBDIR={home / 'job'}",
            *FAST, *extra]
    if not any(a.startswith(("publishers=", "series=", "issues=")) for a in extra):
        args += ["-a", "publishers=" + ",".join(str(p) for p in TRUTH.publishers)]
    return args, {**os.environ, "INKSET_HOME": str(home)}


def crawl(site, home: Path, run: int, *extra: str, env: dict | None = None) -> dict:
    args, environment = command(site, home, run, *extra)
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={**environment, **(env or {})})
    (home / f"log{run}.txt").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((home / f"stats{run}.json").read_text())


def rows(home: Path) -> pd.DataFrame:
    return pd.read_parquet(home / "data/raw/gcd/issues.parquet")


def good_issues(truth=TRUTH):
    return {i.issue_id: i for i in truth.issues.values() if i.has_cover_sequence}


def requests(site, role: str, part: str = "") -> list[dict]:
    return [r for r in site.log if r["role"] == role and part in r["path"]
            and r["path"] != "/robots.txt"]


@pytest.mark.slow
def test_crawl_publishers_then_recrawl_downloads_nothing(tmp_path):
    with GcdReplica(TRUTH, page_size=4) as site:
        stats = crawl(site, tmp_path, 1)
        table = rows(tmp_path)
        expected = good_issues()
        assert sorted(table["issue_id"]) == sorted(expected)  # one row each, broken one out
        assert stats["gcd/errors/parse_no_cover_sequence"] == 1
        assert stats["gcd/covers/stored"] == len(expected)
        assert set(table["markup"]) == {"current", "old"}
        # the issue indexed cover-only keeps its row and its cover, with the reason
        only = {i.issue_id for i in TRUTH.issues.values() if i.cover_only}
        assert len(only) == 1 and set(table.loc[table["reason"].notna(), "issue_id"]) == only
        assert set(table.loc[table["issue_id"].isin(only), "reason"]) == {"no_stories_indexed"}
        for row in table.itertuples():
            issue = expected[row.issue_id]
            assert row.characters_raw == issue.characters_raw and row.cover_id == issue.cover_id
            data = (tmp_path / f"data/raw/gcd/covers/{row.cover_id // 1000}/"
                    f"{row.cover_id}.jpg").read_bytes()
            assert data == site.cover_bytes(row.cover_id)  # bytes exactly as served
            assert hashlib.sha256(data).hexdigest() == row.cover_sha256
        images = requests(site, "images")
        assert len(images) == len(expected)
        by_cover = {r.cover_id: r.source_url for r in table.itertuples()}
        for request in images:  # every image request names its issue page as Referer
            cover_id = int(request["path"].rsplit("/", 1)[1].split(".")[0])
            assert request["referer"] == by_cover[cover_id]
        assert all(r["user_agent"].startswith("inkset/") for r in site.log)
        assert not requests(site, "site", "history")
        pages_before = len(requests(site, "site", "/issue/"))
        crawl(site, tmp_path, 2)
        assert len(requests(site, "images")) == len(expected)  # no image again
        # stored issues are known; the broken one (no row) is read again from the HTTP cache
        assert len(requests(site, "site", "/issue/")) == pages_before
        assert len(rows(tmp_path)) == len(expected)
        assert not (tmp_path / "job").exists()  # a finished crawl drops its JOBDIR


@pytest.mark.slow
def test_robots_retry_after_and_5xx(tmp_path):
    series = sorted(TRUTH.series)
    blocked, allowed = series[0], series[1]
    first = TRUTH.series_issues(allowed)[0].issue_id
    faults = Faults(min_interval=0.25, retry_after=1,
                    server_errors={f"/issue/{first}/": 2})
    # Scrapy sends the double slash of the real URLs as one
    image_faults = Faults(truncate={f"/img/gcd/covers_by_id/{i.cover_id // 1000}/w400/"
                                    f"{i.cover_id}.jpg?{upload_stamp(i)}": 1
                                    for i in TRUTH.series_issues(allowed)[:1]})
    with GcdReplica(TRUTH, faults=faults, image_faults=image_faults,
                    robots_extra=f"Disallow: /series/{blocked}/covers/\n") as site:
        stats = crawl(site, tmp_path, 1, "-a", f"series={blocked},{allowed}",
                      "-s", "DOWNLOAD_DELAY=0.2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False")
        log = list(site.log)
    assert not [r for r in log if f"/series/{blocked}/" in r["path"]]  # robots obeyed
    assert stats["robotstxt/forbidden"] == 1
    assert sorted(rows(tmp_path)["issue_id"]) == [i.issue_id for i in
                                                  TRUTH.series_issues(allowed)]
    assert stats["retry_after/429"] >= 1
    site_log = [r for r in log if r["role"] == "site"]
    for earlier, later in zip(site_log, site_log[1:]):
        if earlier["status"] == 429:
            assert later["time"] - earlier["time"] >= 0.95  # Retry-After: 1 was waited
    tries = [r for r in log if r["path"] == f"/issue/{first}/" and r["status"] != 429]
    assert [r["status"] for r in tries] == [503, 503, 200]
    gaps = [b["time"] - a["time"] for a, b in zip(tries, tries[1:])]
    assert gaps[0] >= 0.45 and gaps[-1] >= 0.95  # backoff 0.5 s, then 1 s
    truncated = [r for r in log if r.get("truncated")]
    assert len(truncated) == 1 and stats["gcd/covers/stored"] == len(
        TRUTH.series_issues(allowed))  # the cut body was fetched again, not stored half


@pytest.mark.slow
def test_killed_crawl_reruns_without_duplicate_or_gap(tmp_path):
    truth = generate_truth(publishers=1, series_per_publisher=2, issues_per_series=15)
    with GcdReplica(truth, faults=Faults(slow=0.05)) as site:
        args, env = command(site, tmp_path, 1, "-a", f"publishers={next(iter(truth.publishers))}")
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        parts = tmp_path / "data/raw/gcd/issues.parts"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = sum(p.read_text().count("\n") for p in parts.glob("*.jsonl")) \
                if parts.exists() else 0
            if written >= 8:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert 8 <= written < len(truth.issues)  # killed midway
        images_before = len(requests(site, "images"))
        crawl(site, tmp_path, 2, "-a", f"publishers={next(iter(truth.publishers))}")
        table = rows(tmp_path)
        assert sorted(table["issue_id"]) == sorted(truth.issues)  # no gap, no duplicate
        assert table["cover_sha256"].notna().all()
        assert len(requests(site, "images")) <= images_before + len(truth.issues) - written
        covers = list((tmp_path / "data/raw/gcd/covers").rglob("*.jpg"))
        assert len(covers) == len(truth.issues)


@pytest.mark.slow
def test_api_mode_with_credentials_never_writes_them(tmp_path):
    secret = "pa55-w0rd-9f8e7d6c"
    series = sorted(TRUTH.series)[0]
    with GcdReplica(TRUTH, account=("reader", secret)) as site:
        stats = crawl(site, tmp_path, 1, "-a", "mode=api", "-a", f"series={series}",
                      "-s", "GCD_API_DELAY=0", "-s", "LOG_LEVEL=DEBUG",
                      env={"GCD_USERNAME": "reader", "GCD_PASSWORD": secret})
        api = requests(site, "site", "/api/")
        images = requests(site, "images")
    assert api and all(r["authorization"] and r["status"] == 200 for r in api)
    assert images and not any(r["authorization"] for r in images)  # the image host never gets it
    expected = [i for i in TRUTH.series_issues(series) if i.has_cover_sequence]
    table = rows(tmp_path)
    assert sorted(table["issue_id"]) == [i.issue_id for i in expected]
    assert list(table.sort_values("issue_id")["characters_raw"]) == [
        i.characters_raw for i in expected]
    assert stats["gcd/covers/stored"] == len(expected)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
            assert b"cmVhZGVy" not in path.read_bytes(), path  # nor its base64


@pytest.mark.slow
def test_a_challenged_cover_is_recorded_and_fetched_later(tmp_path):
    series = sorted(TRUTH.series)[1]
    target = TRUTH.series_issues(series)[2]
    with GcdReplica(TRUTH, challenge=frozenset({target.cover_id})) as site:
        stats = crawl(site, tmp_path, 1, "-a", f"series={series}")
    table = rows(tmp_path).set_index("issue_id")
    assert table.loc[target.issue_id, "cover_status"] == "cloudflare_challenge"
    assert pd.isna(table.loc[target.issue_id, "cover_sha256"])
    assert stats["gcd/errors/cover_cloudflare_challenge"] == 1
    assert not (tmp_path / f"data/raw/gcd/covers/{target.cover_id // 1000}/"
                f"{target.cover_id}.jpg").exists()
    with GcdReplica(TRUTH) as site:
        crawl(site, tmp_path, 2, "-a", f"series={series}")
        assert [r["path"].split("/")[2] for r in requests(site, "site", "/issue/")] == [
            str(target.issue_id)]
    table = rows(tmp_path).set_index("issue_id")
    assert table.loc[target.issue_id, "cover_status"] == "stored"
    assert len(table) == len(TRUTH.series_issues(series))


@pytest.mark.slow
def test_paused_crawl_resumes_from_its_jobdir(tmp_path):
    """Ctrl-C (one SIGINT) pauses: Scrapy saves its queue in JOBDIR; the next run continues it."""
    truth = generate_truth(publishers=1, series_per_publisher=2, issues_per_series=15)
    publisher = f"publishers={next(iter(truth.publishers))}"
    with GcdReplica(truth, faults=Faults(slow=0.05)) as site:
        args, env = command(site, tmp_path, 1, "-a", publisher)
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(requests(site, "site", "/issue/")) < 6:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=120) == 0
        paused = json.loads((tmp_path / "stats1.json").read_text())
        assert paused["finish_reason"] == "shutdown"
        job = tmp_path / "job"
        assert (job / "requests.queue").is_dir() and (job / "requests.seen").is_file()
        assert not (job / "inkset-running").exists()
        assert paused.get("gcd/items", 0) < len(truth.issues)
        resumed = crawl(site, tmp_path, 2, "-a", publisher)
        assert resumed["finish_reason"] == "finished"
        table = rows(tmp_path)
        assert sorted(table["issue_id"]) == sorted(truth.issues)  # no gap, no duplicate
        # the resumed run went on from the saved queue: the publisher page it starts from was
        # already seen, and no issue page was parsed twice (the HTTP cache would hide a re-fetch
        # from the replica's log, not from the spider's stats)
        assert resumed.get("gcd/pages/publisher", 0) == 0
        assert paused.get("gcd/pages/issue", 0) + resumed["gcd/pages/issue"] == len(truth.issues)
        assert not job.exists()  # a finished crawl drops its JOBDIR
