"""The seed notebook's fastai recipe for a pretrained ResNet, in plain PyTorch: train the new head
with the trunk frozen, then unfreeze and train everything with discriminative learning rates
(lower for the early layers), each phase on a one-cycle schedule (OneCycleLR), stepped per batch.

fastai's `fit_one_cycle(n, slice(lr))` after `learn.freeze()`, then `learn.unfreeze();
fit_one_cycle(m, slice(lr_min, lr / 5))`: the rates of the layer groups are spaced evenly on a
log scale from lr_min to lr / 5 (fastai's even_mults)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import OneCycleLR


def resnet_layer_groups(model: nn.Module) -> list[list[nn.Parameter]]:
    """fastai's split of a torchvision ResNet: stem + layer1 + layer2, layer3 + layer4, the head."""
    early = [model.conv1, model.bn1, model.layer1, model.layer2]
    late = [model.layer3, model.layer4]
    params = lambda modules: [p for m in modules for p in m.parameters()]  # noqa: E731
    return [params(early), params(late), list(model.fc.parameters())]


def discriminative_lrs(lr_min: float, lr_max: float, groups: int) -> list[float]:
    """`groups` rates from lr_min to lr_max, evenly spaced on a log scale (fastai's even_mults)."""
    return np.geomspace(lr_min, lr_max, groups).tolist()


class FreezeThenUnfreeze:
    """The schedule of both phases: one OneCycleLR per phase, advanced after every optimizer step
    (a step hook, so the training loop needs no change); the trunk's parameters are frozen
    (requires_grad False) during the first phase. `step()` is the runner's end of an epoch and
    does nothing here. state_dict / load_state_dict keep the step count, so a resumed run picks
    up the same phase and rate."""

    def __init__(self, optimizer: torch.optim.Optimizer, groups: list[list[nn.Parameter]], *,
                 lr: float, lr_min: float, frozen_epochs: int, epochs: int,
                 steps_per_epoch: int) -> None:
        self.optimizer, self.groups = optimizer, groups
        self.phases = [  # (steps, the max rate of each layer group)
            (frozen_epochs * steps_per_epoch, [lr] * len(groups)),
            ((epochs - frozen_epochs) * steps_per_epoch,
             discriminative_lrs(lr_min, lr / 5, len(groups)))]
        self.steps = 0
        self._enter(0)
        optimizer.register_step_post_hook(lambda *_: self._advance())

    def _phase_at(self, step: int) -> tuple[int, int]:
        """(phase index, steps into it) of a global step count."""
        first = self.phases[0][0]
        return (0, step) if step < first else (1, step - first)

    def _enter(self, step: int) -> None:
        phase, into = self._phase_at(step)
        total, max_lrs = self.phases[phase]
        for params in self.groups[:-1]:  # the trunk: frozen in phase 0
            for p in params:
                p.requires_grad_(phase == 1)
        self.phase, self.cycle = phase, None
        if total < 3:  # too short to warm up and anneal: the phase's top rates, constant
            for group, rate in zip(self.optimizer.param_groups, max_lrs):
                group["lr"] = rate
            return
        # fastai's 25% warm-up; at least one step of it in a short phase
        self.cycle = OneCycleLR(self.optimizer, max_lr=max_lrs, total_steps=total,
                                pct_start=max(0.25, 1.5 / total))
        with warnings.catch_warnings():  # replaying a resumed phase: no optimizer step yet
            warnings.filterwarnings("ignore", "Detected call of")
            for _ in range(min(into, total - 1)):
                self.cycle.step()

    def _advance(self) -> None:
        self.steps += 1
        phase, into = self._phase_at(self.steps)
        if phase != self.phase:
            self._enter(self.steps)
        elif self.cycle is not None and into < self.phases[phase][0]:
            self.cycle.step()

    def step(self) -> None:
        """The end of an epoch: the rates move per batch, not here."""

    def state_dict(self) -> dict:
        return {"steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        self.steps = state["steps"]
        self._enter(self.steps)


def steps_per_epoch(train_samples: int, batch_size: int) -> int:
    return max(1, math.ceil(train_samples / batch_size))
