"""kill -9 during `inkset rebuild`, then re-run: the same shards as an uninterrupted rebuild, and
no source fetched twice (counted at the replica)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pandas as pd
import pytest

from preprocess.release import build_release, shards
from replicas.common import LoopbackServer
from share.download.rebuild import rebuild
from share.publish import export_metadata_only
from share.rebuild_index import INDEX_FILE

SEED = 14


def same_shards(one, other) -> int:
    names = sorted(p.name for p in one.glob("*.tar"))
    assert names == sorted(p.name for p in other.glob("*.tar"))
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
    return len(names)


@pytest.mark.slow
def test_killed_rebuild_resumes_identically_without_refetching(tmp_path):
    from preprocess.gcd.datasets import plan, render
    from preprocess.gcd.options import GcdOptions
    from preprocess.gcd.teams import load_names
    from replicas.gcd import GcdReplica, generate_truth, write_raw_store

    truth = generate_truth(publishers=1, series_per_publisher=4, issues_per_series=12)
    served: list[str] = []  # paths whose bytes the replica handed out, in order
    lock = threading.Lock()
    with GcdReplica(truth) as site:
        def one_at_a_time(path: str, headers: dict):
            with lock:  # serialised and slowed, so the kill lands mid-run at a known count
                time.sleep(0.02)
                reply = site.handle_image(path, headers)
                if not path.endswith("robots.txt"):
                    served.append(path.split("?")[0].lstrip("/"))
                return reply

        with LoopbackServer(one_at_a_time, role="images") as images:
            raw = tmp_path / "raw" / "gcd"
            write_raw_store(truth, raw)
            rows = pd.read_parquet(raw / "issues.parquet")
            rows["cover_url"] = rows["cover_url"].str.replace("https://files1.comics.org",
                                                              images.base)
            rows.to_parquet(raw / "issues.parquet", index=False)
            spec, items = plan(raw, GcdOptions.load("gcd-covers", min_label_covers=1),
                               load_names())
            release = build_release(spec, items, render, releases_root=tmp_path / "releases",
                                    progress=False).path
            meta = export_metadata_only(release, tmp_path / "meta")
            whole = rebuild(str(meta), tmp_path / "whole", allow_private=True).path  # uninterrupted
            sources = set(served)
            assert len(sources) >= 40 and len(served) == len(sources)

            out = tmp_path / "out"
            command = [sys.executable, "-m", "flows.cli", "rebuild", str(meta), "--out", str(out),
                       "--allow-private"]
            kill_at = random.Random(SEED).randrange(8, len(sources) - 8)
            served.clear()
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 120
            while len(served) < kill_at and time.monotonic() < deadline:
                time.sleep(0.005)
            os.killpg(child.pid, signal.SIGKILL)  # the CLI and its pool workers, like kill -9
            first = set(served)  # answered before the kill
            child.wait()
            assert kill_at <= len(first) < len(sources)  # killed mid-run
            _drain(served)  # what the killed run still had queued is answered into the void
            kept = _kept_sources(meta, out)
            assert kept and kept <= first  # the killed run kept bytes the re-run can skip
            served.clear()
            again = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert again.returncode == 0, again.stderr
            second = list(served)
    # each source not kept is fetched exactly once more; nothing kept is fetched again
    assert sorted(second) == sorted(sources - kept)
    assert same_shards(whole, out) >= 3 and same_shards(release, out) >= 3
    pd.testing.assert_frame_equal(pd.read_parquet(whole / "manifest.parquet"),
                                  pd.read_parquet(out / "manifest.parquet"))


def _drain(served: list) -> None:
    seen = -1
    while seen != len(served):
        seen = len(served)
        time.sleep(0.5)


def _kept_sources(meta, out) -> set[str]:
    """Source paths whose bytes the killed run kept: spooled, or in a finished shard."""
    index = pd.read_parquet(meta / INDEX_FILE)
    urls = {row.key: urlsplit(json.loads(row.source_ids)["cover_url"]).path.lstrip("/")
            for row in pd.read_parquet(meta / "manifest.parquet").itertuples()}
    spooled = {p.name for p in (out / ".spool").iterdir()} if (out / ".spool").is_dir() else set()
    done = {row.key for row in index.itertuples()
            if shards.is_complete(out, row.shard.removesuffix(".tar"))}
    return {urls[key] for key in spooled | done if key in urls}
