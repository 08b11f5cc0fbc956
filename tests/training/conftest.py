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
    """Replica releases big enough to judge learning (~300+ test samples), at small image sizes
    so CPU training takes a minute or two. Built on first use, once per session."""
    from flows.replicas import scaled_release

    settings = {
        "manga109-artist-pages": dict(scale=10, size=[48, 64]),
        "pixiv-artists": dict(scale=12, size=[64, 64],
                              splits={"train": 0.5, "val": 0.1, "test": 0.4}),
        "gcd-team-justice-league": dict(scale=20, size=[64, 96],
                                        split_fractions={"train": 0.45, "val": 0.1,
                                                         "test": 0.45}),
    }
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = scaled_release(name, home=training_home / "scaled", **settings[name])
        return built[name]

    return get
