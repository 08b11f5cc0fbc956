"""From a characters field to labels: canonical characters, teams, and each team's members."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .characters import Entry, parse_characters
from .teams import Names


@dataclass(frozen=True)
class CoverLabels:
    characters: tuple[str, ...]                       # canonical, sorted; team members included
    teams: tuple[str, ...]                            # canonical, sorted
    members: dict[str, tuple[str, ...]]               # team -> its members on this cover
    flags: tuple[str, ...]                            # parser flags (noise recovered)


def _walk(entries: Iterable[Entry]) -> Iterable[Entry]:
    for entry in entries:
        yield entry
        yield from _walk(entry.members)


def cover_labels(raw: str, names: Names) -> CoverLabels:
    entries = list(_walk(parse_characters(raw, names.teams)))
    members: dict[str, set[str]] = {}
    for team in (e for e in entries if e.is_team):
        members.setdefault(names.canonical_name(team.name), set()).update(
            names.canonical_name(m.name) for m in team.members if not m.is_team)
    people = {names.canonical_name(e.name) for e in entries if not e.is_team and e.name}
    return CoverLabels(tuple(sorted(people)), tuple(sorted(members)),
                       {t: tuple(sorted(m)) for t, m in members.items()},
                       tuple(sorted({f for e in entries for f in e.flags})))


def top_labels(counts: Counter, top: int, minimum: int) -> tuple[str, ...]:
    """The `top` most frequent names with at least `minimum` covers; ties broken by name."""
    ranked = sorted((n for n, c in counts.items() if c >= minimum), key=lambda n: (-counts[n], n))
    return tuple(sorted(ranked[:top]))


def genres(value: str | None) -> tuple[str, ...]:
    """GCD genre fields list several genres separated by ';' or ','."""
    return tuple(sorted({g.strip().lower() for g in re.split(r"[;,]", value or "") if g.strip()}))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
