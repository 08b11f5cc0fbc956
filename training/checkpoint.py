"""Checkpoints written atomically (temp + rename): everything a killed run needs to go on."""
from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from core import atomic
from core.errors import InksetError


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module under DDP and torch.compile wrappers (so checkpoints load anywhere)."""
    while True:
        if hasattr(model, "module"):
            model = model.module
        elif hasattr(model, "_orig_mod"):
            model = model._orig_mod
        else:
            return model


def rng_states() -> dict[str, Any]:
    """Every RNG's state as tensors and plain values (numpy's array as a list), so a checkpoint
    loads with weights_only=True."""
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    states = {"python": random.getstate(),
              "numpy": (kind, keys.tolist(), int(position), int(has_gauss), float(gauss)),
              "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    kind, keys, *rest = states["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def save(path: Path, **state: Any) -> None:
    """torch.save to a temporary name, fsync, rename: a kill never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = atomic.temp_name(path)  # hidden, this process's own: as every atomic write
    with open(temp, "wb") as handle:
        torch.save(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


TRUSTED_ENV = "INKSET_TRUSTED_CHECKPOINT"


def load(path: Path) -> dict[str, Any]:
    """A checkpoint, read with weights_only=True: tensors and plain values, never code (a run
    dir may come from someone else). A file the user names in $INKSET_TRUSTED_CHECKPOINT (an
    older checkpoint with numpy objects in it) is read in full."""
    path = Path(path)
    trusted = os.environ.get(TRUSTED_ENV)
    if trusted and Path(trusted).resolve() == path.resolve():
        return torch.load(path, map_location="cpu", weights_only=False)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise InksetError(f"{path}: holds objects other than tensors and plain values, so it is "
                          f"not loaded; if you made it yourself, "
                          f"set {TRUSTED_ENV}={path}") from None
