"""Evaluate a run on its test split(s): metrics per repeat, mean ± std, chance levels, predictions."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch

from core import atomic

from . import checkpoint
from .config import read_run_config
from .distributed import pick_device
from .experiments.base import Experiment
from .loop import predict_all
from .runner import build_experiment, checkpoint_path, exact_loader

log = logging.getLogger(__name__)


def load_trained(run_dir: Path, repeat: int, device: torch.device | None = None
                 ) -> tuple[Experiment, torch.nn.Module]:
    """The experiment and its model with the best weights (else the last) of one repeat."""
    cfg = read_run_config(run_dir)
    experiment = build_experiment(cfg)
    experiment.repeat = repeat
    best, last = checkpoint_path(run_dir, repeat, "best"), checkpoint_path(run_dir, repeat)
    path = best if best.exists() else last
    if not path.exists():
        raise FileNotFoundError(f"{run_dir}: repeat {repeat} has no checkpoint; train it first")
    saved = checkpoint.load(path)
    experiment.state = saved["experiment_state"]
    model = experiment.build_model()
    model.load_state_dict(saved["model"])
    return experiment, model.to(device or torch.device("cpu")).eval()


def predictions_path(run_dir: Path, repeat: int) -> Path:
    return run_dir / "predictions" / f"repeat-{repeat:02d}.npz"


def evaluate_run(run_dir: Path, device: str = "auto") -> dict:
    """metrics.json: per-repeat test metrics, their mean and std, chance, the seed's figures."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir)
    target = pick_device(device)
    per_repeat, chance = [], []
    experiment = None
    for repeat in range(cfg["run"]["repeats"]):
        experiment, model = load_trained(run_dir, repeat, target)
        loader = exact_loader(experiment, experiment.test_splits, keys=experiment.eval_keys())
        outputs, keys = predict_all(experiment, model, loader, target, amp=cfg["run"]["amp"],
                                    channels_last=False)
        path = predictions_path(run_dir, repeat)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, __keys__=np.array(keys), **outputs)
        per_repeat.append(experiment.metrics(outputs, keys))
        chance.append(experiment.chance(outputs, keys))
        log.info("repeat %d: %s = %.4f on %d test samples", repeat, experiment.primary_metric,
                 per_repeat[-1][experiment.primary_metric], len(keys))
    result = {
        "experiment": cfg["experiment"], "release": experiment.release.describe(),
        "code_version": _code_version(), "primary_metric": experiment.primary_metric,
        "summary": summarise(_first_variant(per_repeat)),
        "chance": chance[0] if len(chance) == 1 else chance,
        "repeats": per_repeat, "seed_figures": experiment.seed_figures,
    }
    variants = [r["variant"] for r in per_repeat if "variant" in r]
    if variants:  # repeats that train different models (e.g. Manga-MMTL's M1..M5)
        result["summary_by_variant"] = {
            v: summarise([r for r in per_repeat if r.get("variant") == v])
            for v in dict.fromkeys(variants)}
    atomic.write_text(run_dir / "metrics.json", json.dumps(result, indent=2, default=_jsonable) + "\n")
    return result


def _first_variant(per_repeat: list[dict]) -> list[dict]:
    """The repeats of the first model variant (all repeats when they train one model): a mean
    over different models would mean nothing."""
    first = per_repeat[0].get("variant")
    return [r for r in per_repeat if r.get("variant") == first]


def _spread(values: list[float]) -> dict:
    array = np.array(values, dtype=float)
    return {"mean": float(array.mean()), "std": float(array.std()), "n": len(array)}


def summarise(per_repeat: list[dict]) -> dict:
    """mean and std (population, as a spread over repeats) of every scalar metric; per-class
    tables (e.g. per_class_f1) go to summary["per_class"][table][class]."""
    summary, per_class = {}, {}
    for name, value in per_repeat[0].items():
        if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
            summary[name] = _spread([r[name] for r in per_repeat])
        elif name.startswith("per_class_") and isinstance(value, dict):
            per_class[name] = {label: _spread([r[name][label] for r in per_repeat])
                               for label in value}
    if per_class:
        summary["per_class"] = per_class
    return summary


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _code_version() -> str:
    from core.code_version import code_version

    return code_version()
