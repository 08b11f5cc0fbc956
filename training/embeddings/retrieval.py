"""Retrieval across test faces (Manga-MMTL): cosine ranking, CMC rank-1/rank-5 and mAP."""
from __future__ import annotations

import numpy as np


def l2_normalise(features: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.maximum(norms, 1e-12)


def retrieval_scores(features: np.ndarray, labels: np.ndarray, queries: np.ndarray | None = None,
                     queries_in_gallery: bool = True) -> dict:
    """Each query against every other face (itself excluded), ranked by cosine similarity;
    queries_in_gallery=False ranks only the faces that are not queries (the seed's protocol
    with its 2,000 queries).

    Queries whose character has no other face are skipped (counted). rank-k: the share of
    queries with a face of their character among the k most similar. AP per query: the mean of
    precision@r over the ranks r of its relevant faces (the full list, non-interpolated), which
    equals sklearn's average_precision_score when no similarities tie."""
    labels = np.asarray(labels)
    unit = l2_normalise(np.asarray(features, dtype=np.float64))
    queries = np.arange(len(labels)) if queries is None else np.asarray(queries)
    left_out = 1 if queries_in_gallery else len(queries)
    hits1, hits5, aps, skipped = [], [], [], 0
    for start in range(0, len(queries), 512):
        block = queries[start:start + 512]
        sims = unit[block] @ unit.T
        if queries_in_gallery:
            sims[np.arange(len(block)), block] = -np.inf  # the query itself goes last, then is cut
        else:
            sims[:, queries] = -np.inf                    # every query goes last, then is cut
        order = np.argsort(-sims, axis=1, kind="stable")[:, :len(labels) - left_out]
        relevant = labels[order] == labels[block][:, None]
        for row in relevant:
            total = row.sum()
            if total == 0:
                skipped += 1
                continue
            hits1.append(row[0])
            hits5.append(row[:5].any())
            ranks = np.flatnonzero(row) + 1
            aps.append(float(np.mean(np.arange(1, total + 1) / ranks)))
    return {"rank1": float(np.mean(hits1)) if hits1 else float("nan"),
            "rank5": float(np.mean(hits5)) if hits5 else float("nan"),
            "map": float(np.mean(aps)) if aps else float("nan"),
            "queries": len(aps), "skipped_queries": skipped}


def chance_rank1(labels: np.ndarray) -> float:
    """Expected rank-1 of a random ranking: per query, (same-character others) / (all others)."""
    labels = np.asarray(labels)
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    same = counts[inverse] - 1
    usable = same > 0
    return float(np.mean(same[usable] / (len(labels) - 1))) if usable.any() else float("nan")


def fixed_queries(count: int, total: int, seed: int) -> np.ndarray | None:
    """A fixed random set of query indices (the seed used 2,000); None = every face."""
    if not count or count >= total:
        return None
    return np.sort(np.random.default_rng(seed).choice(total, size=count, replace=False))
