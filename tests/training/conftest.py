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
    from flows.replicas import scaled_release

    return scaled_release("manga109-artist-pages", scale=1, home=training_home / "small",
                          size=[48, 64])


@pytest.fixture(scope="session")
def scaled(training_home):
    """The demo's training replicas (flows/demo.py DEMO_TRAININGS): ~300+ test samples each, at
    small image sizes so CPU training takes a minute or two. Built on first use, once."""
    from flows.demo import DEMO_TRAININGS
    from flows.replicas import scaled_release

    settings = {dataset: options for dataset, options, _ in DEMO_TRAININGS.values()}
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = scaled_release(name, home=training_home / "scaled", **settings[name])
        return built[name]

    return get
