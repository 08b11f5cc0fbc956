"""`inkset download` of a URL list: failures are rows, and kill -9 + re-run loses and refetches nothing."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from PIL import Image

from replicas.common import Faults, LoopbackServer, Reply


def jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 180), (seed % 256, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def serve(path: str, headers: dict) -> Reply:
    index = int(path.rsplit("/", 1)[1].split(".")[0])
    if index % 50 == 7:
        return Reply(404, b"gone")
    return Reply(200, jpeg(index), "image/jpeg")


def keys_in(out: Path) -> list[str]:
    keys = []
    for shard in sorted(out.glob("*.tar")):
        with tarfile.open(shard) as tar:
            keys += [m.name.split(".")[0] for m in tar if m.name.endswith(".jpg")]
    return keys


@pytest.mark.slow
def test_killed_download_resumes_without_gaps_duplicates_or_refetches(tmp_path):
    with LoopbackServer(serve, Faults(slow=0.02), role="images") as host:
        urls = [f"{host.base}/img/{i}.jpg" for i in range(240)]
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
        out = tmp_path / "out"
        command = [sys.executable, "-m", "flows.cli", "download", str(tmp_path / "urls.txt"),
                   str(out), "--per-shard", "20", "--size", "64x96", "--allow-private"]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
        deadline = time.monotonic() + 120
        while len(list(out.glob("*_stats.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGKILL)  # the CLI and its pool workers, like kill -9
        child.wait()
        finished = {p.name[:-len("_stats.json")] for p in out.glob("*_stats.json")}
        assert 2 <= len(finished) < 12
        spooled = {int(p.name) for p in (out / ".spool").iterdir() if p.name.isdigit()}
        shard_of = {i: f"data-{i // 20:06d}" for i in range(240)}
        have = spooled | {i for i in range(240) if shard_of[i] in finished}
        before = len(host.log)
        again = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        refetched = {int(e["path"].rsplit("/", 1)[1].split(".")[0]) for e in host.log[before:]}
    assert not refetched & have
    expected = [f"{i:09d}" for i in range(240) if i % 50 != 7]
    assert keys_in(out) == expected  # in order: no gap, no duplicate
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*_stats.json"))]
    assert sum(r["status_counts"].get("failed", 0) for r in rows) == 240 - len(expected)
    assert not (out / ".spool").exists()
