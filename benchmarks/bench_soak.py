"""Fault soak (issue 23): download, build, publish, fetch, rebuild against loopback
replicas with injected faults and random kill -9 of every command, compared with a fault-free run.

Faults, drawn per source path with a seeded RNG: 10 % answer 503 once, 5 % answer 429 with
Retry-After once, 2 % send half their body then close, 3 % reset the connection once (the
handler raises before answering), and 1 % are corrupt images in every run (a property of the
source, so the fault-free run has them too: they are manifest rows with their reason). Each CLI
command is killed -9 at a random moment (seeded) up to KILLS times in all, then re-run until it
exits 0. Printed: the counts of each fault served, the kills, the rows by status, and whether
every shard and published file is byte-identical to the fault-free run's.

`python -m benchmarks.bench_soak` (a few minutes on 2 cores).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from replicas.common import LoopbackServer, Reply

SEED = 23
ITEMS = 240
KILLS = 20
ROOT = Path(__file__).resolve().parents[1]


class FaultyImages:
    """Source images by index; the faults of each path decided once, from the seed."""

    def __init__(self, seed: int, faulty: bool) -> None:
        rng = random.Random(seed)
        self.kind: dict[str, str] = {}
        for i in range(ITEMS):
            draw = rng.random()
            kind = ("503" if draw < 0.10 else "429" if draw < 0.15 else "truncate"
                    if draw < 0.17 else "reset" if draw < 0.20 else "corrupt" if draw < 0.21
                    else "")
            self.kind[f"/img/{i}.jpg"] = kind
        self.faulty = faulty
        self.served: Counter = Counter()
        self.done: set[str] = set()
        self.lock = threading.Lock()

    def image(self, index: int) -> bytes:
        import io

        from PIL import Image
        buffer = io.BytesIO()
        Image.new("RGB", (90 + index % 7, 120), (index % 256, 60, 140)).save(buffer, "JPEG")
        return buffer.getvalue()

    def __call__(self, path: str, headers: dict) -> Reply:
        path = path.split("?")[0]
        kind = self.kind.get(path)
        if kind is None:
            return Reply(404, b"no such path")
        if kind == "corrupt":
            self.served["corrupt"] += 1
            return Reply(200, b"\xff\xd8 not really a jpeg", "image/jpeg")
        with self.lock:
            first = path not in self.done
            self.done.add(path)
        if self.faulty and first and kind:
            self.served[kind] += 1
            if kind == "503":
                return Reply(503, b"busy")
            if kind == "429":
                return Reply(429, b"slow down", headers={"Retry-After": "1"})
            if kind == "reset":
                raise ConnectionResetError("injected reset")
            # "truncate": the server cuts this answer in half (_truncating's Faults)
        self.served["ok"] += 1
        return Reply(200, self.image(int(path.rsplit("/", 1)[1].split(".")[0])), "image/jpeg")


def _truncating(images: FaultyImages):
    """LoopbackServer's own truncation is per exact path count: say which paths, up front."""
    from replicas.common import Faults
    truncate = {p: 1 for p, k in images.kind.items() if k == "truncate"} if images.faulty else {}
    return Faults(truncate=truncate)


def run_killed(command: list[str], rng: random.Random, kills: int, env: dict) -> int:
    """Run `command` until it exits 0, first killing its process group -9 `kills` times at
    random moments (each run's start-up included); returns the kills that landed mid-run."""
    landed = 0
    for attempt in range(kills + 1):
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, start_new_session=True)
        if attempt < kills:
            try:
                child.wait(timeout=rng.uniform(1.0, 5.0))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                landed += 1
                continue
        _, err = child.communicate(timeout=900)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command[3:5])} failed: {err.decode()[-800:]}")
        if attempt >= kills or child.returncode == 0:
            return landed
    return landed


def chain(work: Path, images: FaultyImages, host: LoopbackServer, rng: random.Random,
          faulty: bool) -> dict:
    """download → build (a metadata release from the download) → publish → fetch → rebuild,
    against one image host (same URLs in both runs), with faults and kills when `faulty`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INKSET_HOME": str(work / "home")}
    env.pop("PREFECT_HOME", None)
    cli = [sys.executable, "-m", "flows.cli"]
    per_command = KILLS // 4 if faulty else 0

    def arm() -> None:  # every fault once more, for the next command that fetches
        images.faulty = faulty
        images.done.clear()
        host.faults.truncate = _truncating(images).truncate
        host._served.clear()

    arm()
    urls = work / "urls.txt"
    urls.write_text("".join(f"{host.base}/img/{i}.jpg\n" for i in range(ITEMS)))
    out = work / "download"
    killed = Counter()
    killed["download"] = run_killed(
        cli + ["download", str(urls), str(out), "--per-shard", "40", "--size", "48x64",
               "--allow-private"], rng, per_command, env)
    release = _build_release(out, work)
    store = work / "store"
    killed["publish"] = run_killed(cli + ["publish", str(release), f"file://{store}"], rng,
                                   per_command, env)
    fetched = work / "fetched"
    killed["fetch"] = run_killed(cli + ["fetch", f"file://{store}", str(fetched)], rng,
                                 per_command, env)
    arm()
    rebuilt = work / "rebuilt"
    killed["rebuild"] = run_killed(cli + ["rebuild", str(fetched), "--out", str(rebuilt),
                                          "--allow-private"], rng, per_command, env)
    rows = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("*.parquet"))])
    rebuilt_rows = Counter(pd.read_parquet(rebuilt / "manifest.parquet")["status"])
    return {"rebuilt_rows": rebuilt_rows, "download": out, "store": store, "rebuilt": rebuilt, "killed": killed,
            "served": Counter(images.served), "rows": Counter(rows["status"]),
            "reasons": Counter(r.split(":")[0] for r in rows["error_message"].dropna())}


def _build_release(download: Path, work: Path) -> Path:
    """A metadata-only release of the downloaded shards (the source URLs are its manifest's), as
    a stage would build it: the release writer over the images, then the export."""
    import io
    import json
    import tarfile

    from PIL import Image

    from preprocess.release import ReleaseSpec, Sample, build_release
    from preprocess.release.samples import Unit
    from share.publish import export_metadata_only

    units = []
    for shard in sorted(download.glob("*.tar")):
        with tarfile.open(shard) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar}
        for name, data in members.items():
            if name.endswith(".json"):
                meta = json.loads(data)
                units.append((meta["key"], meta["url"], meta["sha256"],
                              members[name[:-5] + ".jpg"]))

    def render(payload):
        key, url, sha, data = payload
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        return [Sample(key=f"k{key}", split="train", image=data, labels={},
                       meta={"url": url}, source_sha256=sha, source_ids={"url": url},
                       width=width, height=height, original_width=width,
                       original_height=height)]

    spec = ReleaseSpec(dataset="soak", version="1", splits=("train",), label_sets={},
                       definition={"options": {"size": [48, 64], "resize_mode": "keep_ratio"}},
                       share="metadata-only")
    release = build_release(spec, [Unit(f"k{u[0]}", [(f"k{u[0]}", "train")], u) for u in units],
                            render,
                            releases_root=work / "releases", progress=False).path
    return export_metadata_only(release, work / "meta")


def same_bytes(one: Path, other: Path, pattern: str) -> tuple[int, int]:
    """(files compared, files that differ) between two folders, for `pattern`."""
    names = sorted(p.name for p in one.glob(pattern))
    assert names == sorted(p.name for p in other.glob(pattern)), (one, other)
    return len(names), sum((one / n).read_bytes() != (other / n).read_bytes() for n in names)


def main() -> None:
    lock = ROOT / "data_manifests" / "locks" / "soak-1.lock.json"  # `inkset publish` writes it
    try:
        _soak()
    finally:
        lock.unlink(missing_ok=True)
        if lock.parent.is_dir() and not any(lock.parent.iterdir()):
            lock.parent.rmdir()


def _soak() -> None:
    with tempfile.TemporaryDirectory(prefix="inkset-soak-") as tmp:
        tmp = Path(tmp)
        (tmp / "clean").mkdir()
        (tmp / "faulty").mkdir()
        images = FaultyImages(SEED, faulty=False)
        with LoopbackServer(images, _truncating(images), role="images") as host:
            host._server.handle_error = lambda *a: None  # injected resets: no traceback spam
            clean = chain(tmp / "clean", images, host, random.Random(SEED), faulty=False)
            images.served.clear()
            started = time.perf_counter()
            faulty = chain(tmp / "faulty", images, host, random.Random(SEED), faulty=True)
            seconds = time.perf_counter() - started
        shards = same_bytes(clean["download"], faulty["download"], "*.tar")
        rebuilt = same_bytes(clean["rebuilt"], faulty["rebuilt"], "*.tar")
        store = same_bytes(clean["store"], faulty["store"], "*.parquet")
    served = ", ".join(f"{k}={v}" for k, v in sorted(faulty["served"].items()))
    print(f"soak faults served: {served}")
    print(f"soak kill -9: {sum(faulty['killed'].values())} "
          f"({', '.join(f'{k}={v}' for k, v in sorted(faulty['killed'].items()))})")
    print(f"soak download rows: {dict(faulty['rows'])} (fault-free run: {dict(clean['rows'])}); "
          f"failure reasons: {dict(faulty['reasons'])}")
    print(f"soak download shards byte-identical to the fault-free run: {shards[0] - shards[1]}"
          f"/{shards[0]}")
    print(f"soak published parquet files byte-identical: {store[0] - store[1]}/{store[0]}")
    print(f"soak rebuild rows: {dict(faulty['rebuilt_rows'])} (fault-free run: "
          f"{dict(clean['rebuilt_rows'])})")
    print(f"soak rebuilt shards byte-identical: {rebuilt[0] - rebuilt[1]}/{rebuilt[0]}")
    print(f"soak faulty chain seconds: {seconds:.0f}")


if __name__ == "__main__":
    main()
