"""The experiments by name: each is a config file (training/configs/<name>.toml) plus a class."""
from __future__ import annotations

import importlib

from core.errors import UsageError

from .base import Experiment

# name -> "module:Class"; modules are imported only when their experiment runs
EXPERIMENTS = {
    "artist-pages": "training.experiments.artist:ComicArtist",
    "artist-panels": "training.experiments.artist:ComicArtist",
    "pixiv-artist": "training.experiments.pixiv_artist:PixivArtist",
    "gcd-team": "training.experiments.gcd_team:GcdTeam",
    "illust2vec": "training.experiments.illust2vec:Illust2Vec",
    "manga-mmtl": "training.experiments.manga_mmtl:MangaMMTL",
}


def experiment_class(name: str) -> type[Experiment]:
    if name not in EXPERIMENTS:
        raise UsageError(f"unknown experiment {name!r}; known: {', '.join(sorted(EXPERIMENTS))}")
    module, _, cls = EXPERIMENTS[name].partition(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        raise UsageError(f"experiment {name!r} is not built yet ({module})") from None
