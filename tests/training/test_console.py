"""What a person sees while training: an estimate per epoch, a warning for seed-scale CPU runs,
and inkset's INFO lines on the console (issue 22, console)."""
from __future__ import annotations

import logging
from types import SimpleNamespace

import torch

from flows.cli import console_logging
from training import runner


def test_time_left_is_the_mean_epoch_times_the_epochs_left():
    assert runner.time_left(90.0, 3, 4) == "1 min 30 s elapsed, about 2 min 00 s left"
    assert runner.time_left(7200.0, 1, 0) == "2 h 00 min elapsed, done"
    assert runner.time_left(5.0, 0, 2) == "5 s elapsed, about 10 s left"  # no epoch done yet


def fake_experiment(epochs: int, train: int):
    cfg = {"experiment": "artist-pages", "run": {"repeats": 2}, "optim": {"epochs": epochs},
           "data": {"batch_size": 20}}
    return SimpleNamespace(cfg=cfg, train_splits=("train",),
                           release=SimpleNamespace(counts={"train": train, "test": 50}))


def test_seed_scale_on_the_cpu_warns_with_the_step_count(caplog):
    cpu = SimpleNamespace(device=torch.device("cpu"), world_size=1)
    with caplog.at_level(logging.WARNING, logger="training.runner"):
        runner.warn_cpu_scale(fake_experiment(epochs=2, train=400), cpu)  # 2 x 2 x 20 steps
        assert not caplog.records
        runner.warn_cpu_scale(fake_experiment(epochs=300, train=2000), cpu)
    assert len(caplog.records) == 1
    assert "60000 optimiser steps (2 repeats x 300 epochs of batch 20)" in caplog.text
    gpu = SimpleNamespace(device=torch.device("cuda"), world_size=1)
    caplog.clear()
    runner.warn_cpu_scale(fake_experiment(epochs=300, train=2000), gpu)
    assert not caplog.records


def test_inkset_info_lines_reach_the_console_and_other_libraries_stay_quiet():
    saved = {name: logging.getLogger(name).level for name in ("training", "urllib3")}
    try:
        console_logging(verbose=False)
        assert logging.getLogger("training.runner").isEnabledFor(logging.INFO)
        assert not logging.getLogger("urllib3").isEnabledFor(logging.INFO)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_reading_a_split_by_index_prints_nothing(small_pages, capfd):
    """wids prints a "base: ... nfiles: ..." line per dataset to stderr; inkset's output has
    no library lines."""
    from training.data import ExactSplit
    from training.release_view import open_release

    split = ExactSplit(open_release(small_pages), ["train", "test"], lambda s, e: s)
    assert len(split) > 0
    out, err = capfd.readouterr()
    assert "nfiles" not in out + err and (out, err) == ("", "")
