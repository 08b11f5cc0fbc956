"""Release-writer figures: throughput against plain tarfile, and peak RSS at 10K and 100K samples."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

SAMPLES = 3000
IMAGE_BYTES = 40_000


def _samples(n: int, size: int):
    from preprocess.release import Sample

    payload = os.urandom(size)
    return [Sample(key=f"s{i:07d}", split="train", image=payload[i % 97:] + b"x" * (i % 97),
                   labels={"class": "a"}, meta={"i": i}) for i in range(n)]


def _plain_tarfile(samples, path: Path, spec_members) -> None:
    """The same members, written by tarfile alone: the floor the writer is compared with."""
    import json
    with tarfile.open(path, "w") as tar:
        for s in samples:
            members = {"jpg": s.image, "json": json.dumps(dict(s.meta)).encode(), "cls": b"0"}
            for ext in sorted(members):
                info = tarfile.TarInfo(f"{s.key}.{ext}")
                info.size = len(members[ext])
                tar.addfile(info, io.BytesIO(members[ext]))


def throughput() -> None:
    from preprocess.release.spec import ReleaseSpec
    from preprocess.release.writer import ReleaseWriter

    samples = _samples(SAMPLES, IMAGE_BYTES)
    total_mb = sum(len(s.image) for s in samples) / 1e6
    spec = ReleaseSpec(dataset="bench", version="1", splits=("train",),
                       label_sets={"class": ("a",)}, cls_label_set="class",
                       shard_max_samples=500, min_shards_per_split=1)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _plain_tarfile(samples, Path(tmp) / "plain.tar", spec.members)
        plain = time.perf_counter() - started
        release = Path(tmp) / "release"
        release.mkdir()
        started = time.perf_counter()
        writer = ReleaseWriter(spec, release, {"train": SAMPLES})
        for sample in samples:
            writer.add(sample)
        writer.close()
        ours = time.perf_counter() - started
    print(f"writer throughput MB/s: {total_mb / ours:.1f}")
    print(f"plain tarfile throughput MB/s: {total_mb / plain:.1f}")
    print(f"writer / plain tarfile throughput ratio (goal >= 0.8): {plain / ours:.2f}")


CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from preprocess.release import ReleaseSpec, Sample, Unit, build_release

def render(i):
    return [Sample(key=f"s{{i:07d}}", split="train", image=b"\\xff\\xd8" + i.to_bytes(4, "big") * 16,
                   labels={{"class": "a"}}, meta={{"i": i}})]

n = int(sys.argv[1])
spec = ReleaseSpec(dataset="rss", version="1", splits=("train",), label_sets={{"class": ("a",)}},
                   cls_label_set="class", shard_max_samples=5000)
units = (Unit(id=f"s{{i:07d}}", keys=[(f"s{{i:07d}}", "train")], payload=i) for i in range(n))
build_release(spec, units, render, releases_root=sys.argv[2], progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss() -> None:
    root = str(Path(__file__).resolve().parent.parent)
    peaks = {}
    for n in (10_000, 100_000):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", CHILD.format(root=root), str(n), tmp],
                                  capture_output=True, text=True, check=True)
            peaks[n] = int(done.stdout.split()[-1]) / 1024
            rate = n / (time.perf_counter() - started)
        print(f"peak RSS building {n // 1000}K small samples MB (goal < 1024): {peaks[n]:.0f}")
        print(f"build rate {n // 1000}K small samples samples/s: {rate:.0f}")
    print(f"peak RSS ratio 100K / 10K (goal <= 1.2): {peaks[100_000] / peaks[10_000]:.2f}")


def main() -> None:
    throughput()
    peak_rss()


if __name__ == "__main__":
    main()
