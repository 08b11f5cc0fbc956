"""Deterministic splits from a group id: a seeded hash, so a group never moves between versions."""
from __future__ import annotations

import hashlib
from typing import Any, Iterable


def hash_point(seed: int, group: Any) -> float:
    """A number in [0, 1) fixed by (seed, group): uniform over groups, stable across runs."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()
    return int(digest[:13], 16) / 16 ** 13


def split_by_hash(group: Any, fractions: Iterable[tuple[str, float]], seed: int = 0) -> str:
    """The split whose cumulative fraction first exceeds the group's hash point."""
    point, total, name = hash_point(seed, group), 0.0, None
    for name, fraction in fractions:
        total += fraction
        if point < total:
            return name
    return name  # fractions summing to slightly under 1: the last split
