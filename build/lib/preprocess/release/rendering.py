"""Rendering units of work in order, in this process, a process pool or on Dask; an exception in
one unit becomes that unit's failed rows."""
from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Callable, Iterable, Iterator

from .samples import Dropped, Sample, Unit

log = logging.getLogger(__name__)
Render = Callable[[Any], Iterable[Sample | Dropped]]


def safe_render(render: Render, payload: Any) -> list[Sample | Dropped] | str:
    """Run render; an exception becomes its text, so one bad unit never stops the build."""
    try:
        return list(render(payload))
    except Exception as error:  # noqa: BLE001 - failure of one item is data
        return f"render_error: {type(error).__name__}: {error}"


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
    worker."""
    if workers <= 1:
        for unit in units:
            yield unit, safe_render(render, unit.payload)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        window: deque = deque()
        for unit in units:
            window.append((unit, pool.submit(safe_render, render, unit.payload)))
            if len(window) >= 4 * workers:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()


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
