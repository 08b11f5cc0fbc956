"""Teams and aliases (data_manifests/gcd/teams.toml): which names are teams, and canonical names."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.definitions import check_keys, manifests_dir, read_definition


@dataclass(frozen=True)
class Names:
    teams: frozenset[str]          # every team name and team alias
    canonical: dict[str, str]      # any alias (team or character) -> canonical name

    def canonical_name(self, name: str) -> str:
        return self.canonical.get(name, name)


def load_names(path: Path | None = None) -> Names:
    path = path or manifests_dir() / "gcd" / "teams.toml"
    data = read_definition(path)
    check_keys(path, "", data, ("teams", "aliases"))
    canonical = {}
    for section in ("teams", "aliases"):
        for name, aliases in data.get(section, {}).items():
            canonical.update({alias: name for alias in aliases})
    team_names = {name for name in data.get("teams", {})}
    team_names |= {a for aliases in data.get("teams", {}).values() for a in aliases}
    return Names(teams=frozenset(team_names), canonical=canonical)
