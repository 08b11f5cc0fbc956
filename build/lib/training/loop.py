"""One training epoch and one pass of predictions, with the figures a person tunes by."""
from __future__ import annotations

import contextlib
import resource
import time
from typing import Iterable

import numpy as np
import torch
from torch import nn

from .data import normalise
from .distributed import Dist
from .experiments.base import Experiment


def autocast(device: torch.device, amp: str):
    """bf16 autocast where the device runs it natively (CUDA with bf16, or CPU when asked)."""
    if amp == "bf16" and device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if amp == "bf16-cpu" and device.type == "cpu":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def to_device(batch: dict, device: torch.device, channels_last: bool) -> dict:
    moved = {}
    for name, value in batch.items():
        if torch.is_tensor(value):
            value = value.to(device, non_blocking=True)
            if value.dtype == torch.uint8 and value.dim() == 4:  # NHWC images: float on the device
                value = normalise(value)
                value = value.contiguous(memory_format=torch.channels_last if channels_last
                                         else torch.contiguous_format)
        moved[name] = value
    return moved


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def gpu_utilisation(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    try:
        return float(torch.cuda.utilization(device))
    except Exception:  # needs pynvml / NVML; absent on some images
        return None


def train_one_epoch(experiment: Experiment, model: nn.Module, loader: Iterable[dict],
                    optimizer: torch.optim.Optimizer, d: Dist, *, amp: str, clip_grad: float,
                    channels_last: bool, log_every: int = 0, logger=None) -> dict:
    """Returns loss, samples/s, the share of step time spent waiting for data, peak memory."""
    model.train()
    total_loss, samples, steps = 0.0, 0, 0
    wait = 0.0
    start = tick = time.perf_counter()
    for batch in loader:
        wait += time.perf_counter() - tick
        batch = to_device(batch, d.device, channels_last)
        with autocast(d.device, amp):
            loss = experiment.loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad > 0:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        optimizer.step()
        size = len(batch["key"])
        total_loss += float(loss.detach()) * size
        samples += size
        steps += 1
        if logger and log_every and steps % log_every == 0:
            rate = samples / (time.perf_counter() - start)
            logger.info("  step %d  loss %.4f  %.1f samples/s", steps, total_loss / samples, rate)
        tick = time.perf_counter()
    if d.device.type == "cuda":
        torch.cuda.synchronize(d.device)
    elapsed = time.perf_counter() - start
    return {"loss": total_loss / max(samples, 1), "samples": samples, "steps": steps,
            "samples_per_s": samples / elapsed if elapsed else 0.0,
            "data_wait_share": wait / elapsed if elapsed else 0.0,
            "epoch_seconds": elapsed, "peak_memory_mb": peak_memory_mb(d.device),
            "gpu_utilisation": gpu_utilisation(d.device)}


@torch.no_grad()
def predict_all(experiment: Experiment, model: nn.Module, loader: Iterable[dict], device: torch.device,
                *, amp: str, channels_last: bool) -> tuple[dict[str, np.ndarray], list[str]]:
    """Concatenated predict() outputs over a loader, in loader order, as float32/int numpy."""
    model.eval()
    parts: dict[str, list[np.ndarray]] = {}
    keys: list[str] = []
    for batch in loader:
        batch = to_device(batch, device, channels_last)
        with autocast(device, amp):
            outputs = experiment.predict(model, batch)
        for name, value in outputs.items():
            value = value.detach().cpu()
            if value.is_floating_point():
                value = value.float()
            parts.setdefault(name, []).append(value.numpy())
        keys += list(batch["key"])
    return {name: np.concatenate(values) for name, values in parts.items()}, keys
