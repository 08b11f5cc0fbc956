"""Worker-side fetching: per-host limits, robots.txt, retries; imports no pandas, so pool
workers start fast."""
from __future__ import annotations

import asyncio
import multiprocessing.util
import pickle
import time
import urllib.robotparser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import aiohttp

from .render import safe_render
from .rules import GONE_STATUSES, RETRY_STATUSES, Rules, retry_wait


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


class Hosts:
    """Per-host semaphores and start times (delay, Retry-After holds), plus robots.txt."""

    def __init__(self, rules: Rules, session: aiohttp.ClientSession) -> None:
        self.rules, self.session = rules, session
        self.slots: dict[str, asyncio.Semaphore] = {}
        self.next_start: dict[str, float] = {}
        self.robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if not self.rules.host(url).obey_robots:
            return True
        if parts.netloc not in self.robots:
            parser = urllib.robotparser.RobotFileParser()
            try:
                async with self.session.get(f"{parts.scheme}://{parts.netloc}/robots.txt",
                                            headers=self.rules.headers(url)) as reply:
                    text = await reply.text() if reply.status == 200 else ""
            except (aiohttp.ClientError, asyncio.TimeoutError):
                text = ""
            parser.parse(text.splitlines())
            self.robots[parts.netloc] = parser
        agent = self.rules.headers(url)["User-Agent"]
        return self.robots[parts.netloc].can_fetch(agent, url)

    async def fetch(self, url: str) -> bytes | FetchFailure:
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
            async with self.session.get(url, headers=self.rules.headers(url)) as reply:
                if reply.status == 200:
                    return await reply.read(), None
                failure = FetchFailure(reply.status, f"http_{reply.status}")
                if reply.status in RETRY_STATUSES and not last:
                    return failure, retry_wait(self.rules, attempt,
                                               reply.headers.get("Retry-After"))
                return failure, None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            failure = FetchFailure(None, f"download_error: {type(error).__name__}")
            return failure, None if last else retry_wait(self.rules, attempt, None)


def spool_path(spool: Path | None, job: Job) -> Path | None:
    return spool / job.spool_name if spool else None


def spooled_outcome(path: Path | None) -> Any | None:
    """A rendered outcome a killed run already kept (None when there is none)."""
    if path is None or not path.is_file():
        return None
    # our own spool, written by render_and_spool below in this output folder
    return pickle.loads(path.read_bytes())


def render_and_spool(render: Callable, payload: Any, data: bytes, path: Path | None) -> Any:
    """Render fetched bytes and keep the outcome (a few KB, not the source's bytes), so a run
    killed and started again neither fetches nor renders it twice. Renamed into place without
    fsync: the spool must survive a killed process, not a power cut."""
    outcome = safe_render(render, payload, data)
    if path is not None:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(pickle.dumps(outcome))
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
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                            timeout=aiohttp.ClientTimeout(total=rules.timeout))
            _WORKER["hosts"] = Hosts(rules, session)
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


