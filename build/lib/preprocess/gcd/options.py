"""GCD dataset definitions (data_manifests/gcd-covers.toml, gcd-team.toml) as frozen dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.definitions import choose, read_options
from preprocess.images import RESIZE_MODES

KINDS = ("covers", "team")
REBALANCE = ("none", "cap", "weights")


@dataclass(frozen=True)
class GcdOptions:
    dataset: str
    version: str
    kind: str                                   # covers | team
    size: tuple[int, int] = (200, 300)
    resize_mode: str = "center_crop"
    top_characters: int = 50                    # covers: character labels
    top_members: int = 16                       # team: member labels
    min_label_covers: int = 2
    teams: tuple[str, ...] = ()                 # team: one dataset per team
    split_fractions: dict = field(default_factory=lambda: {"train": 0.8, "val": 0.1,
                                                           "test": 0.1})
    seed: int = 0
    rebalance: str = "none"
    label_cap: int = 500
    description: str = ""
    share: str = "full"  # "metadata-only": `inkset publish` exports ids, URLs and labels only
    definition: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str, **overrides) -> "GcdOptions":
        options = cls(**read_options(name, cls, overrides))
        choose("kind", options.kind, KINDS)
        choose("resize_mode", options.resize_mode, RESIZE_MODES)
        choose("rebalance", options.rebalance, REBALANCE)
        fractions = options.split_fractions
        if not fractions or any(v < 0 for v in fractions.values()) or \
                abs(sum(fractions.values()) - 1) > 1e-6:
            raise ValueError(f"split_fractions must be non-negative and sum to 1: {fractions}")
        return options

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.split_fractions)
