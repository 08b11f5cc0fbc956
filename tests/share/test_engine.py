"""Request rules of the download engine: retries after 503 and 429 (Retry-After), gone on 404."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from replicas.common import Faults, LoopbackServer, Reply
from share.download import engine
from share.download.fetch import FetchFailure
from share.download.render import Recipe, Rendered, render_job
from share.download.rules import Rules, retry_wait


def image(path: str, headers: dict) -> Reply:
    if "missing" in path:
        return Reply(410, b"gone")
    buffer = io.BytesIO()
    Image.new("RGB", (60, 90), (200, 10, 10)).save(buffer, "JPEG")
    return Reply(200, buffer.getvalue(), "image/jpeg")


def test_retries_then_success_and_gone_sources():
    faults = Faults(server_errors={"/a.jpg": 2}, min_interval=0.0)
    rules = Rules(backoff=0.05, retries=3, allow_private=True)
    with LoopbackServer(image, faults, role="images") as host:
        jobs = [engine.Job(str(i), f"{host.base}/{name}", (Recipe(size=(30, 45)), ("full",), None))
                for i, name in enumerate(["a.jpg", "b.jpg", "missing.jpg"])]
        outcomes = [outcome for _, outcome in engine.run(jobs, render_job, rules=rules,
                                                          workers=1)]
        statuses = [e["status"] for e in host.log if e["path"] == "/a.jpg"]
    assert statuses == [503, 503, 200]
    assert isinstance(outcomes[0], Rendered) and isinstance(outcomes[1], Rendered)
    assert outcomes[0].images[0][1:] == (30, 45)
    assert outcomes[2].gone and outcomes[2].reason == "http_410"


def test_retry_after_is_honoured_and_capped():
    rules = Rules(backoff=1.0, max_retry_after=30)
    assert retry_wait(rules, 0, "7") == 7.0
    assert retry_wait(rules, 0, "9999") == 30
    assert retry_wait(rules, 2, None) == 4.0
    assert Rules(source="pixiv").headers("https://i.pximg.net/x.jpg")["Referer"] == \
        "https://www.pixiv.net/"
    assert Rules().host("http://127.0.0.1:8000/x").delay == 0
    assert Rules().host("https://www.comics.org/x").obey_robots


def test_live_sites_get_robots_delay_and_one_event_loop():
    def site(path: str, headers: dict) -> Reply:
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        return image(path, headers)

    rules = Rules(polite_loopback=True, live_delay=0.3, live_concurrency=2,
                  allow_private=True)
    with LoopbackServer(site, role="site") as host:
        names = ["a.jpg", "private/b.jpg", "c.jpg", "d.jpg"]
        jobs = [engine.Job(str(i), f"{host.base}/{n}", (Recipe(size=(30, 45)), ("full",), None))
                for i, n in enumerate(names)]
        outcomes = [o for _, o in engine.run(jobs, render_job, rules=rules, workers=1)]
        log = list(host.log)
    assert outcomes[1].reason == "robots_disallowed"
    assert all(isinstance(outcomes[i], Rendered) for i in (0, 2, 3))
    fetched = [e for e in log if e["path"] != "/robots.txt"]
    assert [e["path"] for e in fetched if "private" in e["path"]] == []
    starts = sorted(e["time"] for e in fetched)
    # the per-host delay, seen at the server (0.1 s of slack for a loaded machine's scheduling)
    assert all(b - a >= 0.2 for a, b in zip(starts, starts[1:]))
    assert all(e["user_agent"].startswith("inkset/") for e in log)


class _ListedHosts:
    """Stands in for the engine's Hosts: no network; records which jobs were started."""

    started: list[str] = []

    def __init__(self, rules, session) -> None:
        pass

    async def allowed(self, url: str) -> bool:
        return True

    async def fetch(self, url: str):
        _ListedHosts.started.append(url)
        if url.endswith("/boom"):
            raise ValueError("boom")
        return FetchFailure(None, url)


def _live_jobs(names):
    return [engine.Job(str(i), f"http://127.0.0.1:9/{n}", None) for i, n in enumerate(names)]


def test_live_path_keeps_job_order_and_the_window_bound(monkeypatch):
    monkeypatch.setattr(engine, "Hosts", _ListedHosts)
    monkeypatch.setattr(_ListedHosts, "started", [])
    names = [f"{i}.jpg" for i in range(8)]
    taken = []
    for position, (job, outcome) in enumerate(engine.run(
            _live_jobs(names), render_job, rules=Rules(polite_loopback=True, allow_private=True),
            window=2)):
        time.sleep(0.02)  # a slow consumer: the download loop runs ahead as far as it may
        assert len(_ListedHosts.started) <= position + 1 + 2
        taken.append((job.spool_name, outcome.reason))
    assert taken == [(str(i), f"http://127.0.0.1:9/{n}") for i, n in enumerate(names)]


def test_live_path_raises_a_failed_download_loop_and_closes_early(monkeypatch):
    monkeypatch.setattr(engine, "Hosts", _ListedHosts)
    rules = Rules(polite_loopback=True, allow_private=True)
    with pytest.raises(RuntimeError, match="download loop failed") as failed:
        list(engine.run(_live_jobs(["a.jpg", "boom"]), render_job, rules=rules))
    assert isinstance(failed.value.__cause__, ValueError)
    outcomes = engine.run(_live_jobs(["a.jpg", "b.jpg", "c.jpg"]), render_job, rules=rules,
                          window=1)
    assert next(outcomes)[0].spool_name == "0"
    outcomes.close()  # the pool shuts down; the daemon download thread is left waiting
