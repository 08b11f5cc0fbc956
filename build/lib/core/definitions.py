"""Dataset definitions: data_manifests/<dataset>.toml files read, checked and listed by source."""
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
# `source` names the stage that builds it (gcd, pixiv, manga109, image-folder): the registry below.
# `variant_of` marks a variant of another dataset of its source, built only when named (in its
# place), never by a source's default build: pixiv-artists-quadrants of pixiv-artists.
DATASET_KEYS = ("dataset", "version", "kind", "description", "license", "share", "source",
                "variant_of", "options")
# The keys that place a definition in the registry rather than say what it builds: a release
# records its definition without them (recorded()), so that the definition hash, and with it a
# refresh's "has anything changed?", is that of the content alone.
REGISTRY_KEYS = ("source", "variant_of")


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


@dataclasses.dataclass(frozen=True)
class Registered:
    """One dataset definition as the registry lists it."""
    name: str             # the file's stem: the name the stages load it by
    source: str           # the stage that builds it: gcd, pixiv, manga109, image-folder
    variant_of: str = ""  # "" or the dataset it is built in place of, only when named


def registry() -> tuple[Registered, ...]:
    """Every dataset definition of manifests_dir(), by name. A dataset definition is a .toml
    with a `dataset` key (the crawl options, schedules and takedowns have none); each must name
    its `source`, and a `variant_of` must name a dataset of the same source."""
    found = []
    for path in sorted(manifests_dir().glob("*.toml"), key=lambda p: p.stem):
        raw = read_definition(path)
        if "dataset" not in raw:
            continue
        source, variant_of = raw.get("source"), raw.get("variant_of", "")
        if not isinstance(source, str) or not source:
            raise DefinitionError(f"{path}: a dataset definition names its source, e.g. "
                                  f"source = \"gcd\" (the stage that builds it)")
        found.append(Registered(path.stem, source, variant_of))
    sources = {entry.name: entry.source for entry in found}
    for entry in found:
        if entry.variant_of and sources.get(entry.variant_of) != entry.source:
            path = definition_path(entry.name)
            raise DefinitionError(
                f"{path}:{_line_of(path, '', 'variant_of')}: variant_of {entry.variant_of!r} is "
                f"no dataset of source {entry.source!r}; those are: "
                f"{', '.join(n for n, s in sources.items() if s == entry.source)}")
    return tuple(found)


def datasets_by_source(*, variants: bool = False) -> dict[str, tuple[str, ...]]:
    """source -> its dataset names (sorted; sources sorted too). A source's default build:
    without the variants, unless `variants` asks for them as well."""
    grouped: dict[str, list[str]] = {}
    for entry in registry():
        names = grouped.setdefault(entry.source, [])
        if variants or not entry.variant_of:
            names.append(entry.name)
    return {source: tuple(names) for source, names in sorted(grouped.items())}


def datasets_of(source: str, *, variants: bool = False) -> tuple[str, ...]:
    """The dataset names of one source (none if no definition names it)."""
    return datasets_by_source(variants=variants).get(source, ())


def recorded(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition as a release records it: without the registry's keys (REGISTRY_KEYS)."""
    return {key: value for key, value in definition.items() if key not in REGISTRY_KEYS}


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


def read_options(name: str | Path, options_class: type, overrides: Mapping[str, Any]
                 ) -> dict[str, Any]:
    """The keyword arguments of `options_class` (a stage's frozen options dataclass) from the
    definition `name` with `overrides` applied: dataset, version, kind, the description, licence
    and share the class has, every [options] value (lists as tuples), and `definition`, what a
    release records. Unknown keys and missing required options name the file."""
    raw = read_definition(name)
    check_keys(name, "", raw, DATASET_KEYS)
    check_keys(name, "options", raw.get("options", {}), option_names(options_class))
    options = {**raw.get("options", {}), **overrides}
    fields = {f.name: f for f in dataclasses.fields(options_class)}
    arguments = {"dataset": raw["dataset"], "version": str(raw["version"]), "kind": raw["kind"],
                 "definition": {**recorded(raw), "options": options},
                 **{key: raw[key] for key in ("description", "license", "share")
                    if key in raw and key in fields},
                 **{key: tuple(v) if isinstance(v, list) else v for key, v in options.items()}}
    missing = [f for f, spec in fields.items() if f not in arguments
               and spec.default is dataclasses.MISSING
               and spec.default_factory is dataclasses.MISSING]
    if missing:
        raise DefinitionError(f"{definition_path(name)}: [options] needs {', '.join(missing)}")
    return arguments


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
