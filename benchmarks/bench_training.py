"""Training figures: loader throughput against a pure JPEG decode of the same shards (goal >=
0.9x), and CPU training samples/s per experiment (one short epoch each)."""
from __future__ import annotations

import functools
import io
import time
from pathlib import Path

WORKERS = 2
PASSES = 3


def _decode_only(raw: dict):
    """The floor: JPEG bytes -> RGB array, nothing else (same shards, same workers)."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(raw["jpg"])).convert("RGB"))


def _rate(loader, count=lambda item: 1) -> float:
    samples, started = 0, time.perf_counter()
    for item in loader:
        samples += count(item)
    return samples / (time.perf_counter() - started)


def loader_ratio(release: Path) -> None:
    import webdataset as wds
    from torch.utils.data import DataLoader

    from training.config import load_config
    from training.data import WORKER_START, train_loader, train_stream
    from training.experiments import experiment_class
    from training.release_view import open_release
    from training.runner import _transform

    info = open_release(release)
    cfg = load_config("pixiv-artist")
    experiment = experiment_class("pixiv-artist")(cfg, info)
    stream = train_stream(info, ["train"], functools.partial(_transform, experiment, True),
                          batch_size=32, seed=0, epoch=0, workers=WORKERS, shuffle_buffer=200)
    ours_loader = train_loader(stream, WORKERS, pin_memory=False)
    floor = wds.DataPipeline(wds.SimpleShardList(info.urls("train")), wds.split_by_worker,
                             wds.tarfile_to_samples(), wds.map(_decode_only))
    floor_loader = DataLoader(floor, batch_size=None, num_workers=WORKERS,
                              multiprocessing_context=WORKER_START, persistent_workers=True)
    ours, plain = 0.0, 0.0
    for attempt in range(PASSES + 1):  # the first pass pays for the worker start-up
        rate_ours = _rate(ours_loader, lambda batch: len(batch["key"]))
        rate_plain = _rate(floor_loader)
        if attempt:  # best of the later passes: the machine's other load only slows a pass
            ours, plain = max(ours, rate_ours), max(plain, rate_plain)
    print(f"loader: {ours:.0f} decoded+augmented samples/s into tensors (pixiv-artists "
          f"{info.counts['train']} x 500x500, {WORKERS} workers)")
    print(f"loader: pure JPEG decode of the same shards {plain:.0f} samples/s")
    print(f"loader: ratio {ours / plain:.2f} (goal >= 0.9)")


def training_rates(home: Path) -> None:
    from replicas.releases import scaled_release
    from training.config import demo_trainings, load_config, save_config
    from training.runner import fit

    for experiment, demo in demo_trainings().items():
        options = demo.replica
        release = scaled_release(demo.dataset, home=home / "training", **options)
        cfg = load_config(experiment, overrides=[*demo.settings, "optim.epochs=1",
                                                 "run.repeats=1"])
        cfg["data"]["release"] = str(release)
        run_dir = home / "runs" / f"{experiment}-{time.time_ns()}"
        run_dir.mkdir(parents=True)
        save_config(cfg, run_dir)
        fit(cfg, run_dir)
        import json

        record = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])
        size = "x".join(map(str, options["size"]))
        print(f"train {experiment}: {record['samples_per_s']:.1f} samples/s on CPU at {size} "
              f"(data wait {100 * record['data_wait_share']:.0f}%, peak RSS "
              f"{record['peak_memory_mb']:.0f} MB)")


def main() -> None:
    from replicas.releases import scaled_release
    from core.paths import work_dirs

    home = work_dirs().cache / "bench" / "training"
    release = scaled_release("pixiv-artists", scale=8, home=home / "loader")
    loader_ratio(release)
    training_rates(home)


if __name__ == "__main__":
    main()
