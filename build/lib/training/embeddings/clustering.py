"""Per-title clustering (Manga-MMTL): UMAP then HDBSCAN; ARI, AMI and V-measure, with HDBSCAN
noise as its own cluster (the seed's setting) and on the clustered points only."""
from __future__ import annotations

import numpy as np
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, v_measure_score

NOISE = -1


def scores(truth: np.ndarray, clusters: np.ndarray) -> dict:
    """Both readings of HDBSCAN's output: noise (-1) as one more cluster, and clustered only."""
    truth, clusters = np.asarray(truth), np.asarray(clusters)
    clustered = clusters != NOISE
    result = {"ari": adjusted_rand_score(truth, clusters),
              "ami": adjusted_mutual_info_score(truth, clusters, average_method="arithmetic"),
              "v_measure": v_measure_score(truth, clusters),
              "noise_fraction": float(1 - clustered.mean()),
              "clusters": int(len(set(clusters[clustered].tolist())))}
    if clustered.sum() >= 2:
        t, c = truth[clustered], clusters[clustered]
        result.update(ari_clustered=adjusted_rand_score(t, c),
                      ami_clustered=adjusted_mutual_info_score(t, c, average_method="arithmetic"),
                      v_measure_clustered=v_measure_score(t, c))
    else:
        result.update(ari_clustered=float("nan"), ami_clustered=float("nan"),
                      v_measure_clustered=float("nan"))
    return {k: float(v) if k != "clusters" else v for k, v in result.items()}


def embed_and_cluster(features: np.ndarray, seed: int, *, n_neighbors: int = 15,
                      n_components: int = 5, min_cluster_size: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """(2-D UMAP for drawing, HDBSCAN labels from the n_components UMAP). Fixed parameters from
    the config: never tuned on the test labels."""
    import umap

    n = len(features)
    neighbours = max(2, min(n_neighbors, n - 1))
    reduce = umap.UMAP(n_neighbors=neighbours, n_components=min(n_components, max(2, n - 2)),
                       metric="cosine", random_state=seed, init="random", n_jobs=1)
    embedded = reduce.fit_transform(features)
    labels = HDBSCAN(min_cluster_size=min(min_cluster_size, max(2, n // 2)),
                     copy=True).fit_predict(embedded)
    flat = umap.UMAP(n_neighbors=neighbours, n_components=2, metric="cosine", random_state=seed,
                     init="random", n_jobs=1).fit_transform(features) if n_components != 2 else embedded
    return flat, labels


def random_labelling_ari(truth: np.ndarray, clusters: np.ndarray, draws: int, seed: int) -> float:
    """Mean ARI of the same cluster sizes assigned at random: the chance level to beat."""
    rng = np.random.default_rng(seed)
    return float(np.mean([adjusted_rand_score(truth, rng.permutation(clusters))
                          for _ in range(draws)]))
