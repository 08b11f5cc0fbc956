"""Experiment configs: each names its class; the [demo] table is the demo's, not a run's."""
from __future__ import annotations

import pytest

from core.errors import UsageError
from training.config import CONFIG_DIR, demo_trainings, known_experiments, load_config, read_toml
from training.experiments import experiment_class
from training.experiments.base import Experiment


@pytest.mark.parametrize("name", known_experiments())
def test_every_config_names_an_experiment_class(name):
    assert issubclass(experiment_class(name), Experiment)
    assert "demo" not in load_config(name)  # the demo's settings stay out of a run's config


def test_an_unknown_experiment_lists_the_configs():
    with pytest.raises(UsageError, match="unknown experiment 'nope'; known: artist-pages, "
                                         "artist-panels, gcd-team"):
        experiment_class("nope")


def test_the_demo_trains_the_configs_with_a_demo_table():
    trainings = demo_trainings()
    assert list(trainings) == [n for n in known_experiments()
                               if "demo" in read_toml(CONFIG_DIR / f"{n}.toml")]
    assert set(trainings) == {"artist-pages", "pixiv-artist", "gcd-team", "illust2vec",
                              "manga-mmtl"}
    for name, demo in trainings.items():
        assert demo.replica["scale"] >= 1 and len(demo.replica["size"]) == 2
        # the demo's settings are valid overrides of the experiment's config
        load_config(name, overrides=demo.settings)
