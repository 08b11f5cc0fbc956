"""The experiments by name: training/configs/<name>.toml, each naming its class."""
from __future__ import annotations

import importlib

from core.errors import UsageError
from training.config import config_path, read_toml

from .base import Experiment


def experiment_class(name: str) -> type[Experiment]:
    """The class the experiment's config names (`class = "module:Class"`); its module is
    imported only when its experiment runs."""
    path = config_path(name)
    module, _, cls = str(read_toml(path).get("class", "")).partition(":")
    if not module or not cls:
        raise UsageError(f'{path}: name the experiment class, e.g. '
                         f'class = "training.experiments.artist:ComicArtist"')
    return getattr(importlib.import_module(module), cls)
