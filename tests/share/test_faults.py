"""Injected faults (503, 429 + Retry-After, truncated bodies, connection resets, corrupt images):
every recoverable item arrives, the rest are rows with their reason, and the shards are
byte-identical to a fault-free run (the chain with kill -9 is benchmarks/bench_soak.py)."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from benchmarks.bench_soak import FaultyImages, _truncating
from replicas.common import LoopbackServer
from share.download.render import Recipe
from share.download.rules import Rules
from share.download.urllist import download

COUNT = 80


def run(tmp_path, images: FaultyImages, host, name: str):
    images.done.clear()
    host.faults.truncate = _truncating(images).truncate
    host._served.clear()
    (tmp_path / f"{name}.txt").write_text(
        "".join(f"{host.base}/img/{i}.jpg\n" for i in range(COUNT)))
    return download(tmp_path / f"{name}.txt", tmp_path / name, recipe=Recipe(size=(48, 64)),
                    per_shard=20, rules=Rules(allow_private=True, backoff=0.05))


def test_faults_cost_retries_not_items(tmp_path):
    images = FaultyImages(seed=5, faulty=False)
    with LoopbackServer(images, _truncating(images), role="images") as host:
        host._server.handle_error = lambda *a: None
        clean = run(tmp_path, images, host, "clean")
        images.faulty, images.served = True, Counter()
        faulty = run(tmp_path, images, host, "faulty")
    kinds = Counter(images.kind[f"/img/{i}.jpg"] for i in range(COUNT))
    assert kinds["503"] and kinds["429"] and kinds["reset"]  # the seed injects each kind
    assert images.served["503"] == kinds["503"] and images.served["reset"] == kinds["reset"]
    assert faulty.counts == clean.counts == {"success": COUNT - kinds["corrupt"],
                                              **({"failed": kinds["corrupt"]}
                                                 if kinds["corrupt"] else {})}
    for shard in clean.shards:
        assert (tmp_path / "clean" / f"{shard}.tar").read_bytes() == \
            (tmp_path / "faulty" / f"{shard}.tar").read_bytes(), shard
    rows = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "faulty").glob("*.parquet")))
    assert set(rows["error_message"].dropna()) <= {"undecodable"}
