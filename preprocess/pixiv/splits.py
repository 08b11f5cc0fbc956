"""Balanced, deterministic splits by illust: each artist's illusts cut by the same fractions."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterable


def _order(seed: int, illust_id: int) -> str:
    # a hash, not the id: splits must not follow upload time, and must not move when ids are added
    return hashlib.sha256(f"{seed}:{illust_id}".encode()).hexdigest()


def assign_splits(pairs: Iterable[tuple[int, int]], fractions: tuple[tuple[str, float], ...],
                  seed: int = 0) -> dict[int, str]:
    """{illust_id: split} for (user_id, illust_id) pairs; every page and crop follows its illust.

    Per artist, illusts are ordered by a seeded hash and cut at round(n * cumulative fraction),
    so each artist has the same share in each split (± one illust).
    """
    by_artist: dict[int, set[int]] = defaultdict(set)
    for user_id, illust_id in pairs:
        by_artist[int(user_id)].add(int(illust_id))
    chosen: dict[int, str] = {}
    for illusts in by_artist.values():
        ordered = sorted(illusts, key=lambda i: _order(seed, i))
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
