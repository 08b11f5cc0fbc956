"""The pairwise table from one binary classifier per pair of classes (the option that trains
n(n-1)/2 models), beside the table restricted to each pair from the multi-class model."""
from __future__ import annotations

import copy
import itertools
import json
import logging
from pathlib import Path

import numpy as np

from core import atomic

from .config import read_run_config, save_config
from .evaluate import evaluate_run
from .release_view import open_release
from .runner import build_experiment, fit

log = logging.getLogger(__name__)


def fit_pairwise(run_dir: Path) -> np.ndarray:
    """Train and test a two-class model per pair under run_dir/pairs/<i>-<j>/; returns the
    symmetric table of test accuracies (NaN on the diagonal), also written to pairwise_binary.json."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir)
    release = open_release(cfg["data"]["release"])
    classes = len(release.label_sets[release.cls_label_set])
    table = np.full((classes, classes), np.nan)
    for i, j in itertools.combinations(range(classes), 2):
        pair_dir = run_dir / "pairs" / f"{i}-{j}"
        pair_dir.mkdir(parents=True, exist_ok=True)
        pair_cfg = copy.deepcopy(cfg)
        pair_cfg["model"]["pair"] = [i, j]
        pair_cfg["run"]["repeats"] = 1
        save_config(pair_cfg, pair_dir)
        experiment = build_experiment(pair_cfg)
        if not experiment.train_keys() or not experiment.eval_keys():
            log.warning("pair %d-%d: no training or test samples; left empty", i, j)
            continue
        fit(pair_cfg, pair_dir, resume=True)  # a killed table goes on where it stopped
        accuracy = evaluate_run(pair_dir, device="cpu")["summary"]["accuracy"]["mean"]
        table[i, j] = table[j, i] = accuracy
        log.info("pair %d-%d: binary accuracy %.3f", i, j, accuracy)
    atomic.write_text(run_dir / "pairwise_binary.json", json.dumps(
        {"table": np.where(np.isnan(table), None, table).tolist(),
         "mean": float(np.nanmean(table))}, indent=1) + "\n")
    return table
