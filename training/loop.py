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


def backend_settings(run: dict, device: torch.device) -> dict:
    """What run.cudnn_benchmark and run.tf32 turn on for this device: cuDNN's autotuner (fixed
    input sizes here, so its search pays once) and TF32 matmuls and convolutions on Ampere and
    later (compute capability 8+); nothing on the CPU."""
    if device.type != "cuda":
        return {}
    tf32 = bool(run["tf32"]) and torch.cuda.get_device_capability(device)[0] >= 8
    return {"cudnn_benchmark": bool(run["cudnn_benchmark"]),
            "fp32_precision": "tf32" if tf32 else "ieee"}


def configure_backends(run: dict, device: torch.device) -> dict:
    """Apply backend_settings (process-wide switches: set once per run, before the model)."""
    settings = backend_settings(run, device)
    if settings:
        torch.backends.cudnn.benchmark = settings["cudnn_benchmark"]
        # the fp32_precision API only: mixing it with the legacy allow_tf32 flags is an error
        torch.backends.cuda.matmul.fp32_precision = settings["fp32_precision"]
        torch.backends.cudnn.conv.fp32_precision = settings["fp32_precision"]
    return settings


def warmup_scale(step: int, warmup_steps: int) -> float:
    """Linear LR warm-up: optimizer step `step` (0-based, counted over the whole run) uses
    (step + 1) / warmup_steps of the scheduled LR until warmup_steps steps are done."""
    return 1.0 if step >= warmup_steps else (step + 1) / warmup_steps


def optimizer_step(model: nn.Module, optimizer: torch.optim.Optimizer, clip_grad: float,
                   lr_scale: float) -> None:
    """Clip, step with the LR scaled by lr_scale (the scheduler's LR is put back after, so the
    epoch schedule never sees the warm-up), clear the gradients."""
    if clip_grad > 0:
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
    scheduled = [group["lr"] for group in optimizer.param_groups]
    for group in optimizer.param_groups:
        group["lr"] = group["lr"] * lr_scale
    optimizer.step()
    for group, lr in zip(optimizer.param_groups, scheduled):
        group["lr"] = lr
    optimizer.zero_grad(set_to_none=True)


def _rescale_remainder(model: nn.Module, d: Dist, accumulate: int, remainder: int) -> None:
    """The epoch ended `remainder` micro-batches into an accumulation: those gradients were
    divided by `accumulate` and, under DDP, not yet averaged over the ranks (no_sync). Make
    them the mean over the remainder's micro-batches and ranks, as a full step's are."""
    import torch.distributed as dist

    for param in model.parameters():
        if param.grad is None:
            continue
        if d.active:
            dist.all_reduce(param.grad)
            param.grad /= d.world_size
        param.grad *= accumulate / remainder


def train_step(experiment: Experiment, model: nn.Module, batch: dict, *, amp: str,
               device: torch.device, accumulate: int = 1, sync: bool = True) -> torch.Tensor:
    """Forward and backward of one micro-batch (already on the device); the detached loss,
    still on the device (reading it would wait for the GPU). sync=False: a DDP model keeps the
    gradients local (no_sync) until the accumulation's last micro-batch."""
    quiet = model.no_sync() if not sync and hasattr(model, "no_sync") else contextlib.nullcontext()
    with quiet:
        with autocast(device, amp):
            loss = experiment.loss(model, batch)
        (loss / accumulate).backward()
    return loss.detach()


def train_one_epoch(experiment: Experiment, model: nn.Module, loader: Iterable[dict],
                    optimizer: torch.optim.Optimizer, d: Dist, *, amp: str, clip_grad: float,
                    channels_last: bool, accumulate: int = 1, warmup_steps: int = 0,
                    first_step: int = 0, log_every: int = 0, logger=None) -> dict:
    """Returns loss, samples/s, the share of step time spent waiting for data, peak memory, and
    the optimizer steps taken. Every `accumulate` micro-batches make one optimizer step (their
    mean gradient: the same as one batch that many times larger). The loss is summed on the
    device and read once at the end (and at each log line): a float() per step would stall
    the GPU queue every step. `first_step`: optimizer steps before this epoch (LR warm-up)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss_sum = torch.zeros((), dtype=torch.float64, device=d.device)
    samples, micro, steps = 0, 0, 0
    wait = 0.0
    start = tick = time.perf_counter()
    for batch in loader:
        wait += time.perf_counter() - tick
        batch = to_device(batch, d.device, channels_last)
        micro += 1
        last = micro % accumulate == 0
        loss = train_step(experiment, model, batch, amp=amp, device=d.device,
                          accumulate=accumulate, sync=last)
        size = len(batch["key"])
        loss_sum += loss.double() * size
        samples += size
        if last:
            optimizer_step(model, optimizer, clip_grad,
                           warmup_scale(first_step + steps, warmup_steps))
            steps += 1
        if logger and log_every and micro % log_every == 0:
            rate = samples / (time.perf_counter() - start)
            logger.info("  step %d  loss %.4f  %.1f samples/s", micro,
                        float(loss_sum) / samples, rate)
        tick = time.perf_counter()
    if micro % accumulate:  # a part-filled accumulation at the end of the epoch still counts
        _rescale_remainder(model, d, accumulate, micro % accumulate)
        optimizer_step(model, optimizer, clip_grad, warmup_scale(first_step + steps, warmup_steps))
        steps += 1
    total_loss = float(loss_sum)  # the epoch's one wait for the device
    elapsed = time.perf_counter() - start
    return {"loss": total_loss / max(samples, 1), "samples": samples, "steps": micro,
            "optimizer_steps": steps,
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
