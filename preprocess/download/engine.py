"""The engine: aiohttp downloads (per-host limits) overlapped with a process pool that renders.

Downloads run on an asyncio loop in a thread; each finished download is handed straight to the
pool, so decoding starts while other downloads are in flight. Results come back in job order
(deterministic shards) with at most `window` jobs in flight, which bounds memory.
"""
from __future__ import annotations

import asyncio
import multiprocessing.util
import threading
import time
import urllib.robotparser
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlsplit

import aiohttp

from preprocess.release import atomic

from .render import safe_render as _safe_render
from .rules import GONE_STATUSES, RETRY_STATUSES, Rules, retry_wait


@dataclass(frozen=True)
class Job:
    """One source to fetch; `spool_name` names its bytes in the spool (unique per run)."""

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


class _Hosts:
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
                wait = self.next_start.get(host, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.next_start[host] = max(self.next_start.get(host, 0.0),
                                            time.monotonic()) + rule.delay
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


def _spool_write(path: Path, data: bytes) -> None:
    """Rename into place without fsync: the spool must survive a killed process, not a power cut
    (rebuild checks every sha256 anyway), and an fsync per image costs more than the decode."""
    tmp = atomic.temp_name(path)
    tmp.write_bytes(data)
    tmp.replace(path)


_WORKER: dict[str, Any] = {}  # a pool worker's event loop and HTTP session


def _fetch_and_render(render: Callable, rules: Rules, jobs: list[Job], spool: Path | None
                      ) -> list[Any]:
    """In a worker: fetch a chunk of jobs concurrently, rendering each as soon as it arrives."""
    async def one(hosts: _Hosts, job: Job) -> Any:
        cached = spool / job.spool_name if spool else None
        if cached is not None and cached.is_file():
            got: Any = cached.read_bytes()
        else:
            got = await hosts.fetch(job.url)
            if cached is not None and isinstance(got, bytes):
                _spool_write(cached, got)
        return _safe_render(render, job.payload, got) if isinstance(got, bytes) else got

    async def main() -> list[Any]:
        if "hosts" not in _WORKER:
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                            timeout=aiohttp.ClientTimeout(total=rules.timeout))
            _WORKER["hosts"] = _Hosts(rules, session)
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


def _run_in_workers(jobs: Sequence[Job], render: Callable, rules: Rules, workers: int,
                    spool: Path | None, chunk: int) -> Iterator[tuple[Job, Any]]:
    """Hosts without politeness limits (loopback mirrors): each worker fetches and renders its
    own chunks, so no bytes cross processes and the client's CPU is spread over the cores."""
    chunks = [list(jobs[i:i + chunk]) for i in range(0, len(jobs), chunk)]
    with ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn")) as pool:
        window: list = []
        for part in chunks:
            window.append((part, pool.submit(_fetch_and_render, render, rules, part, spool)))
            if len(window) >= 3 * workers:
                done, future = window.pop(0)
                yield from zip(done, future.result())
        for done, future in window:
            yield from zip(done, future.result())


def run(jobs: Sequence[Job], render: Callable[[Any, bytes], Any], *, rules: Rules,
        workers: int = 2, spool: Path | None = None, window: int = 512, chunk: int = 24
        ) -> Iterator[tuple[Job, Any]]:
    """Yield (job, render(payload, bytes) | FetchFailure | error text) in job order.

    With `spool`, fetched bytes are kept there until the caller deletes them, so a run killed
    and started again renders them without fetching them twice.
    """
    if spool:
        spool.mkdir(parents=True, exist_ok=True)
    if all(rules.host(job.url).delay == 0 and not rules.host(job.url).obey_robots
           for job in jobs):
        yield from _run_in_workers(jobs, render, rules, workers, spool, chunk)
        return
    results: dict[int, Future] = {}
    ready = threading.Condition()
    failed: list[BaseException] = []
    loop = asyncio.new_event_loop()
    holder: dict[str, asyncio.Semaphore] = {}
    pool = ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn"))

    def deliver(position: int, job: Job, got: bytes | FetchFailure) -> None:
        if isinstance(got, bytes):
            future = pool.submit(_safe_render, render, job.payload, got)
        else:
            future = Future()
            future.set_result(got)
        with ready:
            results[position] = future
            ready.notify_all()

    async def one(hosts: _Hosts, position: int, job: Job) -> None:
        cached = spool / job.spool_name if spool else None
        if cached is not None and cached.is_file():
            deliver(position, job, cached.read_bytes())
            return
        if not await hosts.allowed(job.url):
            deliver(position, job, FetchFailure(None, "robots_disallowed"))
            return
        got = await hosts.fetch(job.url)
        if cached is not None and isinstance(got, bytes):
            _spool_write(cached, got)
        deliver(position, job, got)

    async def download_all() -> None:
        holder["window"] = window_slots = asyncio.Semaphore(window)
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=rules.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            hosts, tasks = _Hosts(rules, session), []
            for position, job in enumerate(jobs):
                await window_slots.acquire()
                tasks.append(asyncio.create_task(one(hosts, position, job)))
            await asyncio.gather(*tasks)

    def thread_main() -> None:
        try:
            loop.run_until_complete(download_all())
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            with ready:
                failed.append(error)
                ready.notify_all()

    if spool:
        spool.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=thread_main, name="inkset-downloads", daemon=True)
    thread.start()
    try:
        for position, job in enumerate(jobs):
            with ready:
                while position not in results and not failed:
                    ready.wait()
                if failed:
                    raise RuntimeError(f"download loop failed: {failed[0]!r}") from failed[0]
                future = results.pop(position)
            outcome = future.result()
            loop.call_soon_threadsafe(holder["window"].release)
            yield job, outcome
        thread.join()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if not thread.is_alive():
            loop.close()
