"""The engine: aiohttp downloads (per-host limits) overlapped with a process pool that renders.

Downloads run on an asyncio loop in a thread; each finished download is handed straight to the
pool, so decoding starts while other downloads are in flight. Results come back in job order
(deterministic shards) with at most `window` jobs in flight, which bounds memory.
"""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import aiohttp

from .fetch import (FetchFailure, Hosts, Job, fetch_and_render, render_and_spool, spool_path,
                    spooled_outcome)
from .rules import Rules


def _run_in_workers(jobs: Sequence[Job], render: Callable, rules: Rules, workers: int,
                    spool: Path | None, chunk: int) -> Iterator[tuple[Job, Any]]:
    """Hosts without politeness limits (loopback mirrors): each worker fetches and renders its
    own chunks, so no bytes cross processes and the client's CPU is spread over the cores."""
    chunks = [list(jobs[i:i + chunk]) for i in range(0, len(jobs), chunk)]
    with ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn")) as pool:
        window: list = []
        for part in chunks:
            window.append((part, pool.submit(fetch_and_render, render, rules, part, spool)))
            if len(window) >= 3 * workers:
                done, future = window.pop(0)
                yield from zip(done, future.result())
        for done, future in window:
            yield from zip(done, future.result())


class _Downloader:
    """The download thread's asyncio loop, the render pool, and the results handed between them."""

    def __init__(self, jobs: Sequence[Job], render: Callable[[Any, bytes], Any], rules: Rules,
                 workers: int, spool: Path | None, window: int) -> None:
        self.jobs, self.render, self.rules = jobs, render, rules
        self.spool, self.window = spool, window
        self.results: dict[int, Future] = {}
        self.ready = threading.Condition()
        self.failed: list[BaseException] = []
        self.loop = asyncio.new_event_loop()
        self.window_slots: asyncio.Semaphore | None = None  # made on the loop, in its thread
        self.pool = ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn"))

    def outcomes(self) -> Iterator[tuple[Job, Any]]:
        """Start the download thread and yield its outcomes in job order; the pool always shuts."""
        thread = threading.Thread(target=self._thread_main, name="inkset-downloads", daemon=True)
        thread.start()
        try:
            for position, job in enumerate(self.jobs):
                outcome = self._wait_for(position).result()
                self.loop.call_soon_threadsafe(self.window_slots.release)
                yield job, outcome
            thread.join()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            if not thread.is_alive():
                self.loop.close()

    def _wait_for(self, position: int) -> Future:
        """The future of the job at `position`; a failed download loop is raised here instead."""
        with self.ready:
            while position not in self.results and not self.failed:
                self.ready.wait()
            if self.failed:
                raise RuntimeError(f"download loop failed: {self.failed[0]!r}") from self.failed[0]
            return self.results.pop(position)

    def _deliver(self, position: int, job: Job, got: Any) -> None:
        """Fetched bytes go to the pool to render; a kept outcome or a failure is ready."""
        if isinstance(got, bytes):
            future = self.pool.submit(render_and_spool, self.render, job.payload, got,
                                      spool_path(self.spool, job))
        else:
            future = Future()
            future.set_result(got)
        with self.ready:
            self.results[position] = future
            self.ready.notify_all()

    async def _one(self, hosts: Hosts, position: int, job: Job) -> None:
        kept = spooled_outcome(spool_path(self.spool, job))
        if kept is not None:
            self._deliver(position, job, kept)
            return
        if not await hosts.allowed(job.url):
            self._deliver(position, job, FetchFailure(None, "robots_disallowed"))
            return
        self._deliver(position, job, await hosts.fetch(job.url))

    async def _download_all(self) -> None:
        # The consumer releases a slot per job it takes, so at most `window` jobs are in flight.
        self.window_slots = window_slots = asyncio.Semaphore(self.window)
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.rules.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            hosts, tasks = Hosts(self.rules, session), []
            for position, job in enumerate(self.jobs):
                await window_slots.acquire()
                tasks.append(asyncio.create_task(self._one(hosts, position, job)))
            await asyncio.gather(*tasks)

    def _thread_main(self) -> None:
        try:
            self.loop.run_until_complete(self._download_all())
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            with self.ready:
                self.failed.append(error)
                self.ready.notify_all()


def run(jobs: Sequence[Job], render: Callable[[Any, bytes], Any], *, rules: Rules,
        workers: int = 2, spool: Path | None = None, window: int = 512, chunk: int = 24
        ) -> Iterator[tuple[Job, Any]]:
    """Yield (job, render(payload, bytes) | FetchFailure | error text) in job order.

    With `spool`, rendered outcomes are kept there until the caller deletes them, so a run killed
    and started again neither fetches nor renders them twice.
    """
    if spool:
        spool.mkdir(parents=True, exist_ok=True)
    if all(rules.host(job.url).delay == 0 and not rules.host(job.url).obey_robots
           for job in jobs):
        yield from _run_in_workers(jobs, render, rules, workers, spool, chunk)
        return
    yield from _Downloader(jobs, render, rules, workers, spool, window).outcomes()
