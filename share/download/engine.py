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
    results: dict[int, Future] = {}
    ready = threading.Condition()
    failed: list[BaseException] = []
    loop = asyncio.new_event_loop()
    holder: dict[str, asyncio.Semaphore] = {}
    pool = ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn"))

    def deliver(position: int, job: Job, got: Any) -> None:
        """Fetched bytes go to the pool to render; a kept outcome or a failure is ready."""
        if isinstance(got, bytes):
            future = pool.submit(render_and_spool, render, job.payload, got,
                                 spool_path(spool, job))
        else:
            future = Future()
            future.set_result(got)
        with ready:
            results[position] = future
            ready.notify_all()

    async def one(hosts: Hosts, position: int, job: Job) -> None:
        kept = spooled_outcome(spool_path(spool, job))
        if kept is not None:
            deliver(position, job, kept)
            return
        if not await hosts.allowed(job.url):
            deliver(position, job, FetchFailure(None, "robots_disallowed"))
            return
        deliver(position, job, await hosts.fetch(job.url))

    async def download_all() -> None:
        holder["window"] = window_slots = asyncio.Semaphore(window)
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=rules.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            hosts, tasks = Hosts(rules, session), []
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
