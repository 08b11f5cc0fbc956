"""`make gpu-smoke`: the training stage on a real GPU, in one short script (under 8 minutes on
one GPU), one printed line per figure.

1. every experiment for a few hundred steps with bf16 autocast, channels_last and
   torch.compile, on replica releases this script builds (offline, through the normal stages),
   then its evaluation on the GPU;
   (experiments that would start after --budget seconds are skipped, so that the whole
   script stays under 8 minutes);
2. ResNet-50 at 224x224: training images/s and GPU utilisation (synthetic batches);
3. torchrun with NCCL, world size = the GPUs present: a NCCL all-reduce and a DDP step, then
   the runner itself under torchrun (DDP when there are 2+ GPUs).

    python -m benchmarks.gpu_smoke [--steps 300] [--budget 240] [--only artist-pages,...]

Without a CUDA device it prints one line saying so and exits with status 1. Work files go to a
temporary INKSET_HOME (kept with --keep). Nothing is downloaded."""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NO_GPU = "gpu-smoke: no CUDA device is visible (torch.cuda.is_available() is False); nothing was run"
# the smoke's settings over each experiment's [demo] settings (a key the config lacks is left out)
SMOKE = {"run.repeats": 1, "run.device": "cuda", "run.amp": "bf16", "run.compile": True,
         "run.channels_last": True, "run.early_stop_patience": 0, "data.workers": 4,
         "data.batch_size": 32, "data.resampled": True,
         # the evaluation's CPU-side extras: not what this script checks
         "eval.clustering": False, "eval.permutations": 99, "eval.pairwise_binary": False}
# manga-mmtl: the seed's full model (image + text, two heads) with the transformer text encoder
EXTRA = {"manga-mmtl": {"model.variants": ["M5"], "model.text_encoder": "transformer"}}
RESNET_BATCH, RESNET_WARMUP, RESNET_STEPS = 128, 15, 40


def say(line: str) -> None:
    print(line, flush=True)


def has_key(cfg: dict, dotted: str) -> bool:
    section, _, key = dotted.partition(".")
    return key in cfg.get(section, {})


def settings_for(experiment: str, base: list[str], cfg: dict, steps: int,
                 epochs: int | None) -> list[str]:
    """The [demo] settings, then SMOKE's and the run length: those of the keys the config has
    (a step-based schedule, should a config have one, gets the steps)."""
    chosen = {**SMOKE, **EXTRA.get(experiment, {}), "optim.steps": steps,
              "optim.max_steps": steps}
    if epochs is not None:
        chosen["optim.epochs"] = epochs
    return [*base, *(f"{key}={json.dumps(value)}" for key, value in chosen.items()
                     if has_key(cfg, key))]


def smoke_demo(experiment: str):
    """The experiment's [demo] table (replica release and short settings); a config without one
    (artist-panels) borrows the one of a config with the same class, on its own dataset."""
    from dataclasses import replace

    from training.config import config_path, demo_trainings, known_experiments, read_toml

    demos = demo_trainings()
    if experiment in demos:
        return demos[experiment]
    own = read_toml(config_path(experiment))
    for other in known_experiments():
        if other in demos and read_toml(config_path(other))["class"] == own["class"]:
            return replace(demos[other], dataset=own["data"]["dataset"])
    raise KeyError(f"{experiment}: no [demo] table, and no config of its class has one")


def build_releases(home: Path, names: list[str]) -> dict[str, Path]:
    """The demo's replica release of each experiment (smoke_demo), by dataset."""
    from replicas.releases import scaled_release

    releases = {}
    for name in names:
        demo = smoke_demo(name)
        if demo.dataset not in releases:
            started = time.perf_counter()
            # at most 3x the demo's base replica: minutes of building would eat the budget,
            # and resampled epochs give the steps whatever the size
            options = {**demo.replica, "scale": min(3, demo.replica["scale"])}
            releases[demo.dataset] = scaled_release(demo.dataset, home=home / "replicas",
                                                    workers=min(8, os.cpu_count() or 1),
                                                    **options)
            say(f"gpu-smoke release {demo.dataset}: built in "
                f"{time.perf_counter() - started:.0f} s")
    return releases


def run_config(experiment: str, release: Path, steps: int) -> dict:
    """The experiment's config for about `steps` optimizer steps (whole epochs of the replica)."""
    from training.config import load_config
    from training.runner import _train_and_held_out_keys, build_experiment

    demo = list(smoke_demo(experiment).settings)
    cfg = load_config(experiment, overrides=demo)
    cfg = load_config(experiment, overrides=settings_for(experiment, demo, cfg, steps, None))
    cfg["data"]["release"] = str(release)
    probe = build_experiment(cfg)
    probe.repeat = 0
    keys, _ = _train_and_held_out_keys(probe)
    train = len(keys) if keys is not None else sum(
        probe.release.counts.get(s, 0) for s in probe.train_splits)
    per_epoch = max(1, math.ceil(train / cfg["data"]["batch_size"]))
    cfg = load_config(experiment, overrides=settings_for(experiment, demo, cfg, steps,
                                                         max(1, math.ceil(steps / per_epoch))))
    cfg["data"]["release"] = str(release)
    return cfg


def smoke_experiment(experiment: str, release: Path, runs: Path, steps: int) -> None:
    from training.config import save_config
    from training.evaluate import evaluate_run
    from training.runner import fit

    cfg = run_config(experiment, release, steps)
    run_dir = runs / experiment
    run_dir.mkdir(parents=True)
    save_config(cfg, run_dir)
    started = time.perf_counter()
    fit(cfg, run_dir)
    trained = time.perf_counter() - started
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    steps_done = sum(r["optimizer_steps"] for r in records)
    later = records[1:] or records  # the first epoch pays for torch.compile
    rate = sum(r["samples"] for r in later) / sum(r["epoch_seconds"] for r in later)
    utilisation = [r["gpu_utilisation"] for r in later if r.get("gpu_utilisation") is not None]
    first = "first epoch with compile" if cfg["run"]["compile"] else "first epoch"
    say(f"gpu-smoke {experiment}: {steps_done} steps in {trained:.0f} s ({first} "
        f"{records[0]['epoch_seconds']:.0f} s), {rate:.0f} samples/s after it, loss "
        f"{records[0]['loss']:.3f} -> {records[-1]['loss']:.3f}, peak "
        f"{max(r['peak_memory_mb'] for r in records):.0f} MiB, data wait "
        f"{100 * later[-1]['data_wait_share']:.0f}%"
        + (f", GPU utilisation {utilisation[-1]:.0f}%" if utilisation else ""))
    started = time.perf_counter()
    result = evaluate_run(run_dir, device=cfg["run"]["device"])
    metric = result["primary_metric"]
    say(f"gpu-smoke {experiment}: evaluated on {cfg['run']['device']} in {time.perf_counter() - started:.0f} s, "
        f"test {metric} {result['summary'][metric]['mean']:.4f}")


class UtilisationSampler:
    """GPU utilisation (%) sampled every 0.2 s in a thread: torch.cuda.utilization (NVML), else
    nvidia-smi; None when neither answers."""

    def __init__(self, device: int = 0) -> None:
        self.device, self.values, self.running = device, [], False

    def read(self) -> float | None:
        import torch

        try:
            return float(torch.cuda.utilization(self.device))
        except Exception:  # no pynvml
            pass
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu",
                                  "--format=csv,noheader,nounits", f"--id={self.device}"],
                                 capture_output=True, text=True, timeout=5)
            return float(out.stdout.strip().splitlines()[0])
        except Exception:
            return None

    def loop(self) -> None:
        while self.running:
            value = self.read()
            if value is None:
                return
            self.values.append(value)
            time.sleep(0.2)

    def __enter__(self):
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join(timeout=10)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None


def resnet50_rate() -> None:
    """ResNet-50 training at 224x224 on synthetic batches already on the GPU (the model's own
    ceiling: no loader), bf16 autocast, channels_last, torch.compile, SGD."""
    import torch
    import torch.nn.functional as F
    from torchvision.models import resnet50

    device = torch.device("cuda", 0)
    torch.backends.cudnn.benchmark = True
    model = resnet50(weights=None).to(device, memory_format=torch.channels_last)
    compiled = torch.compile(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    images = torch.randn(RESNET_BATCH, 3, 224, 224, device=device).contiguous(
        memory_format=torch.channels_last)
    labels = torch.randint(0, 1000, (RESNET_BATCH,), device=device)

    def step() -> None:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = F.cross_entropy(compiled(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    started = time.perf_counter()
    for _ in range(RESNET_WARMUP):
        step()
    torch.cuda.synchronize(device)
    warm = time.perf_counter() - started
    with UtilisationSampler(0) as sampler:
        started = time.perf_counter()
        for _ in range(RESNET_STEPS):
            step()
        torch.cuda.synchronize(device)
        elapsed = time.perf_counter() - started
    say(f"gpu-smoke resnet50: {RESNET_BATCH * RESNET_STEPS / elapsed:.0f} img/s training at "
        f"224x224, batch {RESNET_BATCH}, bf16 + channels_last + compile "
        f"({torch.cuda.get_device_name(device)}; compile and warm-up {warm:.0f} s)")
    say(f"gpu-smoke resnet50: GPU utilisation "
        + (f"{sampler.mean:.0f}% (mean of {len(sampler.values)} samples)" if sampler.mean
           is not None else "not readable (no NVML, no nvidia-smi)"))
    del model, compiled, optimizer
    torch.cuda.empty_cache()


def nccl_check() -> int:
    """Run under torchrun (--nccl-check): an all-reduce of each rank's rank on its GPU, the
    runner's mean_across, and one DDP step of a small model."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from training.distributed import Dist, mean_across

    rank, world, local = (int(os.environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    torch.cuda.set_device(local)
    device = torch.device("cuda", local)
    dist.init_process_group("nccl", device_id=device)
    value = torch.tensor([float(rank)], device=device)
    dist.all_reduce(value)
    mean = mean_across(Dist(rank, world, local, device), float(rank))
    model = DistributedDataParallel(torch.nn.Linear(8, 2).to(device), device_ids=[local])
    model(torch.randn(4, 8, device=device)).sum().backward()
    grad = model.module.weight.grad.norm().item()
    ok = value.item() == sum(range(world)) and abs(mean - (world - 1) / 2) < 1e-9 and grad > 0
    if rank == 0:
        say(f"gpu-smoke nccl: {'ok' if ok else 'WRONG'}: world size {world}, all-reduce "
            f"{value.item():g} (expected {sum(range(world))}), mean_across {mean:g}, DDP step "
            f"gradient norm {grad:.3g} (NCCL {nccl_version()})")
    dist.destroy_process_group()
    return 0 if ok else 1


def nccl_version() -> str:
    import torch

    version = torch.cuda.nccl.version()
    return ".".join(map(str, version)) if isinstance(version, tuple) else str(version)


def torchrun(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    import torch

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={torch.cuda.device_count()}", *args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def smoke_torchrun(release: Path, runs: Path, steps: int, timeout: float) -> None:
    import torch

    from training.config import save_config

    gpus = torch.cuda.device_count()
    check = torchrun(["-m", "benchmarks.gpu_smoke", "--nccl-check"], timeout)
    lines = [line for line in check.stdout.splitlines() if line.startswith("gpu-smoke")]
    say(lines[0] if lines and check.returncode == 0 else
        f"gpu-smoke nccl: FAILED (exit {check.returncode}): {_last_error(check)}")
    cfg = run_config("artist-pages", release, steps)
    cfg["run"]["compile"] = False  # compiled above; here the process group is the point
    run_dir = runs / "torchrun-artist-pages"
    run_dir.mkdir(parents=True)
    save_config(cfg, run_dir)
    started = time.perf_counter()
    result = torchrun(["-m", "training.train", str(run_dir)], timeout)
    if result.returncode:
        say(f"gpu-smoke torchrun: FAILED (exit {result.returncode}, {gpus} processes): "
            f"{_last_error(result)}")
        return
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    say(f"gpu-smoke torchrun: artist-pages with {gpus} process(es) "
        f"({'DDP over NCCL' if gpus > 1 else 'one GPU: no DDP, the NCCL line above checks it'}): "
        f"{len(records)} epochs, {sum(r['steps'] for r in records)} steps per rank in "
        f"{time.perf_counter() - started:.0f} s, {records[-1]['samples_per_s']:.0f} samples/s "
        f"on rank 0, loss {records[0]['loss']:.3f} -> {records[-1]['loss']:.3f}")


def _last_error(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps per experiment")
    parser.add_argument("--budget", type=float, default=240,
                        help="seconds for the experiments (after the releases are built); "
                             "those that would start later are skipped")
    parser.add_argument("--only", help="comma-separated experiments (default: every config)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    parser.add_argument("--nccl-check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpu-dry-run", action="store_true",
                        help="the experiments' part on the CPU (no compile, bf16, ResNet-50 or "
                             "NCCL): checks this script without a GPU")
    args = parser.parse_args(argv)
    import torch

    if args.cpu_dry_run:  # this script's own check on a machine without a GPU (slow, partial)
        SMOKE.update({"run.device": "cpu", "run.amp": "none", "run.compile": False,
                      "data.workers": 1})
    elif not torch.cuda.is_available():
        print(NO_GPU, file=sys.stderr)
        return 1
    if args.nccl_check:
        return nccl_check()
    from training.config import known_experiments

    started = time.perf_counter()
    names = args.only.split(",") if args.only else known_experiments()
    home = Path(tempfile.mkdtemp(prefix="inkset-gpu-smoke-"))
    os.environ["INKSET_HOME"] = str(home)
    device = ("CPU (dry run)" if args.cpu_dry_run else
              f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}")
    say(f"gpu-smoke: {device}, torch {torch.__version__}, work dir {home}")
    failures = 0
    releases = build_releases(home, sorted({*names, "artist-pages"}))
    training_started = time.perf_counter()
    for name in names:
        if time.perf_counter() - training_started > args.budget:
            say(f"gpu-smoke {name}: skipped (past the {args.budget:.0f} s budget)")
            continue
        try:
            smoke_experiment(name, releases[smoke_demo(name).dataset], home / "runs", args.steps)
        except Exception as error:  # one broken experiment must not hide the others' figures
            failures += 1
            say(f"gpu-smoke {name}: FAILED: {type(error).__name__}: {str(error)[:300]}")
    for part in () if args.cpu_dry_run else (resnet50_rate, lambda: smoke_torchrun(
            releases[smoke_demo("artist-pages").dataset], home / "runs", min(args.steps, 100),
            timeout=180)):
        try:
            part()
        except Exception as error:
            failures += 1
            say(f"gpu-smoke: FAILED: {type(error).__name__}: {str(error)[:300]}")
    say(f"gpu-smoke: done in {time.perf_counter() - started:.0f} s, {failures} failed")
    if not args.keep:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
