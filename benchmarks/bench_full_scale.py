"""Full-size figures on a Manga109-sized replica of `manga109-faces` (issue 21): loader vs pure
decode at 224 px, the runner's epoch loop vs a hand-written PyTorch loop, distinct classes per
batch, peak RSS. INKSET_BENCH_FULL_FRACTION sets the share of each title's images (default 0.05:
~530 images, a few minutes on a laptop; 1 = the full 10,602 images / ~116k faces, an hour or more
of CPU to build); INKSET_BENCH_FULL_STEPS the batches of the loop comparison (8)."""
from __future__ import annotations

import itertools
import os
import resource
import time
from math import comb
from pathlib import Path

WORKERS = 2
BATCH = 32
STEPS = int(os.environ.get("INKSET_BENCH_FULL_STEPS", "8"))


def _fraction() -> float:
    return float(os.environ.get("INKSET_BENCH_FULL_FRACTION", "0.05"))


def _experiment(release: Path):
    """Manga-MMTL's image-only model (M1) on the faces, small enough for a CPU benchmark."""
    from training.config import load_config
    from training.experiments import experiment_class
    from training.release_view import open_release

    info = open_release(release)
    cfg = load_config("manga-mmtl", overrides=['model.variants=["M1"]', "model.depth=10",
                                               "model.image_width=16", "data.val_titles=0"])
    cfg["data"]["release"] = str(release)
    experiment = experiment_class("manga-mmtl")(cfg, info)
    experiment.setup(iter(()))  # M1 reads no text: an empty vocabulary, no albums
    return experiment


def _loaders(experiment):
    import functools

    import webdataset as wds
    from torch.utils.data import DataLoader

    from training.data import WORKER_START, train_loader, train_stream
    from training.runner import _transform
    from benchmarks.bench_training import _decode_only

    info = experiment.release
    stream = train_stream(info, ["train"], functools.partial(_transform, experiment, True),
                          batch_size=BATCH, seed=0, epoch=0, workers=WORKERS)
    floor = wds.DataPipeline(wds.SimpleShardList(info.urls("train")), wds.split_by_worker,
                             wds.tarfile_to_samples(), wds.map(_decode_only))
    return (train_loader(stream, WORKERS, pin_memory=False),
            DataLoader(floor, batch_size=None, num_workers=WORKERS,
                       multiprocessing_context=WORKER_START, persistent_workers=True))


def _expected_distinct(counts: list[int]) -> float:
    """E[distinct classes] in BATCH samples drawn without replacement from these class counts."""
    total = sum(counts)
    return sum(1 - comb(total - n, BATCH) / comb(total, BATCH) for n in counts)


def loader_figures(experiment) -> None:
    ours_loader, floor_loader = _loaders(experiment)
    best_ours = best_floor = 0.0
    distinct: list[int] = []
    for attempt in range(2):  # the first pass pays for the worker start-up
        started, samples = time.perf_counter(), 0
        for batch in ours_loader:
            samples += len(batch["key"])
            if attempt and len(batch["key"]) == BATCH:
                distinct.append(len(set(batch["character"].tolist())))
        rate = samples / (time.perf_counter() - started)
        started, plain = time.perf_counter(), sum(1 for _ in floor_loader)
        if attempt:
            best_ours, best_floor = rate, plain / (time.perf_counter() - started)
    print(f"full-scale loader: {best_ours:.0f} samples/s at 224 px ({WORKERS} workers, decode "
          f"+ augment + batch) vs pure decode {best_floor:.0f}: ratio "
          f"{best_ours / best_floor:.2f} (goal >= 0.9)")
    manifest = experiment.release.manifest()
    counts = manifest[manifest["split"] == "train"]["labels"]
    import json
    per_class = {}
    for labels in counts:
        character = json.loads(labels)["character"] if isinstance(labels, str) else labels
        per_class[character] = per_class.get(character, 0) + 1
    print(f"full-scale batches: {sum(distinct) / len(distinct):.1f} distinct characters per "
          f"batch of {BATCH} (random order: {_expected_distinct(list(per_class.values())):.1f}; "
          f"{len(per_class)} characters in train)")


def runner_vs_plain_loop(experiment) -> None:
    """The same batches, model and loss through training.loop.train_one_epoch and through a
    hand-written loop (normalise, forward, cross-entropy, step)."""
    import torch
    import torch.nn.functional as F

    from training.data import normalise
    from training.distributed import setup
    from training.loop import train_one_epoch

    ours_loader, _ = _loaders(experiment)
    batches = list(itertools.islice(iter(ours_loader), STEPS + 2))  # decoded once, for both
    rates, run = {}, experiment.cfg["run"]
    # interleaved, alternating who goes first, best of three each: on a shared machine another
    # job's burst slows one pass, never speeds one up
    for name in ("runner", "plain", "plain", "runner", "runner", "plain"):
        torch.manual_seed(0)
        model = experiment.build_model()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        if name == "runner":  # as the runner sets it up from the experiment's config
            if run["channels_last"]:
                model = model.to(memory_format=torch.channels_last)
            record = train_one_epoch(experiment, model, batches[2:], optimizer, setup("cpu"),
                                     amp=run["amp"], clip_grad=0.0,
                                     channels_last=run["channels_last"])
            rate = record["samples_per_s"]
        else:
            model.train()
            started, samples = time.perf_counter(), 0
            for batch in batches[2:]:
                logits, _ = model(normalise(batch["image"]), batch["tokens"])
                loss = F.cross_entropy(logits["character"], batch["character"])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                samples += len(batch["key"])
            rate = samples / (time.perf_counter() - started)
        rates[name] = max(rates.get(name, 0.0), rate)
    print(f"full-scale runner: {rates['runner']:.1f} samples/s vs a hand-written loop "
          f"{rates['plain']:.1f} (same {STEPS} batches, ResNet-10 width 16, CPU, channels_last="
          f"{run['channels_last']}, amp={run['amp']}): ratio "
          f"{rates['runner'] / rates['plain']:.2f} (goal >= 0.9)")


def main() -> None:
    from core.paths import work_dirs
    from replicas.releases import scaled_release
    from training.release_view import open_release

    fraction = _fraction()
    # one work dir per fraction: a release's path has no scale in it
    home = work_dirs().cache / "bench" / f"full-scale-{fraction:g}"
    started = time.perf_counter()
    release = scaled_release("manga109-faces", scale="full", full_fraction=fraction, home=home,
                             workers=2)
    info = open_release(release)
    print(f"full-scale: manga109-faces from the Manga109-sized replica at fraction {fraction:g} "
          f"of its images: {info.counts} faces (built or found in "
          f"{time.perf_counter() - started:.0f} s; INKSET_BENCH_FULL_FRACTION=1 for full size)")
    experiment = _experiment(release)
    loader_figures(experiment)
    runner_vs_plain_loop(experiment)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"full-scale memory: peak RSS {own:.0f} MB in the training process, {workers:.0f} MB "
          f"in the largest finished child (a loader worker) over the epochs above")


if __name__ == "__main__":
    main()
