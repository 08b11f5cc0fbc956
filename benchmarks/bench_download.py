"""Download figures: inkset download vs img2dataset on the same loopback URLs, cores and output size.

Three URL sets: the 300 covers of the GCD replica (bench_gcd's crawl), 1,500 cover-like images
of 400x600 and 1,500 pages of 1000x1400 (textured JPEGs, 60 distinct images per set served under
distinct URLs). Output: 200 px on the short side, keep_ratio (200x300 / 200x280), 2 processes
each. Also the 2-core limit: decode+resize+encode of the same bytes from memory in a 2-process
pool, no network, with inkset's DCT-scaled decode and with a full decode. The tools alternate
twice (best round each) and each one's CPU time per image is printed too; img2dataset
from its own venv (bench_gcd.img2dataset_bin). `python -m benchmarks.bench_download 1000x1400`
runs one set (gcd-300, 400x600 or 1000x1400).
"""
from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.bench_gcd import img2dataset_bin, img2dataset_rate
from benchmarks.mirror import Mirror
from core.paths import work_dirs
from preprocess.images import encode_image, resize_image
from replicas.gcd import GcdReplica, generate_truth
from share.download.render import Recipe, render_crops

RECIPE = Recipe(size=(200, 300), resize_mode="keep_ratio")
DISTINCT = 60


def textured(size: tuple[int, int], seed: int) -> bytes:
    """A JPEG with smooth colour fields, noise and edges: about a real cover's file size."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (size[1] // 50 + 2, size[0] // 50 + 2, 3), dtype=np.uint8)
    image = np.asarray(Image.fromarray(low).resize(size, Image.Resampling.BICUBIC), np.int16)
    image = image + rng.normal(0, 10, image.shape).astype(np.int16)
    image[:, ::37] = 20  # line art
    buffer = io.BytesIO()
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _limit_one(data: bytes) -> int:
    """inkset's own pixel path: DCT-scaled decode (draft), resize, encode."""
    return len(render_crops(RECIPE, ("full",), data).images)


def _limit_full(data: bytes) -> int:
    """The same without DCT scaling: a full decode, as img2dataset does (cv2.imdecode)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        encode_image(resize_image(image.convert("RGB"), RECIPE.size, RECIPE.resize_mode))
    return 1


def decode_limit(images: list[bytes], one=_limit_one) -> float:
    """Images/s of decode+resize+encode from memory on a 2-process pool, no network."""
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(one, images[:4]))  # workers started and warm
        started = time.perf_counter()
        done = sum(pool.map(one, images, chunksize=8))
        return done / (time.perf_counter() - started)


def inkset_rate(urls: list[str], out: Path) -> tuple[float, int]:
    """`inkset download` as a user runs it (a subprocess: start-up counted, as for img2dataset)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "urls.txt").write_text("\n".join(urls) + "\n")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "flows.cli", "download", str(out / "urls.txt"),
                             str(out / "shards"), "--size", "200x300", "--resize-mode",
                             "keep_ratio", "--workers", "2", "--per-shard", "1000",
                             "--allow-private"],
                            capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"inkset download failed: {result.stderr[-500:]}")
    count = int(result.stdout.split("success=")[1].split()[0].rstrip(","))
    return count / elapsed, count


def client_cpu_ms(run, urls: list[str], out: Path) -> tuple[float, int, float]:
    """(images/s, images, CPU ms per image of the tool's process tree: children's rusage, so
    the mirror in this process and other jobs on the machine do not count)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rate, count = run(urls, out)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return rate, count, 1000 * cpu / max(count, 1)


def compare(name: str, urls: list[str], images: list[bytes], binary, tmp: Path,
            rounds: int = 2) -> None:
    """The tools alternate `rounds` times (ABAB: load from other jobs hits both alike); each
    tool's best round is reported, as timing benchmarks usually do."""
    tools = {"inkset": inkset_rate}
    if binary is not None:
        tools["img2dataset"] = lambda u, o: img2dataset_rate(binary, u, o)
    best: dict[str, tuple[float, int, float]] = {}
    for round_ in range(rounds):
        for tool, run in tools.items():
            got = client_cpu_ms(run, urls, tmp / f"{name}-{tool}-{round_}")
            if tool not in best or got[0] > best[tool][0]:
                best[tool] = got
    ours, count, our_cpu = best["inkset"]
    limit, full = decode_limit(images), decode_limit(images, _limit_full)
    print(f"download {name} inkset images/s: {ours:.1f} ({count} images, best of {rounds})")
    print(f"download {name} inkset client CPU ms/image: {our_cpu:.2f}")
    print(f"download {name} 2-core decode+resize+encode limit images/s, inkset's DCT-scaled "
          f"decode: {limit:.1f} (inkset at {ours / limit:.0%} of it)")
    print(f"download {name} 2-core limit images/s with a full decode: {full:.1f} "
          f"(DCT scaling gains {limit / full:.2f}x)")
    if binary is None:
        return
    theirs, got, their_cpu = best["img2dataset"]
    print(f"download {name} img2dataset images/s: {theirs:.1f} ({got} images, best of {rounds})")
    print(f"download {name} img2dataset client CPU ms/image: {their_cpu:.2f}")
    print(f"download {name} inkset / img2dataset images/s (goal >= 1.5): {ours / theirs:.2f}")
    print(f"download {name} img2dataset / inkset CPU per image (load-independent): "
          f"{their_cpu / our_cpu:.2f}")


def main(only: str | None = None) -> None:
    """All three sets, or `only` one of gcd-300, 400x600, 1000x1400."""
    binary, reason = img2dataset_bin(work_dirs().cache / "bench")
    if binary is None:
        print(f"download img2dataset: skipped ({reason})")
    sets = {"400x600": (400, 600), "1000x1400": (1000, 1400)}
    served = {name: [textured(size, seed) for seed in range(DISTINCT)]
              for name, size in sets.items()}

    truth = generate_truth(publishers=2, series_per_publisher=5, issues_per_series=30)
    with GcdReplica(truth) as gcd, tempfile.TemporaryDirectory() as tmp, \
            Mirror(served, Path(tmp)) as base:
        issues = sorted(truth.issues.values(), key=lambda i: i.issue_id)
        covers = [gcd.cover_bytes(i.cover_id) for i in issues]
        if only in (None, "gcd-300"):
            compare("gcd-300", [gcd.cover_url(i) for i in issues], covers, binary, Path(tmp))
        for name in [s for s in sets if only in (None, s)]:
            urls = [f"{base}/{name}/{i}.jpg" for i in range(1500)]
            images = [served[name][i % DISTINCT] for i in range(1500)]
            compare(name, urls, images, binary, Path(tmp))


if __name__ == "__main__":
    os.environ.setdefault("no_proxy", "127.0.0.1")
    sys.exit(main(*sys.argv[1:2]))
