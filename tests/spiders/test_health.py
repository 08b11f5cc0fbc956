"""Crawl health (issue 25 §2): refused requests (401, 403, challenges, 429 until the crawl gave
up) fail a crawl, naming the host that refused; a refresh publishes the other sources and
exits 1."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from scrapy.http import HtmlResponse, Request

from core.errors import InksetError
from spiders.health import RefusalStats, check_crawl

STATS = {"downloader/request_count": 10, "inkset/stats_file": "runs/crawls/gcd-1.json",
         "finish_reason": "finished"}


class Stats:
    def __init__(self) -> None:
        self.values: Counter = Counter()

    def inc_value(self, key, count=1):
        self.values[key] += count


def answer(url: str, status: int, body: bytes = b"<html></html>", **headers) -> dict:
    middleware = RefusalStats(Stats())
    response = HtmlResponse(url, status=status, body=body, headers=headers)
    assert middleware.process_response(Request(url), response) is response
    return dict(middleware.stats.values)


def test_refusals_are_counted_per_host_and_kind():
    assert answer("https://www.comics.org/issue/1/", 403) == {
        "inkset/refused/www.comics.org/HTTP 403": 1}
    assert answer("https://i.pximg.net/a.jpg", 401) == {"inkset/refused/i.pximg.net/HTTP 401": 1}
    assert answer("https://files1.comics.org/c.jpg", 503, **{"cf-mitigated": "challenge"}) == {
        "inkset/refused/files1.comics.org/challenge": 1}
    assert answer("https://files1.comics.org/c.jpg", 403, b"<title>Just a moment...</title>") \
        == {"inkset/refused/files1.comics.org/challenge": 1}
    assert answer("https://www.pixiv.net/ajax/x", 429) == {"inkset/throttled/www.pixiv.net": 1}
    assert answer("https://www.comics.org/", 200) == {}
    assert answer("https://www.comics.org/", 404) == {}


def test_a_crawl_refused_everywhere_fails_naming_the_host():
    blocked = {**STATS, "inkset/refused/www.comics.org/HTTP 403": 9,
               "inkset/refused/www.comics.org/challenge": 1}
    with pytest.raises(InksetError, match=r"^gcd crawl failed: all 10 requests failed or were "
                       r"refused by www.comics.org \(HTTP 403 from www.comics.org x9, challenge "
                       r"from www.comics.org x1\); stats: runs/crawls/gcd-1.json$"):
        check_crawl("gcd", blocked)
    some = {**STATS, "inkset/refused/i.pximg.net/HTTP 401": 3}
    with pytest.raises(InksetError, match=r"3 of 10 requests failed or were refused by "
                       r"i.pximg.net \(30% > 20%"):
        check_crawl("pixiv", some)
    check_crawl("pixiv", {**STATS, "inkset/refused/i.pximg.net/HTTP 401": 2})  # 20%: allowed
    throttled = {**STATS, "finish_reason": "repeated_429", "inkset/throttled/www.pixiv.net": 6}
    with pytest.raises(InksetError, match=r"pixiv crawl stopped: repeated_429, HTTP 429 from "
                       r"www.pixiv.net x6; stats"):
        check_crawl("pixiv", throttled)


def test_crawl_gcd_exits_1_when_refused(prefect_harness, tmp_path, monkeypatch, capsys):
    import flows.gcd as gcd
    from flows.cli import main

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    refused = {**STATS, "downloader/request_count": 4,
               "inkset/refused/www.comics.org/HTTP 403": 4, "gcd/items": 0}
    monkeypatch.setattr(gcd, "run_crawl", lambda *a, **k: dict(refused))
    monkeypatch.setattr(gcd, "crawl", gcd.crawl.with_options(retries=0))
    assert main(["crawl-gcd"]) == 1
    err = capsys.readouterr().err
    assert "inkset: error: gcd crawl failed: all 4 requests failed or were refused by " \
           "www.comics.org (HTTP 403 from www.comics.org x4)" in err


def test_refresh_publishes_the_other_sources_and_exits_1(prefect_harness, tmp_path,
                                                         monkeypatch, capsys):
    import flows.refresh as refresh
    from flows.cli import main

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    blocked = {**STATS, "inkset/refused/www.comics.org/HTTP 403": 10}

    def crawl(source, site, replica):
        if source == "gcd":
            check_crawl("gcd", blocked)  # what gcd's crawl task does with its stats
        return {"downloader/request_count": 3}
    built = []

    def build(source, names, site, workers, replica):
        built.append(source)
        return [str(tmp_path / "releases" / "pixiv-tags" / "2026.01.01")]
    monkeypatch.setattr(refresh, "_crawl", crawl)
    monkeypatch.setattr(refresh, "_build", build)
    assert main(["refresh", "gcd", "pixiv-tags", "--source", "live"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after Prefect's log lines
    assert err.startswith("inkset: error: refresh failed for gcd: gcd crawl failed: all 10 "
                          "requests failed or were refused by www.comics.org")
    assert built == ["pixiv"]  # gcd's build never ran on a refused crawl
    last = json.loads((tmp_path / "reports" / "refresh" / "last.json").read_text())
    assert list(last["new"]) == ["pixiv-tags"] and list(last["failed"]) == ["gcd"]
