"""Semantic morphing as Illustration2Vec defines it: images joined to their top-5 Hamming
neighbours (weight = distance), then the shortest path between two images."""
from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

# scipy drops explicit zeros from a sparse graph: a duplicate code (distance 0) would lose its
# edge, so zero weights become this tiny one (path lengths change by < 1e-6 per edge)
ZERO_WEIGHT = 1e-6


def neighbour_graph(distances: np.ndarray, ids: np.ndarray) -> csr_matrix:
    """(n, k) neighbour distances and ids -> an n x n sparse graph with those edges."""
    n, k = ids.shape
    rows = np.repeat(np.arange(n), k)
    weights = np.maximum(distances.reshape(-1).astype(np.float64), ZERO_WEIGHT)
    return csr_matrix((weights, (rows, ids.reshape(-1))), shape=(n, n))


def morph_path(graph: csr_matrix, source: int, target: int, directed: bool = False
               ) -> list[int] | None:
    """Node ids from source to target along the shortest path; None when they are not joined.
    Undirected by default: an edge from either end's top-5 list can be walked both ways."""
    dist, predecessors = shortest_path(graph, directed=directed, indices=source,
                                       return_predecessors=True)
    if not np.isfinite(dist[target]):
        return None
    path = [target]
    while path[-1] != source:
        path.append(int(predecessors[path[-1]]))
    return path[::-1]


def far_pairs(graph: csr_matrix, count: int, seed: int = 0, directed: bool = False
               ) -> list[tuple[int, int]]:
    """`count` (source, target) pairs: random sources, each with the image farthest from it along
    the graph among those it reaches (the top-5 graph splits into components), for long strips."""
    rng = np.random.default_rng(seed)
    n = graph.shape[0]
    pairs = []
    for source in rng.permutation(n):
        dist = shortest_path(graph, directed=directed, indices=int(source))
        dist[~np.isfinite(dist)] = -1
        if dist.max() > 0:
            pairs.append((int(source), int(np.argmax(dist))))
        if len(pairs) == count:
            break
    return pairs
