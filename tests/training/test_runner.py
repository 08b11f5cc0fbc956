"""The runner: a killed run resumes to the same result; DDP over gloo matches one process."""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training.config import load_config, save_config
from training.evaluate import evaluate_run
from training.runner import build_experiment

# a small artist CNN on 48x64 pages: seconds per epoch on CPU
TINY = ["model.widths=[8,16,32,64,128]", "model.hidden=64", "run.repeats=1",
        "data.batch_size=16", "data.workers=0", "optim.lr=0.002", "run.amp=none",
        "eval.actmax_steps=5", "eval.actmax_units=2"]


def make_run(tmp_path: Path, release: Path, name: str, *settings: str) -> Path:
    cfg = load_config("artist-pages", overrides=[*TINY, *settings])
    cfg["data"]["release"] = str(release)
    run_dir = tmp_path / name
    run_dir.mkdir()
    save_config(cfg, run_dir)
    return run_dir


def run_fit(run_dir: Path, *extra: str, wait: bool = True):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-m", "training.train", str(run_dir), *extra]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    if wait:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output
    return process


def epochs_logged(run_dir: Path) -> list[dict]:
    path = run_dir / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# Killed by itself right after epoch 1's checkpoint is on disk and before its metrics row is:
# the window that once lost a row ([0, 2, 3]); no timing, so the kill lands there every time.
KILL_AFTER_CHECKPOINT = """
import os, runpy, signal, sys
import training.checkpoint as checkpoint
real_save = checkpoint.save
def save(path, **state):
    real_save(path, **state)
    if path.name.endswith("-last.pt") and state["epoch"] == 1:
        os.kill(os.getpid(), signal.SIGKILL)
checkpoint.save = save
sys.argv = ["training.train", *sys.argv[1:]]
runpy.run_module("training.train", run_name="__main__")
"""


@pytest.mark.slow
def test_sigkill_during_epoch_two_then_resume_equals_an_uninterrupted_run(tmp_path, small_pages):
    reference = make_run(tmp_path, small_pages, "reference", "optim.epochs=4")
    run_fit(reference)
    killed = make_run(tmp_path, small_pages, "killed", "optim.epochs=4")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.run([sys.executable, "-c", KILL_AFTER_CHECKPOINT, str(killed)],
                             env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]
    assert [r["epoch"] for r in epochs_logged(killed)] == [0]  # row 1 was not written yet
    run_fit(killed, "--resume")
    # every epoch logged once, none missing, and the same numbers as the uninterrupted run
    assert [r["epoch"] for r in epochs_logged(killed)] == [0, 1, 2, 3]
    for ours, theirs in zip(epochs_logged(killed), epochs_logged(reference)):
        assert ours["loss"] == theirs["loss"], (ours, theirs)
    # CPU kernels here are deterministic run to run: the final metrics are equal, not just close
    assert evaluate_run(killed, device="cpu")["repeats"] == \
        evaluate_run(reference, device="cpu")["repeats"]


@pytest.mark.slow
def test_ddp_two_processes_on_gloo_match_one_process(tmp_path, small_pages):
    single = make_run(tmp_path, small_pages, "single", "optim.epochs=8")
    run_fit(single)
    # 8 samples per process and step: the same effective batch (16) and steps as one process;
    # 2 loader workers per process, as a GPU run has (they once made each epoch 2x too long)
    ddp = make_run(tmp_path, small_pages, "ddp", "optim.epochs=8", "data.batch_size=8",
                   "data.workers=2")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "training.train", str(ddp)], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    curves = {name: [r["loss"] for r in epochs_logged(run)] for name, run in
              (("single", single), ("ddp", ddp))}
    # the same shape: the mean loss of the last two epochs is >15% under the first epoch's in
    # both, and within 20% of each other (DDP draws resampled shards: another sample order)
    experiment = build_experiment(json.loads((ddp / "config.json").read_text()))
    experiment.repeat = 0
    train_count = len(experiment.train_keys())
    assert {r["steps"] for r in epochs_logged(ddp)} == {math.ceil(train_count / 16)}
    tail = {name: sum(losses[-2:]) / 2 for name, losses in curves.items()}
    for name, losses in curves.items():
        assert len(losses) == 8 and tail[name] < 0.85 * losses[0], (name, losses)
    assert abs(tail["ddp"] - tail["single"]) <= 0.2 * tail["single"], curves
    a = evaluate_run(single, device="cpu")["summary"]["accuracy"]["mean"]
    b = evaluate_run(ddp, device="cpu")["summary"]["accuracy"]["mean"]
    # stated tolerance: 0.2 of accuracy on the ~27 test pages of this small release
    assert abs(a - b) <= 0.2, (a, b, curves)


@pytest.mark.slow
def test_pairwise_binary_table_trains_one_model_per_pair(tmp_path, training_home):
    from replicas.releases import scaled_release
    from training.pairwise import fit_pairwise

    # near-duplicate grouping off, as in the training configs: the replica's look-alike
    # illusts would chain into a few groups and leave most pairs without test samples
    release = scaled_release("pixiv-artists", scale=2, size=[32, 32],
                             home=training_home / "pairs", near_duplicate_splits="report")
    cfg = load_config("pixiv-artist", overrides=[
        "optim.epochs=1", "data.workers=0", "run.early_stop_patience=0", "data.batch_size=8"])
    cfg["data"]["release"] = str(release)
    run_dir = tmp_path / "pairwise"
    run_dir.mkdir()
    save_config(cfg, run_dir)
    table = fit_pairwise(run_dir)
    assert table.shape == (9, 9)
    off_diagonal = table[~np.eye(9, dtype=bool)]
    filled = off_diagonal[~np.isnan(off_diagonal)]  # a pair without test samples stays empty
    assert np.isnan(np.diag(table)).all() and len(filled) >= 60
    assert ((filled >= 0) & (filled <= 1)).all()
    assert np.array_equal(table, table.T, equal_nan=True)
    pairs = sorted(p.name for p in (run_dir / "pairs").iterdir())
    assert len(pairs) == 36 and "0-8" in pairs
    # each binary model is tested on its two artists' test samples only
    result = json.loads((run_dir / "pairs" / "0-1" / "metrics.json").read_text())
    names = json.loads((release / "labels.json").read_text())["artist"]["names"]
    manifest = pd.read_parquet(release / "manifest.parquet")
    kept = manifest[(manifest["status"] == "success") & (manifest["split"] == "test")]
    artists = kept["labels"].map(lambda raw: json.loads(raw)["artist"])
    assert result["repeats"][0]["test_samples"] == int(artists.isin(names[:2]).sum())
