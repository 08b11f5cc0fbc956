"""Near-duplicate figures: inkset vs imagededup (PHash find_duplicates) on one labelled 20k-image
set, and the hashing share of a release build.

The set is replicas/near_duplicates.py's: covers in shared templates, a share of them re-appearing
resized, re-encoded, cropped, bordered, colour-shifted and as variant covers, plus hard negatives;
generated once under data/cache/bench/. Both tools hash and search the same files on 2 processes
at their default thresholds (inkset: pHash radius 12 with the dHash check, groups as connected
components; imagededup: max_distance_threshold 10, its direct pairs). imagededup runs in its own
venv under data/cache/bench/ (installed once; it reuses this venv's torch through a .pth file
rather than downloading its own); when it cannot be installed, its lines say skipped and why.
`python -m benchmarks.bench_near_duplicates [IMAGES]`.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from core.paths import work_dirs
from preprocess import near_duplicates as nd
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.teams import load_names
from preprocess.perceptual import hashes_of_bytes
from preprocess.release import build_release
from replicas.gcd import generate_truth, write_raw_store
from replicas.near_duplicates import generate

IMAGES = 20_000
PER_SOURCE = 1 + 6 * 0.3 + 0.3  # generate()'s expected images per source at its defaults
WORKERS = 2

IMAGEDEDUP_SCRIPT = """
import json, sys, time
from imagededup.methods import PHash
folder, workers = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
phash = PHash(verbose=False)
encodings = phash.encode_images(image_dir=folder, num_enc_workers=workers)
found = phash.find_duplicates(encoding_map=encodings, num_dist_workers=workers)
print(json.dumps({"seconds": time.perf_counter() - started, "duplicates": found}))
"""


def labelled_set(images: int) -> tuple[Path, dict[str, str]]:
    """The generated files and their truth (file name -> source), made once per size."""
    folder = work_dirs().cache / "bench" / f"near-duplicates-{images}"
    truth_file = folder / "truth.json"
    if not truth_file.exists():
        data = generate(sources=round(images / PER_SOURCE), seed=0)
        data.write(folder / "images")
        truth_file.write_text(json.dumps({f"{n}.jpg": s for n, s in data.truth.items()}))
    return folder / "images", json.loads(truth_file.read_text())


def true_pairs(truth: dict[str, str]) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for name, source in truth.items():
        by_source.setdefault(source, []).append(name)
    return {pair for names in by_source.values()
            for pair in itertools.combinations(sorted(names), 2)}


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / max(1, len(found)), hits / max(1, len(truth))


def _hash_file(path: str) -> tuple[str, str]:
    hashes = hashes_of_bytes(Path(path).read_bytes())
    return hashes.phash, hashes.dhash


def inkset_groups(folder: Path) -> tuple[float, set[tuple[str, str]]]:
    """Seconds for hashing (2 processes) + radius search + groups, and the pairs the groups make."""
    paths = sorted(folder.glob("*.jpg"))
    started = time.perf_counter()
    # fork, as imagededup's pool: a spawned worker would re-import this module's imports first
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("fork")) as pool:
        hashes = list(pool.map(_hash_file, [str(p) for p in paths], chunksize=256))
    pairs = nd.find_pairs([p for p, _ in hashes], [d for _, d in hashes])
    groups = nd.groups(len(paths), pairs)
    seconds = time.perf_counter() - started
    names = [p.name for p in paths]
    found = {(names[a], names[b]) for group in groups for a, b in itertools.combinations(group, 2)}
    return seconds, found


def imagededup_python(root: Path) -> tuple[Path | None, str]:
    """imagededup in its own venv (installed once), seeing this venv's packages through a .pth."""
    env_dir = root / "imagededup-venv"
    python = env_dir / "bin" / "python"
    if (env_dir / ".installed").exists():
        return python, ""
    try:
        venv.create(env_dir, with_pip=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                               "['purelib'])"], check=True, capture_output=True, text=True)
        # torch, torchvision, scikit-learn, PyWavelets...: this venv's, not a second download
        Path(site.stdout.strip(), "inkset-venv.pth").write_text(
            sysconfig.get_paths()["purelib"] + "\n")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "imagededup==0.3.3.post2"],
                       check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return None, f"imagededup could not be installed: {detail.strip()[-300:]}"
    (env_dir / ".installed").touch()
    return python, ""


def imagededup_pairs(python: Path, folder: Path) -> tuple[float, set[tuple[str, str]]]:
    done = subprocess.run([str(python), "-c", IMAGEDEDUP_SCRIPT, str(folder), str(WORKERS)],
                          check=True, capture_output=True, text=True, timeout=3600)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    found = {tuple(sorted((a, b))) for a, others in result["duplicates"].items() for b in others}
    return result["seconds"], found


def build_overhead(issues: int = 300) -> dict[str, tuple[float, float, float]]:
    """CPU seconds of gcd-covers builds of the replica's 400x600 covers rendered to 200x300, in
    this process so that the calls can be timed: (hashing: the plan's source hashes for the
    split links and the render's hashes; the release's near-duplicate report: search, pairs,
    thumbnail strips; the whole build), for a first build ("cold": no cached source hashes)
    and a refresh of the same sources ("refresh": the plan's source hashes from the cache)."""
    from preprocess import splits
    from preprocess.gcd import datasets
    from preprocess.release import near_duplicates as report

    spent = {"hashing": 0.0, "report": 0.0}

    def timed(function, part: str):
        def run(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - started
        return run

    patched = [(splits, "source_hashes", "hashing"), (datasets, "sample_hashes", "hashing"),
               (report, "analyse", "report")]
    originals = [getattr(module, name) for module, name, _ in patched]
    truth = generate_truth(publishers=2, series_per_publisher=5, issues_per_series=issues // 10)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw" / "gcd"
        write_raw_store(truth, raw)
        try:
            for (module, name, part), original in zip(patched, originals):
                setattr(module, name, timed(original, part))
            figures = {}
            # the first build imports matplotlib for the card: a warm-up, with its own cache
            for version, cache in (("warm-up", "warm-up"), ("cold", "cache"),
                                   ("refresh", "cache")):
                spent.update(hashing=0.0, report=0.0)
                started = time.process_time()
                spec, items = datasets.plan(raw, GcdOptions.load("gcd-covers", version=version),
                                            load_names(), cache_dir=Path(tmp) / cache)
                build_release(spec, items, datasets.render, releases_root=Path(tmp) / "releases",
                              workers=1, progress=False)
                figures[version] = (spent["hashing"], spent["report"],
                                    time.process_time() - started)
        finally:
            for (module, name, _), original in zip(patched, originals):
                setattr(module, name, original)
    return figures


def main(images: int = IMAGES) -> None:
    folder, truth = labelled_set(images)
    expected = true_pairs(truth)
    count = len(list(folder.glob("*.jpg")))
    seconds, found = inkset_groups(folder)
    ours = count / seconds
    precision, recall = scores(found, expected)
    print(f"near-duplicates inkset images/s (hash + search, {WORKERS} processes): {ours:.0f} "
          f"({count} images, {seconds:.1f} s)")
    print(f"near-duplicates inkset precision / recall (radius {nd.DEFAULT_RADIUS}, groups): "
          f"{precision:.3f} / {recall:.3f} ({len(expected)} true pairs)")
    python, reason = imagededup_python(work_dirs().cache / "bench")
    if python is None:
        print(f"near-duplicates imagededup images/s: skipped ({reason})")
    else:
        seconds, found = imagededup_pairs(python, folder)
        theirs = count / seconds
        precision, recall = scores(found, expected)
        print(f"near-duplicates imagededup images/s (PHash encode + find_duplicates, {WORKERS} "
              f"workers): {theirs:.0f} ({seconds:.1f} s)")
        print(f"near-duplicates imagededup precision / recall (max_distance_threshold 10, "
              f"pairs): {precision:.3f} / {recall:.3f}")
        print(f"near-duplicates inkset / imagededup speed (goal >= 3): {ours / theirs:.2f}")
    for build, (hashing, report, total) in build_overhead().items():
        if build == "warm-up":
            continue
        print(f"near-duplicates hashing + report share of a {build} gcd-covers build (300 "
              f"covers, CPU; goal <= 10 %): {100 * (hashing + report) / total:.1f} % (hashing "
              f"{hashing:.2f} s, report {report:.2f} s, build {total:.2f} s)")


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
