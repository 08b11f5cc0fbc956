"""Experiment configs: training/configs/<experiment>.toml, then a --config file, then key=value."""
from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Sequence

from core.errors import UsageError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SECTIONS = ("data", "model", "optim", "run", "eval")


def known_experiments() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))


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
    path = CONFIG_DIR / f"{experiment}.toml"
    if not path.is_file():
        raise UsageError(f"unknown experiment {experiment!r}; known: "
                         f"{', '.join(known_experiments())}")
    cfg = read_toml(path)
    if config_file:
        cfg = merge(cfg, read_toml(Path(config_file)), config_file)
    for text in overrides:
        cfg = merge(cfg, parse_override(text), f"override {text!r}")
    if extra:
        cfg = merge(cfg, extra, "overrides")
    return cfg


def save_config(cfg: dict, run_dir: Path) -> None:
    from core import atomic

    atomic.write_text(run_dir / "config.json", json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def read_run_config(run_dir: Path) -> dict:
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a run dir (no config.json); runs live under "
                         f"runs/<experiment>/<run id>/")
    return json.loads(path.read_text())
