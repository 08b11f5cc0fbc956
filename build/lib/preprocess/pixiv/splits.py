"""Deterministic splits by illust: every page and crop of an illust shares its split.

Two methods (`split_method` in the definition):
- "balanced" (default): per artist, illusts ordered by a seeded hash and cut at the fractions, so
  each artist has the same share in each split (+- one illust). Other artists never move an
  illust, but new illusts of the same artist shift the cut points and can move the few near them.
- "hash": a pure function of the illust id (docs/contracts.md §5): an illust never moves between
  versions; per-artist shares are balanced on average only.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from preprocess.splits import hash_point, split_by_hash

METHODS = ("balanced", "hash")


def assign_splits(pairs: Iterable[tuple[int, int]], fractions: tuple[tuple[str, float], ...],
                  seed: int = 0, method: str = "balanced") -> dict[int, str]:
    """{illust_id: split} for (user_id, illust_id) pairs."""
    by_artist: dict[int, set[int]] = defaultdict(set)
    for user_id, illust_id in pairs:
        by_artist[int(user_id)].add(int(illust_id))
    if method == "hash":
        return {i: split_by_hash(i, fractions, seed) for illusts in by_artist.values()
                for i in illusts}
    chosen: dict[int, str] = {}
    for illusts in by_artist.values():
        ordered = sorted(illusts, key=lambda i: hash_point(seed, i))
        start, cumulative = 0, 0.0
        for name, fraction in fractions:
            cumulative += fraction
            end = round(len(ordered) * cumulative)
            for illust_id in ordered[start:end]:
                chosen[illust_id] = name
            start = end
        for illust_id in ordered[start:]:  # rounding leftovers go to the first split
            chosen[illust_id] = fractions[0][0]
    return chosen
