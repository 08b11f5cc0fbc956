"""Rendering units of work in order, in this process, a process pool or on Dask; an exception in
one unit becomes that unit's failed rows."""
from __future__ import annotations

import dataclasses
import logging
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Callable, Iterable, Iterator

from core.errors import without_addresses
from preprocess.perceptual import hashes_or_none
from core.lifetime import watch_parent

from .samples import Dropped, Sample, Unit

log = logging.getLogger(__name__)
Render = Callable[[Any], Iterable[Sample | Dropped]]


def safe_render(render: Render, payload: Any) -> list[Sample | Dropped] | str:
    """Run render; an exception becomes its text, so one bad unit never stops the build."""
    try:
        return [_with_hashes(item) for item in render(payload)]
    except Exception as error:  # noqa: BLE001 - failure of one item is data
        return without_addresses(f"render_error: {type(error).__name__}: {error}")


def _with_hashes(item: Sample | Dropped) -> Sample | Dropped:
    """A sample with its perceptual hashes, computed here, in the render worker, where the build
    runs in parallel (the writer is one sequential stream)."""
    if not isinstance(item, Sample) or item.phash is not None:
        return item
    hashes = hashes_or_none(item.image)
    if hashes is None:  # a format Pillow cannot open: the sample ships without hashes
        return item
    return dataclasses.replace(item, phash=hashes.phash, dhash=hashes.dhash)


def render_units(units: list[Unit], render: Render, workers: int, dask: str | None = None
                 ) -> Iterator[tuple[Unit, Any]]:
    """Yield (unit, outcome) in unit order: on Dask when `dask` names a cluster ("local" or an
    address), else in a process pool of `workers` (in this process when workers <= 1)."""
    if dask:
        return render_on_dask(units, render, workers, dask)
    return _render_in_processes(units, render, workers)


def _render_in_processes(units: list[Unit], render: Render, workers: int
                         ) -> Iterator[tuple[Unit, Any]]:
    """Render units in order; with workers > 1, in a process pool at most 4 units ahead per
    worker. A worker that dies (a crash, the memory limit) breaks the pool: a new pool renders
    the unfinished units again, each unit that was in flight alone, so that the one that kills
    its worker is found; one that kills it twice becomes failed rows (WORKER_DIED)."""
    if workers <= 1:
        for unit in units:
            yield unit, safe_render(render, unit.payload)
        return
    todo: deque = deque((unit, _NOT_YET) for unit in units)
    deaths: Counter = Counter()  # unit id -> worker deaths while it was in flight
    while todo:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                 initializer=watch_parent) as pool:  # die with a killed run
            yield from _render_until_broken(pool, todo, render, 4 * workers, deaths)


_NOT_YET = object()  # a unit in `todo` without an outcome yet
WORKER_DIED = "worker_died: its render process died twice (a crash or the memory limit)"


def _render_until_broken(pool: ProcessPoolExecutor, todo: deque, render: Render, ahead: int,
                         deaths: Counter) -> Iterator[tuple[Unit, Any]]:
    """Yield (unit, outcome) in order, taking units off `todo`; if the pool breaks, put the
    units not yet yielded back at its front (with the outcomes that did arrive) and return."""
    window: deque = deque()
    while todo or window:
        while todo and len(window) < ahead:
            unit, ready = todo[0]
            suspect = deaths[unit.id] > 0
            if suspect and window:
                break  # a unit in flight when a worker died runs alone
            todo.popleft()
            window.append((unit, _future(pool, render, unit, ready, deaths)))
            if suspect:
                break
        unit, future = window[0]
        try:
            outcome = future.result()
        except BrokenProcessPool:
            log.warning("a render worker died with %d unit(s) in flight (%s ...): starting a "
                        "new pool to render them again", len(window), unit.id)
            for unit, future in reversed(window):
                finished = (future.done() and not future.cancelled()
                            and future.exception() is None)
                if not finished:
                    deaths[unit.id] += 1
                todo.appendleft((unit, future.result() if finished else _NOT_YET))
            return
        window.popleft()
        yield unit, outcome


def _future(pool: ProcessPoolExecutor, render: Render, unit: Unit, ready: Any,
            deaths: Counter) -> Future:
    """The unit's outcome: one that arrived before its pool broke, WORKER_DIED after two
    deaths, else a render in the pool."""
    if ready is _NOT_YET and deaths[unit.id] < 2:
        return pool.submit(safe_render, render, unit.payload)
    future: Future = Future()
    future.set_result(WORKER_DIED if ready is _NOT_YET else ready)
    return future


def render_on_dask(units: list[Unit], render: Render, workers: int, address: str = "local"
                   ) -> Iterator[tuple[Unit, Any]]:
    """Yield (unit, outcome) in unit order on a Dask cluster (a LocalCluster of `workers`
    processes for "local", else the one at `address`); at most 8 units per worker in flight.

    Only the pixel work leaves the driver: the writer stays one sequential stream, so shards are
    the same bytes as an in-process build. Called from inside one Prefect task (on Prefect's
    ephemeral server, a DaskTaskRunner would start a temporary server in every Dask worker)."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address in (None, "", "local"):
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.WARNING)
        client = Client(cluster)
    else:
        client = Client(address)
    log.info("rendering on Dask: %s (%d workers)", address or "local",
             len(client.scheduler_info()["workers"]))
    try:
        in_flight = max(8, 8 * len(client.scheduler_info()["workers"]))
        window: deque = deque()
        for unit in units:
            window.append((unit, client.submit(safe_render, render, unit.payload, pure=False)))
            if len(window) >= in_flight:
                done, future = window.popleft()
                yield done, future.result()
                future.release()
        while window:
            done, future = window.popleft()
            yield done, future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
