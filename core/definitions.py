"""Dataset definitions: data_manifests/<dataset>.toml files, read into plain dicts and checked."""
from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from core.errors import UsageError
from core.paths import project_root

# Top-level keys of a dataset definition (data_manifests/<dataset>.toml); options go in [options].
DATASET_KEYS = ("dataset", "version", "kind", "description", "license", "share", "options")


class DefinitionError(UsageError, ValueError):
    """A definition that cannot be read or asks for something unknown; names the file and line."""


def manifests_dir() -> Path:
    """data_manifests/ of the checkout, or $INKSET_MANIFESTS (a folder of your own definitions)."""
    return Path(os.environ.get("INKSET_MANIFESTS") or project_root() / "data_manifests")


def definition_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return path if path.suffix == ".toml" else manifests_dir() / f"{name_or_path}.toml"


def known_definitions() -> list[str]:
    return sorted(p.stem for p in manifests_dir().glob("*.toml"))


def read_definition(name_or_path: str | Path) -> dict[str, Any]:
    """Read `data_manifests/<name>.toml` (or a path to any .toml); errors name the file."""
    path = definition_path(name_or_path)
    if not path.is_file():
        raise DefinitionError(f"no dataset definition {path}; known definitions: "
                              f"{', '.join(known_definitions())}")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its message ends "(at line L, column C)"
        raise DefinitionError(f"{path}: invalid TOML: {error}") from None


def check_keys(name_or_path: str | Path, table: str, values: Mapping[str, Any],
               allowed: Iterable[str]) -> None:
    """Refuse a key that is not in `allowed`, naming the file, the line and the known keys."""
    allowed = sorted(set(allowed))
    unknown = [key for key in values if key not in allowed]
    if unknown:
        path = definition_path(name_or_path)
        where = f"{path}:{_line_of(path, table, unknown[0])}"
        raise DefinitionError(f"{where}: unknown key {unknown[0]!r}"
                              f"{f' in [{table}]' if table else ''}; known keys: "
                              f"{', '.join(allowed)}")


def _line_of(path: Path, table: str, key: str) -> int | str:
    """The line where `key` is set inside `[table]` ("" = top level); "?" if not found."""
    current = ""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return "?"
    for number, line in enumerate(lines, 1):
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            current = header.group(1)
        elif current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return "?"


def option_names(options_class) -> set[str]:
    """The [options] keys a definition may set: the options dataclass's own fields."""
    return {f.name for f in dataclasses.fields(options_class)} - set(DATASET_KEYS) - {"definition"}


def choose(name: str, value: Any, allowed: tuple) -> Any:
    """Return `value` if allowed, else raise DefinitionError listing the allowed values."""
    if value not in allowed:
        raise DefinitionError(f"{name} must be one of {list(allowed)}, not {value!r}")
    return value


def choose_dataset(name: str, known: Iterable[str]) -> str:
    """`name` if this command builds it, else a UsageError listing the datasets it knows."""
    if name not in known:
        raise UsageError(f"unknown dataset {name!r}; known datasets here: {', '.join(known)}")
    return name
