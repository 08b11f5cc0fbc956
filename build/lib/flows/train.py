"""Training flows: `inkset train / evaluate / report`; one Prefect task per phase."""
from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

from prefect import flow, get_run_logger, task

from core.paths import work_dirs
from training.config import load_config, read_run_config, save_config
from training.release_view import resolve_release


@task
def load(experiment: str, release: str | None, dataset: str | None, config_file: str | None,
         overrides: list[str], extra: dict | None, run_id: str | None) -> str:
    """Resolve the config and the release, make the run dir, save the resolved config."""
    from training.runner import check_release

    cfg = load_config(experiment, config_file, overrides, extra)
    info = resolve_release(release, dataset or (None if release else cfg["data"]["dataset"]))
    check_release(cfg, info)
    cfg["data"]["release"] = str(info.path)
    cfg["data"]["dataset"] = info.dataset
    run_id = run_id or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    run_dir = work_dirs().runs / experiment / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    save_config(cfg, run_dir)
    get_run_logger().info("run %s on %s (%s samples)", run_dir, info.path, info.counts)
    return str(run_dir)


@task
def fit(run_dir: str, nproc: int, resume: bool) -> str:
    """In this process, or under torchrun with `nproc` processes (DDP)."""
    if nproc <= 1:
        from training.runner import fit as fit_run

        fit_run(read_run_config(Path(run_dir)), Path(run_dir), resume=resume)
        return run_dir
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={nproc}", "-m", "training.train", run_dir]
    subprocess.run(command + (["--resume"] if resume else []), check=True)
    return run_dir


@task
def evaluate(run_dir: str) -> dict:
    from training.evaluate import evaluate_run

    return evaluate_run(Path(run_dir))


@task
def pairwise(run_dir: str) -> str:
    """The binary-classifier pairwise table (eval.pairwise_binary): n(n-1)/2 short trainings."""
    from training.pairwise import fit_pairwise

    fit_pairwise(Path(run_dir))
    return run_dir


@task
def report(run_dir: str) -> str:
    from training.report import write_report

    return str(write_report(Path(run_dir)))


@flow(name="train")
def train_flow(experiment: str, release: str | None = None, overrides: dict | None = None, *,
               dataset: str | None = None, config_file: str | None = None,
               settings: list[str] | None = None, nproc: int = 1, run_id: str | None = None,
               resume_run: str | None = None) -> str:
    """load -> fit -> evaluate -> report; returns the run dir. `resume_run` continues a killed run."""
    if resume_run:
        run_dir = resume_run
    else:
        run_dir = load(experiment, release, dataset, config_file, settings or [], overrides,
                       run_id)
    fit(run_dir, nproc, bool(resume_run))
    result = evaluate(run_dir)
    if read_run_config(Path(run_dir))["eval"].get("pairwise_binary"):
        pairwise(run_dir)
    report(run_dir)
    summary = result["summary"][result["primary_metric"]]
    get_run_logger().info("%s: test %s %.4f ± %.4f", experiment, result["primary_metric"],
                          summary["mean"], summary["std"])
    return run_dir


def _train_command(args: argparse.Namespace) -> int:
    from training.report import summary_line  # loads torch: only when a command needs it
    from training.runner import check_release

    if args.resume:
        read_run_config(Path(args.resume))  # not a run dir: one line, before any server starts
    else:  # an unknown experiment, config key or release, or a release that does not fit the
        # experiment: one line, before any server starts or any run dir is made
        cfg = load_config(args.experiment, args.config, args.settings)
        check_release(cfg, resolve_release(args.release, args.dataset or (
            None if args.release else cfg["data"]["dataset"])))
    run_dir = train_flow(args.experiment, args.release, dataset=args.dataset,
                         config_file=args.config, settings=args.settings, nproc=args.nproc,
                         run_id=args.run_id, resume_run=args.resume)
    print(run_dir)
    print(summary_line(run_dir))
    print(f"report: {Path(run_dir) / 'report.html'}")
    return 0


def _evaluate_command(args: argparse.Namespace) -> int:
    from training.evaluate import evaluate_run
    from training.report import summary_line

    evaluate_run(Path(args.run_dir))
    print(summary_line(args.run_dir))
    return 0


def _report_command(args: argparse.Namespace) -> int:
    from training.report import write_report

    print(write_report(Path(args.run_dir)))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train and evaluate an experiment on a release")
    p.add_argument("experiment", help="artist-pages, artist-panels, pixiv-artist, gcd-team, ...")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--release", help="a release dir releases/<dataset>/<version>/")
    where.add_argument("--dataset", help="NAME[@VERSION] under the work dir's releases/")
    p.add_argument("--config", help="a TOML file over training/configs/<experiment>.toml")
    p.add_argument("--nproc", type=int, default=1, help="processes under torchrun (DDP)")
    p.add_argument("--run-id", help="name of the run dir (default: UTC time)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a killed run from its checkpoint")
    p.add_argument("settings", nargs="*", metavar="key=value",
                   help="config overrides, e.g. optim.epochs=3 run.repeats=2")
    p.set_defaults(func=_train_command)
    p = subparsers.add_parser("evaluate", help="test metrics of a run (metrics.json)")
    p.add_argument("run_dir")
    p.set_defaults(func=_evaluate_command)
    p = subparsers.add_parser("report", help="report.html of a run")
    p.add_argument("run_dir")
    p.set_defaults(func=_report_command)
