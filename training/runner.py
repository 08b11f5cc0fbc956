"""The one runner: fit (single process or DDP under torchrun), checkpoint, resume, early stop."""
from __future__ import annotations

import functools
import json
import logging
import math
import random
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from . import checkpoint, distributed
from .data import ExactSplit, eval_loader, train_loader, train_stream
from .experiments import experiment_class
from .experiments.base import Experiment
from .loop import predict_all, train_one_epoch
from .release_view import open_release

log = logging.getLogger(__name__)


def build_experiment(cfg: dict) -> Experiment:
    release = open_release(cfg["data"]["release"])
    return experiment_class(cfg["experiment"])(cfg, release)


def _transform(experiment: Experiment, train: bool, sample: dict, epoch: int) -> dict:
    return experiment.transform(sample, epoch, train)


def present(experiment: Experiment, splits) -> list[str]:
    return [s for s in splits if experiment.release.counts.get(s)]


def exact_loader(experiment: Experiment, splits, keys=None, workers: int | None = None):
    data = experiment.cfg["data"]
    dataset = ExactSplit(experiment.release, present(experiment, splits),
                         functools.partial(_transform, experiment, False), keys=keys)
    return eval_loader(dataset, data["eval_batch_size"],
                       data["workers"] if workers is None else workers)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def build_optimizer(optim: dict, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if optim["name"] == "sgd":
        return torch.optim.SGD(params, lr=optim["lr"], momentum=optim.get("momentum", 0.9),
                               weight_decay=optim["weight_decay"])
    if optim["name"] == "adamw":
        return torch.optim.AdamW(params, lr=optim["lr"], weight_decay=optim["weight_decay"])
    raise ValueError(f"optim.name must be one of ['adamw', 'sgd'], not {optim['name']!r}")


def build_scheduler(optim: dict, optimizer: torch.optim.Optimizer):
    schedule, epochs = optim["schedule"], optim["epochs"]
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    if schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, optim["step_size"], optim["gamma"])
    if schedule == "none":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    raise ValueError(f"optim.schedule must be one of ['cosine', 'step', 'none'], not {schedule!r}")


def checkpoint_path(run_dir: Path, repeat: int, kind: str = "last") -> Path:
    return run_dir / "checkpoints" / f"repeat-{repeat:02d}-{kind}.pt"


def fit(cfg: dict, run_dir: Path, resume: bool = False) -> None:
    """Train every repeat of the run (repeats > 1: the seed's repeated-split protocols)."""
    run = cfg["run"]
    d = distributed.setup(run["device"])
    try:
        experiment = build_experiment(cfg)
        for repeat in range(run["repeats"]):
            fit_repeat(experiment, repeat, run_dir, d, resume)
    finally:
        distributed.teardown(d)


def _setup_samples(experiment: Experiment):
    keys = experiment.train_keys()
    dataset = ExactSplit(experiment.release, present(experiment, experiment.train_splits),
                         lambda sample, epoch: sample, keys=keys)
    return (dataset[i] for i in range(len(dataset)))


def fit_repeat(experiment: Experiment, repeat: int, run_dir: Path, d: distributed.Dist,
               resume: bool) -> None:
    cfg, data, optim, run = (experiment.cfg, experiment.cfg["data"], experiment.cfg["optim"],
                             experiment.cfg["run"])
    seed = run["seed"] + repeat
    seed_everything(seed)
    experiment.repeat = repeat
    last_path = checkpoint_path(run_dir, repeat)
    saved = checkpoint.load(last_path) if resume and last_path.exists() else None
    if saved is not None:
        experiment.state = saved["experiment_state"]
        if saved["finished"]:
            log.info("repeat %d finished earlier; skipped", repeat)
            return
    elif experiment.needs_setup:
        experiment.setup(_setup_samples(experiment))
    model = experiment.build_model().to(d.device)
    if run["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    optimizer = build_optimizer(optim, model)
    scheduler = build_scheduler(optim, optimizer)
    start, best, stale = 0, -math.inf, 0
    if saved is not None:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        checkpoint.restore_rng(saved["rng"])
        start, best, stale = saved["epoch"] + 1, saved["best"], saved["stale"]
        log.info("repeat %d resumes at epoch %d", repeat, start)
    trained = torch.compile(model) if run["compile"] else model
    if d.active:
        trained = DistributedDataParallel(
            trained, device_ids=[d.local_rank] if d.device.type == "cuda" else None)
    train_count = sum(experiment.release.counts.get(s, 0) for s in experiment.train_splits)
    keys, held_out = experiment.train_keys(), experiment.val_keys()
    if held_out:
        if keys is None:
            manifest = experiment.release.manifest()
            keys = set(manifest[manifest["split"].isin(experiment.train_splits)]["key"])
        keys = keys - held_out
    if keys is not None:
        train_count = len(keys)
    stream = train_stream(
        experiment.release, present(experiment, experiment.train_splits),
        functools.partial(_transform, experiment, True), batch_size=data["batch_size"],
        seed=seed, epoch=start, workers=data["workers"], world_size=d.world_size, keys=keys,
        shuffle_buffer=data["shuffle_buffer"], resampled=d.active or data["resampled"],
        batches_per_epoch=math.ceil(train_count / (data["batch_size"] * d.world_size)))
    loader = train_loader(stream, data["workers"], pin_memory=d.device.type == "cuda")
    val_loader = None
    if run["early_stop_patience"] and held_out:
        val_loader = exact_loader(experiment, experiment.train_splits, keys=held_out, workers=0)
    elif run["early_stop_patience"] and present(experiment, experiment.val_splits):
        val_loader = exact_loader(experiment, experiment.val_splits, workers=0)
    for epoch in range(start, optim["epochs"]):
        stats = train_one_epoch(experiment, trained, loader, optimizer, d, amp=run["amp"],
                                clip_grad=optim["clip_grad"], channels_last=run["channels_last"])
        stats["loss"] = distributed.mean_across(d, stats["loss"])
        record = {"repeat": repeat, "epoch": epoch, "lr": optimizer.param_groups[0]["lr"], **stats}
        scheduler.step()
        if val_loader is not None:
            outputs, val_keys = predict_all(experiment, model, val_loader, d.device,
                                            amp=run["amp"], channels_last=run["channels_last"])
            record["val"] = _numbers(experiment.metrics(outputs, val_keys))
            score = record["val"][experiment.primary_metric]
            if score > best:
                best, stale = score, 0
                if d.main:
                    checkpoint.save(checkpoint_path(run_dir, repeat, "best"),
                                    model=checkpoint.unwrap(model).state_dict(), epoch=epoch,
                                    experiment_state=experiment.state, score=score)
            else:
                stale += 1
        stop = bool(run["early_stop_patience"]) and stale >= run["early_stop_patience"]
        finished = stop or epoch == optim["epochs"] - 1
        if d.main:
            checkpoint.save(last_path, model=checkpoint.unwrap(model).state_dict(),
                            optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                            scaler=None,  # bf16 autocast needs no loss scaling
                            epoch=epoch, rng=checkpoint.rng_states(), best=best, stale=stale,
                            finished=finished, experiment_state=experiment.state, config=cfg)
            append_metrics(run_dir, record)
            log.info("repeat %d epoch %d: loss %.4f, %.1f samples/s, data wait %.0f%%%s",
                     repeat, epoch, stats["loss"], stats["samples_per_s"],
                     100 * stats["data_wait_share"],
                     f", val {experiment.primary_metric} {record['val'][experiment.primary_metric]:.4f}"
                     if "val" in record else "")
        distributed.barrier(d)
        if stop:
            log.info("repeat %d: early stop after epoch %d (no gain in %d epochs)", repeat, epoch,
                     stale)
            break


def _numbers(metrics: dict) -> dict:
    """The scalar metrics only (per-class tables stay in metrics.json)."""
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float, np.floating))}


def append_metrics(run_dir: Path, record: dict) -> None:
    """metrics.jsonl: one line per (repeat, epoch); a resumed epoch replaces its earlier line."""
    path = run_dir / "metrics.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    kept = [line for line in lines
            if (json.loads(line)["repeat"], json.loads(line)["epoch"])
            < (record["repeat"], record["epoch"])]
    from core import atomic

    atomic.write_text(path, "".join(f"{line}\n" for line in kept)
                      + json.dumps(record, sort_keys=True) + "\n")
