"""The experiment interface: what one research model adds to the shared runner."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from training.release_view import ReleaseInfo


class Experiment:
    """One seed experiment. Subclasses set the class attributes and override the methods.

    The runner (training/runner.py) owns everything else: loaders, devices, bf16 autocast,
    channels_last, DDP, checkpoints, LR schedule, early stopping, metrics files and the report.
    `self.cfg` is the resolved config (training/configs/<name>.toml + overrides): a dict of
    sections "data", "model", "optim", "run", "eval" and the experiment's own.
    """

    primary_metric = ""        # early stopping and model selection: higher is better
    chance_metrics: tuple[str, ...] = ()  # metrics the report sets beside their chance level
    image_mode = "RGB"         # "L" or "RGB": what transform() feeds the model

    def __init__(self, cfg: dict, release: ReleaseInfo) -> None:
        self.cfg = cfg
        self.release = release
        self.state: dict[str, Any] = {}   # JSON-able, saved in every checkpoint (e.g. a vocabulary)

    # ---- the release ----------------------------------------------------------------------
    def release_problems(self) -> list[str]:
        """Why the release cannot train this experiment (empty when it can). The runner checks
        this before the first step, so a wrong release costs one line, not a training run."""
        problems = []
        for role, splits in (("training", self.train_splits), ("test", self.test_splits)):
            if not any(self.release.counts.get(split) for split in splits):
                problems.append(f"no {role} samples in splits {list(splits)} "
                                f"(it has {self.release.counts})")
        return problems

    # ---- data -----------------------------------------------------------------------------
    def setup(self, train_samples) -> None:
        """Called once before the model is built, with an iterable over the decoded training
        samples (no transform) when `needs_setup` is true: build a vocabulary, count classes."""

    needs_setup = False
    setup_reads_images = True   # False: setup() gets the samples without "image" (not decoded)

    def train_keys(self) -> set[str] | None:
        """Keys to train on, or None for the whole train split (repeated-split protocols)."""
        return None

    def eval_keys(self) -> set[str] | None:
        return None

    def val_keys(self) -> set[str] | None:
        """Keys held out of the training splits for early stopping (when the release has no
        val split); the runner removes them from the training stream."""
        return None

    train_splits: tuple[str, ...] = ("train",)
    val_splits: tuple[str, ...] = ("val",)      # early stopping; absent or empty -> none
    test_splits: tuple[str, ...] = ("test",)

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        """A decoded sample (training/data.decode_sample) -> tensors; must keep "key"."""
        raise NotImplementedError

    # ---- model ----------------------------------------------------------------------------
    def build_model(self) -> nn.Module:
        raise NotImplementedError

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        raise NotImplementedError

    def param_groups(self, model: nn.Module) -> list[list[nn.Parameter]] | None:
        """Parameter groups for the optimizer (e.g. layer groups with their own rates); None:
        one group."""
        return None

    def schedule(self, optimizer: torch.optim.Optimizer, model: nn.Module):
        """An LR schedule of the experiment's own (step / state_dict / load_state_dict, step()
        called once per epoch); None: the config's optim.schedule."""
        return None

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        """Per-sample outputs for evaluation (logits, features, targets), batch-first."""
        raise NotImplementedError

    # ---- evaluation -----------------------------------------------------------------------
    def metrics(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict[str, Any]:
        """Metrics over a whole split from the concatenated predict() outputs."""
        raise NotImplementedError

    def chance(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict[str, Any]:
        """The same metrics for the best constant / random predictor, and significance tests."""
        return {}

    def figures(self, run_dir: Path, model: nn.Module, outputs: dict[str, np.ndarray],
                 keys: list[str]) -> dict[str, str]:
        """Write PNGs into run_dir; return {caption: file name} for the report."""
        return {}

    seed_figures: dict[str, Any] = {}   # the seed paper's numbers, shown beside ours
