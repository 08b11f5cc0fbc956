"""Local pretrained weights, loaded so that a bad file cannot go unnoticed.

A state dict whose names or shapes do not fit the model used to load nothing, silently. Here each
load gives a report (loaded / missing / unexpected / shape-mismatched names and the share of the
model's values loaded), logged and kept on the model (`weights_report`, saved by the runner as
weights_report.json), and a load under `min_share` is an error unless the user allows it. Inputs
are then normalised as the weights were trained (ImageNet statistics for torchvision's)."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from core.errors import UsageError

log = logging.getLogger(__name__)

# what torchvision's ImageNet weights were trained on (RGB, pixel / 255)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# checkpoint formats that nest the state dict (Lightning, fastai, our own checkpoints)
NESTED = ("state_dict", "model", "model_state_dict")
# DDP saves names under module., Lightning and fastai learners under model.
PREFIXES = ("module.", "model.")


def read_state_dict(file: Path) -> dict[str, torch.Tensor]:
    """The tensors of a .pth/.pt file, unnested and with wrapper prefixes stripped."""
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as error:  # a pickle of anything but tensors, or not a torch file at all
        raise UsageError(f"model.weights {str(file)!r}: not a loadable state dict "
                         f"({type(error).__name__}: {str(error).splitlines()[0][:200]})") from None
    for name in NESTED:
        if isinstance(state, dict) and isinstance(state.get(name), dict):
            state = state[name]
            break
    if not isinstance(state, dict):
        raise UsageError(f"model.weights {str(file)!r}: holds a {type(state).__name__}, "
                         f"not a state dict of tensors")
    return {strip_prefixes(key): value for key, value in state.items() if torch.is_tensor(value)}


def strip_prefixes(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def compare(own: dict[str, torch.Tensor], given: dict[str, torch.Tensor]) -> dict:
    """Which of the model's names the file fills, and the share of the model's values."""
    loaded = sorted(k for k in own if k in given and given[k].shape == own[k].shape)
    mismatched = sorted(k for k in own if k in given and given[k].shape != own[k].shape)
    total = sum(v.numel() for v in own.values()) or 1
    return {"loaded": loaded, "missing": sorted(k for k in own if k not in given),
            "unexpected": sorted(k for k in given if k not in own),
            "shape_mismatched": {k: [list(given[k].shape), list(own[k].shape)] for k in mismatched},
            "loaded_share": sum(own[k].numel() for k in loaded) / total}


def summary(report: dict) -> str:
    return (f"{len(report['loaded'])} tensors loaded ({report['loaded_share']:.1%} of the "
            f"model's values), {len(report['missing'])} missing, {len(report['unexpected'])} "
            f"unexpected, {len(report['shape_mismatched'])} with another shape")


def load_weights(model: nn.Module, path: str, *, min_share: float = 0.9,
                 allow_partial: bool = False, stats: str = "imagenet") -> dict:
    """Load what fits of a local state dict into `model`; the report (also model.weights_report).
    Raises UsageError when under `min_share` of the model's values load and not allow_partial."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError(f"model.weights {path!r}: no such file (weights are never downloaded; "
                         f"name a local .pth state dict)")
    given = read_state_dict(file)
    report = {"file": str(file), **compare(model.state_dict(), given),
              "min_share": min_share, "input_stats": stats}
    log.info("model.weights %s: %s", file, summary(report))
    if report["loaded_share"] < min_share and not allow_partial:
        examples = ", ".join(report["missing"][:3] + list(report["shape_mismatched"])[:2])
        raise UsageError(
            f"model.weights {path!r}: {summary(report)}; under model.min_weights_share = "
            f"{min_share} (names the model lacks, e.g. {examples or 'none'}). Set "
            f"model.allow_partial_weights=true to train anyway")
    model.load_state_dict({k: given[k] for k in report["loaded"]}, strict=False)
    normalise_inputs_as(model, stats)
    model.weights_report = report
    return report


def normalise_inputs_as(model: nn.Module, stats: str) -> None:
    """The loop feeds (pixel - 127.5) / 63.75; weights trained on ImageNet expect
    (pixel / 255 - mean) / std per channel. A forward pre-hook turns one into the other (an
    affine map per channel; its constants are non-persistent buffers, so they follow the model
    to its device and stay out of checkpoints)."""
    if stats == "none":
        return
    if stats != "imagenet":
        raise UsageError(f"model.weights_stats must be 'imagenet' or 'none', not {stats!r}")
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    # ours * 63.75 + 127.5 = pixel; (pixel / 255 - mean) / std = ours * scale + shift
    model.register_buffer("input_scale", 63.75 / 255 / std, persistent=False)
    model.register_buffer("input_shift", (127.5 / 255 - mean) / std, persistent=False)
    model.register_forward_pre_hook(_renormalise)


def _renormalise(module: nn.Module, args: tuple) -> tuple:
    images, *rest = args
    return (images * module.input_scale + module.input_shift, *rest)


def weights_options(model_cfg: dict) -> dict:
    """load_weights' keyword arguments from a config's [model] section."""
    return {"min_share": model_cfg["min_weights_share"],
            "allow_partial": model_cfg["allow_partial_weights"],
            "stats": model_cfg["weights_stats"]}


def reports(model: nn.Module) -> list[dict]:
    """The load reports of a model's parts (a trunk inside a bigger net keeps its own)."""
    return [m.weights_report for m in model.modules() if hasattr(m, "weights_report")]
