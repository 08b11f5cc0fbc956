"""Replica releases for the training tests, built once per session in a temporary work dir."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def training_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("training-home")


@pytest.fixture(scope="session")
def small_pages(training_home) -> Path:
    """The demo-sized Manga109 pages at 48x64: quick to read and to train on."""
    from replicas.releases import scaled_release

    return scaled_release("manga109-artist-pages", scale=1, home=training_home / "small",
                          size=[48, 64])


@pytest.fixture(scope="session")
def scaled(training_home):
    """The demo's training replicas (the [demo] tables of training/configs/): ~300+ test
    samples each, at small image sizes so CPU training takes a minute or two. Built on first
    use, once."""
    from replicas.releases import scaled_release
    from training.config import demo_trainings

    settings = {demo.dataset: demo.replica for demo in demo_trainings().values()}
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = scaled_release(name, home=training_home / "scaled", **settings[name])
        return built[name]

    return get


def _train_in_process(experiment: str, release: Path, run_dir: Path, settings: list[str]) -> dict:
    """load config -> fit -> evaluate -> report, in this process (no Prefect server)."""
    from training.config import load_config, save_config
    from training.evaluate import evaluate_run
    from training.report import write_report
    from training.runner import fit

    cfg = load_config(experiment, overrides=settings)
    cfg["data"]["release"] = str(release)
    run_dir.mkdir(parents=True)
    save_config(cfg, run_dir)
    fit(cfg, run_dir)
    result = evaluate_run(run_dir)
    write_report(run_dir)
    return result


@pytest.fixture(scope="session")
def train_run():
    """train_run(experiment, release, run_dir, settings) -> the run's metrics."""
    return _train_in_process
