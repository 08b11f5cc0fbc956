"""What breaks on a GPU or at full size, caught on the CPU: tensors off the model's device (the
`meta` device refuses any CPU tensor beside its own), NCCL's all-reduce on the rank's device,
epochs cut over all loader workers, gradient accumulation and LR warm-up, pretrained-weight
loading, and the TensorBoard scalars."""
from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from core.errors import UsageError
from training import distributed
from training.config import load_config, save_config
from training.data import ExactSplit, collate, train_loader, train_stream
from training.loop import (backend_settings, configure_backends, optimizer_step, to_device,
                           train_one_epoch, train_step)
from training.runner import _setup_samples, _transform, build_experiment, build_optimizer, present

META = torch.device("meta")
CPU = distributed.Dist()

# every experiment, and each manga-mmtl model and text encoder
STEPS = [("artist-pages", "manga109-artist-pages", []),
         ("artist-panels", "manga109-artist-panels", []),
         ("pixiv-artist", "pixiv-artists", []),
         ("gcd-team", "gcd-team-justice-league", ["data.use_sampling_weights=true"]),
         ("illust2vec", "pixiv-tags", []),
         ("illust2vec", "pixiv-tags", ["model.head=\"fc\""]),
         *[("manga-mmtl", "manga109-faces", [f"model.variants=[\"{v}\"]"])
           for v in ("M1", "M2", "M3", "M4", "M5")],
         ("manga-mmtl", "manga109-faces", ["model.variants=[\"M5\"]",
                                           "model.text_encoder=\"transformer\""])]


@pytest.fixture(scope="session")
def tiny_release(training_home):
    """tiny_release(dataset): a one-scale replica release at 32x32 (a second or two to build)."""
    from replicas.releases import scaled_release

    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = scaled_release(name, scale=1, size=[32, 32], workers=1,
                                         home=training_home / "tiny")
        return built[name]

    return get


def experiment_for(name: str, release: Path, settings: list[str]):
    cfg = load_config(name, overrides=settings)
    cfg["data"]["release"] = str(release)
    experiment = build_experiment(cfg)
    experiment.repeat = 0
    if experiment.needs_setup:
        experiment.setup(_setup_samples(experiment))
    return experiment


def on_device(value, device: torch.device) -> bool:
    if torch.is_tensor(value):
        return value.device == device
    if isinstance(value, (tuple, list)):
        return all(on_device(v, device) for v in value)
    if isinstance(value, dict):
        return all(on_device(v, device) for v in value.values())
    return True


@pytest.mark.parametrize("name, dataset, settings", STEPS,
                         ids=[f"{n}-{'-'.join(s) or 'default'}" for n, _, s in STEPS])
def test_a_training_step_and_a_prediction_keep_every_tensor_on_the_model_device(
        tiny_release, name, dataset, settings):
    """Model, batch and optimizer on `meta`: a tensor our code makes on the CPU inside a step
    (as torch.arange without device= did in the transformer's mask) fails there as on CUDA."""
    experiment = experiment_for(name, tiny_release(dataset), settings)
    with torch.device("meta"):  # built without memory; its construction may make tensors freely
        model = experiment.build_model()
    model = model.to(memory_format=torch.channels_last)
    dataset_ = ExactSplit(experiment.release, present(experiment, experiment.train_splits),
                          functools.partial(_transform, experiment, True))
    batch = to_device(collate([dataset_[i] for i in range(4)]), META, channels_last=True)
    optimizer = build_optimizer(experiment.cfg["optim"], model)
    loss = train_step(experiment, model, batch, amp="none", device=META)
    assert loss.device == META and loss.dim() == 0
    optimizer_step(model, optimizer, clip_grad=1.0, lr_scale=0.5)
    assert all(on_device(p, META) for p in model.parameters())
    model.eval()
    with torch.no_grad():
        outputs = experiment.predict(model, batch)
    assert outputs and on_device(outputs, META), {k: v.device for k, v in outputs.items()}


def test_illust2vec_evaluation_runs_the_trunk_once_per_batch(tiny_release):
    experiment = experiment_for("illust2vec", tiny_release("pixiv-tags"), [])
    with torch.device("meta"):
        model = experiment.build_model()
    calls = []
    model.trunk.register_forward_hook(lambda module, args, output: calls.append(1))
    images = torch.zeros(2, 3, 32, 32, device=META)
    batch = {"image": images, "tags": torch.zeros(2, 1, device=META),
             "rating": torch.zeros(2, dtype=torch.long, device=META)}
    with torch.no_grad():
        outputs = experiment.predict(model.eval(), batch)
    assert calls == [1] and outputs["features"].shape == (2, experiment.cfg["model"]["feature_bits"])


def test_manga_mmtl_setup_reads_the_text_without_decoding_images(tiny_release):
    experiment = experiment_for("manga-mmtl", tiny_release("manga109-faces"), [])
    samples = list(_setup_samples(experiment))
    assert samples and all("image" not in s and "text" in s for s in samples)
    assert experiment.state["vocabulary"] and experiment.state["albums"]


def test_the_transformer_text_encoder_builds_its_mask_on_the_ids_device():
    from training.models_embedding import TextEncoder

    with torch.device("meta"):
        encoder = TextEncoder(50, 16, "transformer", layers=1, heads=2, max_tokens=8)
    ids = torch.zeros(3, 8, dtype=torch.long, device=META)
    assert encoder(ids).shape == (3, 16)


class _Stop(Exception):
    pass


def test_mean_across_ranks_reduces_a_tensor_on_the_rank_device(monkeypatch):
    """NCCL only reduces tensors on the rank's GPU; the stub records where the tensor is."""
    seen = []

    def fake_all_reduce(tensor, *args, **kwargs):
        seen.append(tensor.device)
        if tensor.device == META:
            raise _Stop  # a meta tensor has no value to read back: where it lives is the check
        tensor.mul_(2)  # two ranks holding the same value

    monkeypatch.setattr(distributed.dist, "all_reduce", fake_all_reduce)
    with pytest.raises(_Stop):
        distributed.mean_across(distributed.Dist(0, 2, 0, META), 1.5)
    assert distributed.mean_across(distributed.Dist(1, 2, 1, torch.device("cpu")), 1.5) == 1.5
    assert seen == [META, torch.device("cpu")]


@pytest.mark.slow
def test_a_resampled_epoch_is_the_stated_batches_with_two_loader_workers(small_pages):
    """The real DataLoader with 2 spawned workers: 5 batches an epoch (3 + 2), every epoch; the
    pipeline alone (no worker) gives the same count."""
    from training.release_view import open_release

    cfg = load_config("artist-pages")
    cfg["data"]["release"] = str(small_pages)
    experiment = build_experiment(cfg)
    stream = train_stream(open_release(small_pages), ["train"],
                          functools.partial(_transform, experiment, True), batch_size=4, seed=0,
                          epoch=0, workers=2, resampled=True, batches_per_epoch=5)
    assert len(list(stream)) == 5
    loader = train_loader(stream, workers=2, pin_memory=False)
    counts = [sum(1 for _ in loader) for _epoch in range(2)]
    assert counts == [5, 5]


class _Regression:
    """An experiment stand-in: mean squared error of a linear model."""

    def loss(self, model, batch):
        return ((model(batch["x"]).squeeze(1) - batch["y"]) ** 2).mean()


def _batches(x: torch.Tensor, y: torch.Tensor, size: int) -> list[dict]:
    return [{"key": [str(i) for i in range(start, start + size)], "x": x[start:start + size],
             "y": y[start:start + size]} for start in range(0, len(x), size)]


def _train(batches, accumulate: int, warmup_steps: int = 0, momentum: float = 0.0):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)
    stats = train_one_epoch(_Regression(), model, batches, optimizer, CPU, amp="none",
                            clip_grad=0, channels_last=False, accumulate=accumulate,
                            warmup_steps=warmup_steps)
    return model, optimizer, stats


def test_two_accumulated_batches_step_as_one_batch_twice_the_size():
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(24, 3, generator=generator), torch.randn(24, generator=generator)
    small, _, small_stats = _train(_batches(x, y, 4), accumulate=2, momentum=0.9)
    large, _, large_stats = _train(_batches(x, y, 8), accumulate=1, momentum=0.9)
    assert small_stats["optimizer_steps"] == large_stats["optimizer_steps"] == 3
    assert small_stats["steps"] == 6 and large_stats["steps"] == 3
    for a, b in zip(small.parameters(), large.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert small_stats["loss"] == pytest.approx(large_stats["loss"], rel=1e-6)
    # without accumulation the same small batches take 6 smaller steps: another model
    plain, _, _ = _train(_batches(x, y, 4), accumulate=1, momentum=0.9)
    assert not torch.allclose(plain.weight, large.weight, atol=1e-4)


def test_an_epoch_ending_inside_an_accumulation_steps_on_the_mean_of_what_it_has():
    generator = torch.Generator().manual_seed(2)
    x, y = torch.randn(12, 3, generator=generator), torch.randn(12, generator=generator)
    # 3 micro-batches of 4 at accumulate=2: one step over the first 8, one over the last 4
    left, _, stats = _train(_batches(x, y, 4), accumulate=2)
    batches = _batches(x, y, 4)
    right, _, _ = _train([{"key": batches[0]["key"] + batches[1]["key"],
                           "x": x[:8], "y": y[:8]}, batches[2]], accumulate=1)
    assert stats["optimizer_steps"] == 2
    for a, b in zip(left.parameters(), right.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_warm_up_scales_the_first_steps_and_leaves_the_scheduled_lr():
    """SGD without momentum moves by lr x gradient: with 4 warm-up steps the first step moves a
    quarter as far as without, and the optimizer's LR is the scheduler's after it."""
    generator = torch.Generator().manual_seed(3)
    x, y = torch.randn(4, 3, generator=generator), torch.randn(4, generator=generator)
    torch.manual_seed(0)
    start = nn.Linear(3, 1).weight.detach().clone()
    warm, optimizer, _ = _train(_batches(x, y, 4), accumulate=1, warmup_steps=4)
    cold, _, _ = _train(_batches(x, y, 4), accumulate=1)
    torch.testing.assert_close(warm.weight - start, (cold.weight - start) / 4)
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_cudnn_benchmark_and_tf32_follow_the_config_and_the_device(monkeypatch):
    run = {"cudnn_benchmark": True, "tf32": True}
    assert backend_settings(run, torch.device("cpu")) == {}
    cuda = torch.device("cuda", 0)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    assert backend_settings(run, cuda) == {"cudnn_benchmark": True, "fp32_precision": "tf32"}
    assert backend_settings({**run, "tf32": False}, cuda)["fp32_precision"] == "ieee"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 0))
    assert backend_settings(run, cuda)["fp32_precision"] == "ieee"  # no TF32 before Ampere
    # applied: the process-wide switches (put back after the test; fp32_precision is no plain
    # attribute, so monkeypatch cannot restore it)
    matmul, conv = torch.backends.cuda.matmul, torch.backends.cudnn.conv
    saved = (torch.backends.cudnn.benchmark, matmul.fp32_precision, conv.fp32_precision)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
    try:
        configure_backends({"cudnn_benchmark": True, "tf32": True}, cuda)
        assert torch.backends.cudnn.benchmark is True and matmul.fp32_precision == "tf32"
        configure_backends({"cudnn_benchmark": False, "tf32": False}, cuda)
        assert torch.backends.cudnn.benchmark is False
        assert matmul.fp32_precision == "ieee" and conv.fp32_precision == "ieee"
    finally:
        torch.backends.cudnn.benchmark, matmul.fp32_precision, conv.fp32_precision = saved


def test_the_new_keys_have_defaults_and_old_run_dirs_read(tmp_path):
    from training.config import read_run_config

    cfg = load_config("gcd-team", overrides=["optim.accumulate=4", "model.min_weights_share=0.5"])
    assert cfg["optim"]["accumulate"] == 4 and cfg["optim"]["warmup_steps"] == 0
    assert cfg["run"]["tf32"] is True and cfg["model"]["min_weights_share"] == 0.5
    assert "min_weights_share" not in load_config("artist-pages")["model"]  # no weights there
    with pytest.raises(UsageError, match="unknown key 'acumulate'"):
        load_config("gcd-team", overrides=["optim.acumulate=4"])
    old = load_config("artist-pages")
    del old["optim"]["accumulate"], old["run"]["tf32"]  # a run dir saved before these keys
    save_config(old, tmp_path)
    assert read_run_config(tmp_path)["optim"]["accumulate"] == 1


# ---- pretrained weights ----------------------------------------------------------------------

def _trunk(width: int = 8):
    from training.models_embedding import resnet_trunk

    torch.manual_seed(width)
    return resnet_trunk(10, width)[0]


def test_pretrained_weights_load_under_wrapper_prefixes_with_a_report(tmp_path):
    from training.models_embedding import resnet_trunk

    source = _trunk()
    file = tmp_path / "ddp.pth"  # a DDP run's checkpoint: names under module., nested
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()},
                "epoch": 3}, file)
    model = resnet_trunk(10, 8, str(file), min_share=0.9, allow_partial=False, stats="none")[0]
    report = model.weights_report
    assert report["loaded_share"] == 1.0 and not report["missing"]
    assert not report["shape_mismatched"] and not report["unexpected"]
    assert len(report["loaded"]) == len(source.state_dict())
    for name, value in source.state_dict().items():
        if not name.startswith("fc."):
            assert torch.equal(model.state_dict()[name], value), name


def test_weights_that_fit_too_little_are_an_error_unless_allowed(tmp_path):
    from training.weights import load_weights

    file = tmp_path / "wider.pth"
    torch.save(_trunk(16).state_dict(), file)  # every conv twice as wide: nothing fits but none
    with pytest.raises(UsageError, match="allow_partial_weights") as error:
        load_weights(_trunk(8), str(file), min_share=0.9, stats="none")
    assert "wider.pth" in str(error.value) and "with another shape" in str(error.value)
    before = _trunk(8)
    model = _trunk(8)
    report = load_weights(model, str(file), min_share=0.9, allow_partial=True, stats="none")
    assert report["loaded_share"] < 0.01 and len(report["shape_mismatched"]) > 10
    assert report["shape_mismatched"]["conv1.weight"] == [[16, 3, 7, 7], [8, 3, 7, 7]]
    assert torch.equal(model.conv1.weight, before.conv1.weight)  # left as initialised
    file.write_bytes(b"not a checkpoint")
    with pytest.raises(UsageError, match="not a loadable state dict"):
        load_weights(_trunk(8), str(file))


def test_pretrained_weights_see_inputs_normalised_with_imagenet_statistics(tmp_path):
    """The loop's (pixel - 127.5) / 63.75 becomes (pixel / 255 - mean) / std before the model."""
    from training.data import normalise
    from training.weights import IMAGENET_MEAN, IMAGENET_STD, normalise_inputs_as

    seen = []
    probe = nn.Identity()
    normalise_inputs_as(probe, "imagenet")
    probe.register_forward_hook(lambda module, args, output: seen.append(output))
    pixels = torch.tensor([[[[0, 128, 255], [10, 20, 30]]]], dtype=torch.uint8)  # 1x1x2x3 NHWC
    probe(normalise(pixels))
    expected = [[(p / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c] for c, p in enumerate(row)]
                for row in ([0, 128, 255], [10, 20, 30])]
    got = seen[0].permute(0, 2, 3, 1)[0, 0].tolist()
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert "input_scale" not in probe.state_dict()  # not saved in checkpoints


def test_gcd_team_reports_its_local_weights(tmp_path, tiny_release):
    from torchvision.models import resnet34

    from training.weights import reports

    file = tmp_path / "resnet34.pth"  # as torchvision's: with its 1,000-class head
    torch.save(resnet34(weights=None).state_dict(), file)
    experiment = experiment_for("gcd-team", tiny_release("gcd-team-justice-league"),
                                [f"model.weights=\"{file}\""])
    found = reports(experiment.build_model())
    assert len(found) == 1 and found[0]["loaded_share"] == 1.0
    assert found[0]["unexpected"] == ["fc.bias", "fc.weight"]  # the head stays fresh


# ---- TensorBoard -----------------------------------------------------------------------------

def test_tensorboard_event_files_hold_the_epoch_records(tmp_path, small_pages):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from training.runner import fit
    from training.scalars import logdir_line, tensorboard_dir

    cfg = load_config("artist-pages", overrides=[
        "model.widths=[4,8,8,8,8]", "model.hidden=16", "run.repeats=1", "optim.epochs=2",
        "data.batch_size=16", "data.workers=0", "run.amp=none", "optim.accumulate=2",
        "optim.warmup_steps=2"])
    cfg["data"]["release"] = str(small_pages)
    save_config(cfg, tmp_path)
    fit(cfg, tmp_path)
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    events = EventAccumulator(str(tensorboard_dir(tmp_path) / "repeat-00"))
    events.Reload()
    assert {"train/loss", "train/lr", "performance/samples_per_s"} <= set(events.Tags()["scalars"])
    losses = [(e.step, e.value) for e in events.Scalars("train/loss")]
    assert losses == [(r["epoch"], pytest.approx(r["loss"], rel=1e-6)) for r in records]
    # accumulation of 2: half as many optimizer steps as batches (an odd count rounds up)
    assert [r["optimizer_steps"] for r in records] == [math.ceil(r["steps"] / 2) for r in records]
    assert logdir_line(tmp_path) == f"tensorboard --logdir {tmp_path / 'tensorboard'}"


# ---- the GPU smoke script ---------------------------------------------------------------------

def test_gpu_smoke_without_a_gpu_says_so_in_one_line():
    import os
    import subprocess
    import sys

    from benchmarks.gpu_smoke import NO_GPU

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "benchmarks.gpu_smoke"], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root), "CUDA_VISIBLE_DEVICES": ""},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr.splitlines() == [NO_GPU]
