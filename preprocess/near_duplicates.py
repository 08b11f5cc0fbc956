"""Near-duplicate search over perceptual hashes: Hamming radius queries on faiss binary indexes,
groups as connected components of the pairs found (docs/near_duplicates.md).

Two images are near-duplicates when their pHashes differ in at most `radius` bits and both
hashes together in at most `2 * radius`. The pHash radius finds resized, re-encoded, cropped,
bordered and colour-shifted copies; the dHash budget turns away pairs that share a pHash
neighbourhood by layout alone (one cover template, different art), which would otherwise chain
unrelated groups into one connected component as a release grows (docs/near_duplicates.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import faiss
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .perceptual import hex_to_codes

# pHash bits of 64, chosen on the labelled replicas/near_duplicates.py (docs/near_duplicates.md)
DEFAULT_RADIUS = 12
BITS = 64


@dataclass(frozen=True)
class Pairs:
    """Index pairs (i < j within one set, or i in `a`, j in `b`) with their Hamming distances."""

    i: np.ndarray
    j: np.ndarray
    phash_distance: np.ndarray
    dhash_distance: np.ndarray

    def __len__(self) -> int:
        return len(self.i)


SMALL_SEARCH = 10_000 ** 2  # query x base codes searched on one thread (a release's report)


def _index(codes: np.ndarray) -> faiss.IndexBinaryFlat:
    index = faiss.IndexBinaryFlat(BITS)
    if len(codes):
        index.add(np.ascontiguousarray(codes))
    return index


def _range_pairs(queries: np.ndarray, base: np.ndarray, radius: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query index, base index, distance) for every base code within `radius` of a query."""
    if not len(queries) or not len(base):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    # faiss' binary range search keeps distances strictly below its radius argument
    threads = faiss.omp_get_max_threads()
    if len(queries) * len(base) < SMALL_SEARCH:  # OpenMP's thread start-up costs more than this
        faiss.omp_set_num_threads(1)
    try:
        lims, distances, labels = _index(base).range_search(np.ascontiguousarray(queries),
                                                            radius + 1)
    finally:
        faiss.omp_set_num_threads(threads)
    rows = np.repeat(np.arange(len(queries)), np.diff(lims).astype(np.int64))
    return rows.astype(np.int64), labels.astype(np.int64), distances.astype(np.int64)


def _popcount_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamming distance of two (n, 8) uint8 code arrays."""
    return np.unpackbits(np.bitwise_xor(a, b), axis=1).sum(axis=1).astype(np.int64)


def find_pairs(phashes: Sequence[str], dhashes: Sequence[str], radius: int = DEFAULT_RADIUS,
               other_phashes: Sequence[str] | None = None,
               other_dhashes: Sequence[str] | None = None) -> Pairs:
    """Near-duplicate pairs within one set (i < j), or between it and `other` (i in it, j in
    other) when the other's hashes are given."""
    if radius < 0 or radius >= BITS:
        raise ValueError(f"radius must be in 0..{BITS - 1} bits, not {radius}")
    p, d = hex_to_codes(phashes), hex_to_codes(dhashes)
    within = other_phashes is None
    op = p if within else hex_to_codes(other_phashes)
    od = d if within else hex_to_codes(other_dhashes)
    rows, cols, pdist = _range_pairs(p, op, radius)
    if within:
        keep = rows < cols
        rows, cols, pdist = rows[keep], cols[keep], pdist[keep]
    ddist = _popcount_distance(d[rows], od[cols]) if len(rows) else np.zeros(0, dtype=np.int64)
    keep = pdist + ddist <= 2 * radius
    order = np.lexsort((cols[keep], rows[keep]))
    return Pairs(rows[keep][order], cols[keep][order], pdist[keep][order], ddist[keep][order])


def group_labels(n: int, pairs: Pairs) -> np.ndarray:
    """A component id per item (0..k-1): connected components of the pair graph."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs.i, pairs.j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def groups(n: int, pairs: Pairs) -> list[list[int]]:
    """The groups of two or more items, largest first, each in index order."""
    labels = group_labels(n, pairs)
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(index)
    found = [m for m in members.values() if len(m) > 1]
    return sorted(found, key=lambda m: (-len(m), m[0]))


class KeptHashes:
    """The hashes of the samples kept so far, asked one sample at a time: "is this one within the
    radius of a kept one?" (the writer's `near_duplicates = "drop"`)."""

    def __init__(self, radius: int = DEFAULT_RADIUS) -> None:
        self.radius = radius
        self._phash = faiss.IndexBinaryFlat(BITS)
        self._dhash: list[np.ndarray] = []
        self._keys: list[str] = []

    def add(self, key: str, phash: str, dhash: str) -> None:
        self._phash.add(hex_to_codes([phash]))
        self._dhash.append(hex_to_codes([dhash])[0])
        self._keys.append(key)

    def first_near(self, phash: str, dhash: str) -> str | None:
        """The earliest kept key within the radius, or None."""
        if not self._keys:
            return None
        _, distances, labels = self._phash.range_search(hex_to_codes([phash]), self.radius + 1)
        if not len(labels):
            return None
        order = np.argsort(labels)
        found, pdist = labels[order].astype(np.int64), distances[order].astype(np.int64)
        codes = np.stack([self._dhash[i] for i in found])
        query = np.repeat(hex_to_codes([dhash]), len(found), axis=0)
        close = found[pdist + _popcount_distance(codes, query) <= 2 * self.radius]
        return self._keys[int(close[0])] if len(close) else None
