"""Deterministic splits from a group id: a seeded hash, so a group never moves between versions;
groups linked by near-duplicate images share one split (docs/near_duplicates.md)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, Sequence

from preprocess.near_duplicates import DEFAULT_RADIUS, find_pairs
from preprocess.perceptual import SOURCE_DRAFT_SIDE, hashes_or_none

# Sources are linked a step wider than the release's radius (pHash distances are even): the
# written images are crops and resizes of them, a few bits away, and a pair the release finds
# must not have been a pair the plan missed.
LINK_MARGIN = 2


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


def unify_splits(split_of_group: Mapping[Hashable, str],
                 linked: Iterable[tuple[Hashable, Hashable]]) -> dict[Hashable, str]:
    """Splits per group, where linked groups (near-duplicate images between them) share one: each
    connected component takes the split of its smallest group, so no link crosses splits."""
    parent = {group: group for group in split_of_group}

    def root(group):
        while parent[group] != group:
            parent[group] = parent[parent[group]]
            group = parent[group]
        return group

    for a, b in linked:
        ra, rb = root(a), root(b)
        if ra != rb:  # the smaller group, by sort order, becomes the component's root
            lo, hi = sorted((ra, rb), key=_order)
            parent[hi] = lo
    return {group: split_of_group[root(group)] for group in split_of_group}


def _order(group: Any) -> tuple[str, Any]:
    return (type(group).__name__, group)


def near_duplicate_links(paths: Sequence[Path], groups: Sequence[Hashable],
                         radius: int = DEFAULT_RADIUS) -> list[tuple[Hashable, Hashable]]:
    """(group, group) pairs of different groups with near-duplicate source images between them.

    The source files are hashed here, at plan time, from the smallest DCT-scaled drafts (1/8 of
    a 400x600 cover: the second decode of every source costs little); a file that cannot be
    decoded links nothing (the render reports it)."""
    hashed, phashes, dhashes = [], [], []
    for path, group in zip(paths, groups):
        try:
            hashes = hashes_or_none(Path(path).read_bytes(), SOURCE_DRAFT_SIDE)
        except OSError:  # unreadable: the render reports it
            continue
        if hashes is None:
            continue
        hashed.append(group)
        phashes.append(hashes.phash)
        dhashes.append(hashes.dhash)
    pairs = find_pairs(phashes, dhashes, radius + LINK_MARGIN)
    return sorted({(hashed[i], hashed[j]) for i, j in zip(pairs.i.tolist(), pairs.j.tolist())
                   if hashed[i] != hashed[j]}, key=lambda pair: (_order(pair[0]), _order(pair[1])))
