"""The one runner: fit (single process or DDP under torchrun), checkpoint, resume, early stop."""
from __future__ import annotations

import functools
import json
import logging
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from core.errors import UsageError

from . import checkpoint, distributed
from .data import ExactSplit, eval_loader, train_loader, train_stream
from .experiments import experiment_class
from .experiments.base import Experiment
from .loop import predict_all, train_one_epoch
from .release_view import ReleaseInfo, open_release

log = logging.getLogger(__name__)


def build_experiment(cfg: dict) -> Experiment:
    release = open_release(cfg["data"]["release"])
    return experiment_class(cfg["experiment"])(cfg, release)


def check_release(cfg: dict, release: ReleaseInfo) -> None:
    """One line, before any work, when the release cannot train the experiment (e.g. illust2vec
    on gcd-covers, which has no tag sets): not a KeyError after the first epochs."""
    problems = experiment_class(cfg["experiment"])(cfg, release).release_problems()
    if problems:
        dataset = cfg["data"].get("dataset")
        hint = f"; {cfg['experiment']} trains on {dataset} releases" if dataset else ""
        raise UsageError(f"{release.path} does not fit {cfg['experiment']}: "
                         f"{'; '.join(problems)}{hint}")


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
        if d.main:
            warn_cpu_scale(experiment, d)
        for repeat in range(run["repeats"]):
            fit_repeat(experiment, repeat, run_dir, d, resume)
    finally:
        distributed.teardown(d)


# on a CPU, a run with more optimiser steps than this is seed scale, not a try-out
CPU_STEPS_WARNING = 5_000


def warn_cpu_scale(experiment: Experiment, d: distributed.Dist) -> None:
    """The seed protocols are the defaults and take hours to days on a CPU: say so up front."""
    cfg = experiment.cfg
    train_count = sum(experiment.release.counts.get(s, 0) for s in experiment.train_splits)
    steps = (cfg["run"]["repeats"] * cfg["optim"]["epochs"]
             * math.ceil(train_count / (cfg["data"]["batch_size"] * d.world_size)))
    if d.device.type == "cpu" and steps > CPU_STEPS_WARNING:
        log.warning("%s on the CPU: %d optimiser steps (%d repeats x %d epochs of batch %d); "
                    "the seed's settings are meant for a GPU and this may take many hours: the "
                    "per-epoch lines estimate the rest; for a try-out set e.g. optim.epochs=2",
                    cfg["experiment"], steps, cfg["run"]["repeats"], cfg["optim"]["epochs"],
                    cfg["data"]["batch_size"])


def _setup_samples(experiment: Experiment):
    keys = experiment.train_keys()
    dataset = ExactSplit(experiment.release, present(experiment, experiment.train_splits),
                         lambda sample, epoch: sample, keys=keys)
    return (dataset[i] for i in range(len(dataset)))


def fit_repeat(experiment: Experiment, repeat: int, run_dir: Path, d: distributed.Dist,
               resume: bool) -> None:
    """One repeat: resume or set up, build the model and loaders, then train epoch by epoch
    (validate, checkpoint) until the last epoch or an early stop."""
    run = experiment.cfg["run"]
    seed = run["seed"] + repeat
    seed_everything(seed)
    experiment.repeat = repeat
    saved = _restore_or_setup(experiment, checkpoint_path(run_dir, repeat), resume)
    if saved is not None and saved["finished"]:
        log.info("repeat %d finished earlier; skipped", repeat)
        return
    training = _Repeat(experiment, repeat, run_dir, d, saved)
    keys, held_out = _train_and_held_out_keys(experiment)
    loader = _train_loader(experiment, d, keys, seed, training.start)
    val_loader = _val_loader(experiment, held_out)
    for epoch in range(training.start, experiment.cfg["optim"]["epochs"]):
        record = training.train_epoch(loader, epoch)
        if val_loader is not None:
            record["val"] = training.validate(val_loader, epoch)
        if training.end_epoch(record, epoch):
            break


def _restore_or_setup(experiment: Experiment, last_path: Path, resume: bool) -> dict | None:
    """The repeat's last checkpoint when resuming (its experiment state restored); otherwise the
    experiment's one-off setup over the training samples, when it needs one."""
    saved = checkpoint.load(last_path) if resume and last_path.exists() else None
    if saved is not None:
        experiment.state = saved["experiment_state"]
    elif experiment.needs_setup:
        experiment.setup(_setup_samples(experiment))
    return saved


def _train_and_held_out_keys(experiment: Experiment) -> tuple[set[str] | None, set[str] | None]:
    """The keys to train on (None: all of the train splits) and those held out of them for early
    stopping, which the training stream must not see."""
    keys, held_out = experiment.train_keys(), experiment.val_keys()
    if held_out:
        if keys is None:
            manifest = experiment.release.manifest()
            keys = set(manifest[manifest["split"].isin(experiment.train_splits)]["key"])
        keys = keys - held_out
    return keys, held_out


def _train_loader(experiment: Experiment, d: distributed.Dist, keys: set[str] | None, seed: int,
                  start: int):
    data = experiment.cfg["data"]
    train_count = sum(experiment.release.counts.get(s, 0) for s in experiment.train_splits)
    if keys is not None:
        train_count = len(keys)
    stream = train_stream(
        experiment.release, present(experiment, experiment.train_splits),
        functools.partial(_transform, experiment, True), batch_size=data["batch_size"],
        seed=seed, epoch=start, workers=data["workers"], world_size=d.world_size, keys=keys,
        shuffle_buffer=data["shuffle_buffer"], resampled=d.active or data["resampled"],
        batches_per_epoch=math.ceil(train_count / (data["batch_size"] * d.world_size)))
    return train_loader(stream, data["workers"], pin_memory=d.device.type == "cuda")


def _val_loader(experiment: Experiment, held_out: set[str] | None):
    """The early-stopping loader: the held-out training keys, else the val splits, else none."""
    if not experiment.cfg["run"]["early_stop_patience"]:
        return None
    if held_out:
        return exact_loader(experiment, experiment.train_splits, keys=held_out, workers=0)
    if present(experiment, experiment.val_splits):
        return exact_loader(experiment, experiment.val_splits, workers=0)
    return None


class _Repeat:
    """One repeat's model, optimizer and scheduler, and its early-stop tally (best, stale)."""

    def __init__(self, experiment: Experiment, repeat: int, run_dir: Path, d: distributed.Dist,
                 saved: dict | None) -> None:
        self.experiment, self.repeat, self.run_dir, self.d = experiment, repeat, run_dir, d
        self.run, self.optim = experiment.cfg["run"], experiment.cfg["optim"]
        self.model = experiment.build_model().to(d.device)
        if self.run["channels_last"]:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = build_optimizer(self.optim, self.model)
        self.scheduler = build_scheduler(self.optim, self.optimizer)
        self.start, self.best, self.stale = 0, -math.inf, 0
        if saved is not None:
            self._resume(saved)
        self.started = time.monotonic()  # for the per-epoch line's elapsed time and estimate
        self.trained = self._wrap(self.model)

    def _resume(self, saved: dict) -> None:
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        checkpoint.restore_rng(saved["rng"])
        self.start, self.best, self.stale = saved["epoch"] + 1, saved["best"], saved["stale"]
        log.info("repeat %d resumes at epoch %d", self.repeat, self.start)

    def _wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """What the training steps call: compiled and/or DDP-wrapped; checkpoints and
        validation keep using the bare model."""
        trained = torch.compile(model) if self.run["compile"] else model
        if self.d.active:
            trained = DistributedDataParallel(
                trained, device_ids=[self.d.local_rank] if self.d.device.type == "cuda" else None)
        return trained

    def train_epoch(self, loader, epoch: int) -> dict:
        """One pass over the training stream; the record of metrics.jsonl (lr before the step)."""
        stats = train_one_epoch(self.experiment, self.trained, loader, self.optimizer, self.d,
                                amp=self.run["amp"], clip_grad=self.optim["clip_grad"],
                                channels_last=self.run["channels_last"])
        stats["loss"] = distributed.mean_across(self.d, stats["loss"])
        record = {"repeat": self.repeat, "epoch": epoch,
                  "lr": self.optimizer.param_groups[0]["lr"], **stats}
        self.scheduler.step()
        return record

    def validate(self, val_loader, epoch: int) -> dict:
        """The scalar val metrics; a new best score is checkpointed, no gain counts as stale."""
        experiment = self.experiment
        outputs, val_keys = predict_all(experiment, self.model, val_loader, self.d.device,
                                        amp=self.run["amp"],
                                        channels_last=self.run["channels_last"])
        val = _numbers(experiment.metrics(outputs, val_keys))
        score = val[experiment.primary_metric]
        if score > self.best:
            self.best, self.stale = score, 0
            if self.d.main:
                checkpoint.save(checkpoint_path(self.run_dir, self.repeat, "best"),
                                model=checkpoint.unwrap(self.model).state_dict(), epoch=epoch,
                                experiment_state=experiment.state, score=score)
        else:
            self.stale += 1
        return val

    def end_epoch(self, record: dict, epoch: int) -> bool:
        """Checkpoint, record and log the epoch (main process); True when early stopping ends
        the repeat here."""
        patience = self.run["early_stop_patience"]
        stop = bool(patience) and self.stale >= patience
        if self.d.main:
            self._save_last(epoch, finished=stop or epoch == self.optim["epochs"] - 1)
            append_metrics(self.run_dir, record)
            self._log_epoch(record, epoch)
        distributed.barrier(self.d)
        if stop:
            log.info("repeat %d: early stop after epoch %d (no gain in %d epochs)", self.repeat,
                     epoch, self.stale)
        return stop

    def _save_last(self, epoch: int, finished: bool) -> None:
        checkpoint.save(checkpoint_path(self.run_dir, self.repeat),
                        model=checkpoint.unwrap(self.model).state_dict(),
                        optimizer=self.optimizer.state_dict(),
                        scheduler=self.scheduler.state_dict(),
                        scaler=None,  # bf16 autocast needs no loss scaling
                        epoch=epoch, rng=checkpoint.rng_states(), best=self.best,
                        stale=self.stale, finished=finished,
                        experiment_state=self.experiment.state, config=self.experiment.cfg)

    def _log_epoch(self, record: dict, epoch: int) -> None:
        metric = self.experiment.primary_metric
        epochs, repeats = self.optim["epochs"], self.run["repeats"]
        log.info("repeat %d/%d epoch %d/%d: loss %.4f, %.1f samples/s, data wait %.0f%%%s; %s",
                 self.repeat + 1, repeats, epoch + 1, epochs, record["loss"],
                 record["samples_per_s"], 100 * record["data_wait_share"],
                 f", val {metric} {record['val'][metric]:.4f}" if "val" in record else "",
                 time_left(time.monotonic() - self.started, epoch + 1 - self.start,
                           epochs - epoch - 1 + (repeats - self.repeat - 1) * epochs))


def time_left(elapsed: float, epochs_done: int, epochs_left: int) -> str:
    """'1 min 05 s elapsed, about 3 min left' (the mean epoch so far times the epochs left,
    later repeats included; early stopping can only make it shorter)."""
    left = elapsed / max(epochs_done, 1) * epochs_left
    return f"{duration(elapsed)} elapsed, " + ("done" if not epochs_left
                                               else f"about {duration(left)} left")


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


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
