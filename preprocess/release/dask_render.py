"""Render units on a Dask cluster (a LocalCluster, or an existing one by address), in stream order.

Only the pixel work leaves the driver: the writer stays one sequential stream, so shards are the
same bytes as an in-process build. Called from inside one Prefect task (on Prefect's ephemeral
server, a DaskTaskRunner would start a temporary server in every Dask worker).
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)


def render_all(units: list, render: Callable, workers: int, address: str = "local"
               ) -> Iterator[tuple[Any, Any]]:
    """Yield (unit, render outcome) in unit order; at most 8 units per worker in flight."""
    from dask.distributed import Client, LocalCluster

    from .build import _safe_render

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
            window.append((unit, client.submit(_safe_render, render, unit.payload, pure=False)))
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
