"""Dataset definitions: data_manifests/<dataset>.toml files, read into plain dicts and checked."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from preprocess.paths import project_root


def manifests_dir() -> Path:
    return project_root() / "data_manifests"


def read_definition(name_or_path: str | Path) -> dict[str, Any]:
    """Read `data_manifests/<name>.toml` (or a path to any .toml); errors name the file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = manifests_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in manifests_dir().glob("*.toml"))
        raise ValueError(f"no dataset definition {path}; known definitions: {known}")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: invalid TOML: {error}") from None


def choose(name: str, value: Any, allowed: tuple) -> Any:
    """Return `value` if allowed, else raise ValueError listing the allowed values."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, not {value!r}")
    return value
