"""Request rules of the download engine: retries after 503 and 429 (Retry-After), gone on 404."""
from __future__ import annotations

import io

from PIL import Image

from replicas.common import Faults, LoopbackServer, Reply
from share.download import engine
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
    rules = Rules(backoff=0.05, retries=3)
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

    rules = Rules(polite_loopback=True, live_delay=0.3, live_concurrency=2)
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
