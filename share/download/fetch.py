"""Worker-side fetching: per-host limits, robots.txt, retries; imports no pandas, so pool
workers start fast."""
from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing.util
import os
import time
import urllib.robotparser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import aiohttp

from core.names import check_key_name

from .guard import PublicResolver, Refused, check_url
from .render import Rendered, safe_render
from .rules import GONE_STATUSES, RETRY_STATUSES, Rules, retry_wait

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Job:
    """One source to fetch; `spool_name` names its kept outcome in the spool (unique per run)."""

    spool_name: str
    url: str
    payload: Any


@dataclass(frozen=True)
class FetchFailure:
    """A source that could not be fetched: `gone` for 404/410, else a failed download."""

    status: int | None
    reason: str

    @property
    def gone(self) -> bool:
        return self.status in GONE_STATUSES


def open_session(rules: Rules) -> aiohttp.ClientSession:
    """The HTTP session of a run: keep-alive, no connection limit (Hosts limits per host), and
    unless `rules.allow_private`, a resolver that refuses non-public addresses (guard.py)."""
    resolver = None if rules.allow_private else PublicResolver()
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, resolver=resolver)
    return aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=rules.timeout))


class Hosts:
    """Per-host semaphores and start times (delay, Retry-After holds), plus robots.txt."""

    def __init__(self, rules: Rules, session: aiohttp.ClientSession) -> None:
        self.rules, self.session = rules, session
        self.slots: dict[str, asyncio.Semaphore] = {}
        self.next_start: dict[str, float] = {}
        # one robots.txt request per host per run: the first job of a host fetches it, the jobs
        # that arrive meanwhile await the same task instead of sending their own
        self.robots: dict[str, asyncio.Task] = {}

    async def allowed(self, url: str) -> bool:
        if not self.rules.host(url).obey_robots:
            return True
        try:
            parts = urlsplit(check_url(url, self.rules.allow_private))
        except Refused:
            return True  # fetch() refuses it with its reason
        if parts.netloc not in self.robots:
            self.robots[parts.netloc] = asyncio.ensure_future(self._robots(url))
        parser = await self.robots[parts.netloc]
        return parser.can_fetch(self.rules.headers(url)["User-Agent"], url)

    async def _robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        parts = urlsplit(url)
        parser = urllib.robotparser.RobotFileParser()
        try:
            async with self.session.get(f"{parts.scheme}://{parts.netloc}/robots.txt",
                                        headers=self.rules.headers(url)) as reply:
                text = await reply.text() if reply.status == 200 else ""
        except (aiohttp.ClientError, asyncio.TimeoutError, Refused, UnicodeDecodeError):
            text = ""
        parser.parse(text.splitlines())
        return parser

    async def fetch(self, url: str) -> bytes | FetchFailure:
        try:  # a refused or malformed URL is final: no retry could change it
            check_url(url, self.rules.allow_private)
        except Refused as refused:
            return FetchFailure(None, str(refused))
        host, rule = urlsplit(url).netloc, self.rules.host(url)
        slot = self.slots.setdefault(host, asyncio.Semaphore(rule.concurrency))
        for attempt in range(self.rules.retries + 1):
            async with slot:
                # reserve this request's start time before sleeping, so requests waiting
                # together are spread `delay` apart instead of starting at once
                start = max(self.next_start.get(host, 0.0), time.monotonic())
                self.next_start[host] = start + rule.delay
                if start > time.monotonic():
                    await asyncio.sleep(start - time.monotonic())
                outcome, hold = await self._attempt(url, attempt)
            if hold is None:
                return outcome
            # Retry-After (or backoff) holds the whole host, not just this request
            self.next_start[host] = max(self.next_start.get(host, 0.0), time.monotonic() + hold)
        return outcome

    async def _attempt(self, url: str, attempt: int) -> tuple[Any, float | None]:
        """(bytes or failure, None) when done; (failure, seconds to hold) to retry."""
        last = attempt == self.rules.retries
        try:
            for _ in range(self.rules.max_redirects + 1):
                async with self.session.get(url, headers=self.rules.headers(url),
                                            allow_redirects=False) as reply:
                    location = reply.headers.get("Location")
                    if reply.status in REDIRECT_STATUSES and location:
                        # each hop is checked again (the resolver checks its address)
                        url = check_url(urljoin(url, location), self.rules.allow_private)
                        continue
                    if reply.status == 200:
                        return await _read_capped(reply, self.rules.max_bytes), None
                    failure = FetchFailure(reply.status, f"http_{reply.status}")
                    if reply.status in RETRY_STATUSES and not last:
                        return failure, retry_wait(self.rules, attempt,
                                                   reply.headers.get("Retry-After"))
                    return failure, None
            return FetchFailure(None, f"too_many_redirects: over {self.rules.max_redirects}"), None
        except Refused as refused:
            return FetchFailure(None, str(refused)), None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            failure = FetchFailure(None, f"download_error: {type(error).__name__}")
            return failure, None if last else retry_wait(self.rules, attempt, None)


async def _read_capped(reply: aiohttp.ClientResponse, limit: int) -> bytes | FetchFailure:
    """The body, or a too_many_bytes failure as soon as it (or its Content-Length) passes `limit`:
    a hostile server cannot make the client buffer an endless body."""
    if reply.content_length is not None and reply.content_length > limit:
        return FetchFailure(None, f"too_many_bytes: Content-Length {reply.content_length} > "
                            f"{limit}")
    chunks, size = [], 0
    async for chunk in reply.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            return FetchFailure(None, f"too_many_bytes: over {limit}")
        chunks.append(chunk)
    return b"".join(chunks)


def spool_path(spool: Path | None, job: Job) -> Path | None:
    # spool names are sample keys or row numbers: never a path (core/names.py)
    return spool / check_key_name(job.spool_name, "spool") if spool else None


def spooled_outcome(path: Path | None) -> Any | None:
    """A rendered outcome a killed run already kept (None when there is none, or when the file
    is not one: then the source is fetched again). The spool is plain JSON, never a pickle: it
    lies in an output folder, and a file there must not be able to run code when read."""
    if path is None or not path.is_file():
        return None
    try:
        kept = json.loads(path.read_bytes())
        if isinstance(kept, str):
            return kept
        return Rendered(images=tuple((base64.b64decode(data), int(w), int(h))
                                     for data, w, h in kept["images"]),
                        original=(int(kept["original"][0]), int(kept["original"][1])),
                        sha256=str(kept["sha256"]))
    except (ValueError, KeyError, TypeError):
        return None


def _spool_bytes(outcome: Any) -> bytes:
    if isinstance(outcome, Rendered):
        outcome = {"images": [[base64.b64encode(data).decode("ascii"), w, h]
                              for data, w, h in outcome.images],
                   "original": list(outcome.original), "sha256": outcome.sha256}
    return json.dumps(outcome).encode("utf-8")


def render_and_spool(render: Callable, payload: Any, data: bytes, path: Path | None) -> Any:
    """Render fetched bytes and keep the outcome (a few KB, not the source's bytes), so a run
    killed and started again neither fetches nor renders it twice. Renamed into place without
    fsync: the spool must survive a killed process, not a power cut."""
    outcome = safe_render(render, payload, data)
    if path is not None:
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_bytes(_spool_bytes(outcome))
        tmp.replace(path)
    return outcome


_WORKER: dict[str, Any] = {}  # a pool worker's event loop and HTTP session


def fetch_and_render(render: Callable, rules: Rules, jobs: list[Job], spool: Path | None
                      ) -> list[Any]:
    """In a worker: fetch a chunk of jobs concurrently, rendering each as soon as it arrives."""
    async def one(hosts: Hosts, job: Job) -> Any:
        cached = spool_path(spool, job)
        kept = spooled_outcome(cached)
        if kept is not None:
            return kept
        got = await hosts.fetch(job.url)
        return render_and_spool(render, job.payload, got, cached) if isinstance(got, bytes) \
            else got

    async def main() -> list[Any]:
        if "hosts" not in _WORKER:
            _WORKER["hosts"] = Hosts(rules, open_session(rules))
        return await asyncio.gather(*(one(_WORKER["hosts"], job) for job in jobs))

    # one loop and one session per worker for the whole run: connections are kept alive
    # between chunks (new connections per chunk overflow small servers' listen queues)
    if "loop" not in _WORKER:
        _WORKER["loop"] = asyncio.new_event_loop()
        # closed when the worker exits (multiprocessing runs these finalizers, not atexit)
        multiprocessing.util.Finalize(None, _close_worker_session, exitpriority=10)
    return _WORKER["loop"].run_until_complete(main())


def _close_worker_session() -> None:
    if "hosts" in _WORKER:
        _WORKER["loop"].run_until_complete(_WORKER.pop("hosts").session.close())


