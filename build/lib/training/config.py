"""Experiment configs: training/configs/<experiment>.toml, then a --config file, then key=value."""
from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from core.errors import UsageError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SECTIONS = ("data", "model", "optim", "run", "eval")
# A config's top level: `experiment` (its name), `class` ("module:Class", read by
# training.experiments.experiment_class), the SECTIONS and the experiment's own, and [demo]:
# the demo's short training (demo_trainings), which load_config leaves out of a run's config.
DEMO_KEYS = ("dataset", "replica", "settings")


@dataclass(frozen=True)
class DemoTraining:
    """`make demo`'s short training of one experiment: the [demo] table of its config."""
    dataset: str                # the replica release it trains on
    replica: dict               # scaled_release's options: scale, size, split fractions
    settings: tuple[str, ...]   # key=value overrides of the config, in order


def known_experiments() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))


def config_path(experiment: str) -> Path:
    """training/configs/<experiment>.toml; an unknown experiment lists the configs there."""
    path = CONFIG_DIR / f"{experiment}.toml"
    if not path.is_file():
        raise UsageError(f"unknown experiment {experiment!r}; known: "
                         f"{', '.join(known_experiments())}")
    return path


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:  # its message carries the line and column
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read the config: {error.strerror}") from None


def merge(base: dict, extra: dict, where: str) -> dict:
    """`extra` over `base`, refusing keys the base does not know (a typo is an error, not a no-op)."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if key not in merged:
            raise UsageError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(merged))}")
        if isinstance(merged[key], dict):
            if not isinstance(value, dict):
                raise UsageError(f"{where}: {key!r} must be a table")
            merged[key] = merge(merged[key], value, f"{where} [{key}]")
        else:
            merged[key] = value
    return merged


def parse_override(text: str) -> dict:
    """"optim.lr=0.01" -> {"optim": {"lr": 0.01}}; values are TOML (strings may be bare)."""
    path, sep, raw = text.partition("=")
    if not sep or not path:
        raise UsageError(f"override {text!r}: use section.key=value, e.g. optim.epochs=3")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    for part in reversed(path.split(".")):
        value = {part: value}
    return value


def load_config(experiment: str, config_file: str | None = None,
                overrides: Sequence[str] = (), extra: dict | None = None) -> dict:
    """The resolved config of one run (saved as config.json in its run dir)."""
    cfg = read_toml(config_path(experiment))
    cfg.pop("demo", None)  # the demo's settings, not the run's
    if config_file:
        cfg = merge(cfg, read_toml(Path(config_file)), config_file)
    for text in overrides:
        cfg = merge(cfg, parse_override(text), f"override {text!r}")
    if extra:
        cfg = merge(cfg, extra, "overrides")
    return cfg


def demo_trainings() -> dict[str, DemoTraining]:
    """The experiments `make demo` trains: the configs with a [demo] table, by name."""
    trainings = {}
    for name in known_experiments():
        path = config_path(name)
        demo = read_toml(path).get("demo")
        if demo is None:
            continue
        if not isinstance(demo, dict) or sorted(demo) != sorted(DEMO_KEYS):
            raise UsageError(f"{path}: [demo] takes {', '.join(DEMO_KEYS)}; it has "
                             f"{', '.join(demo) if isinstance(demo, dict) else repr(demo)}")
        trainings[name] = DemoTraining(demo["dataset"], dict(demo["replica"]),
                                       tuple(demo["settings"]))
    return trainings


def save_config(cfg: dict, run_dir: Path) -> None:
    from core import atomic

    atomic.write_text(run_dir / "config.json", json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def read_run_config(run_dir: Path) -> dict:
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a run dir (no config.json); runs live under "
                         f"runs/<experiment>/<run id>/")
    return json.loads(path.read_text())
