"""Hand-computed cases for the embedding metrics: tag mAP, hashes, Hamming search, morphing,
retrieval (CMC + mAP) and clustering scores."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from training.embeddings import clustering, hashing, morph, retrieval, tag_metrics


def test_category_map_by_hand_with_an_excluded_tag():
    scores = np.array([[0.9, 0.1, 0.5], [0.8, 0.7, 0.4], [0.2, 0.6, 0.3], [0.1, 0.3, 0.2]])
    targets = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    result = tag_metrics.category_map(scores, targets, ["a", "b", "c"])
    # tag a: ranked 0.9(+) 0.8(-) 0.2(+) 0.1(-): AP = (1/1 + 2/3) / 2 = 5/6
    # tag b: ranked 0.7(+) 0.6(-) 0.3(+) 0.1(-): AP = (1 + 2/3) / 2 = 5/6
    assert result["per_tag"] == pytest.approx({"a": 5 / 6, "b": 5 / 6})
    assert result["map"] == pytest.approx(5 / 6)
    assert (result["excluded"], result["excluded_tags"], result["scored"]) == (1, ["c"], 2)


def test_constant_scorer_ap_is_the_prevalence():
    targets = np.array([[1], [0], [0], [1], [0]])
    scores = tag_metrics.frequency_scores(np.array([0.3]), 5)
    assert tag_metrics.category_map(scores, targets, ["t"])["map"] == pytest.approx(2 / 5)


def test_pack_gives_512_bytes_and_the_bits_above_half():
    features = np.zeros((2, 4096), dtype=np.float32)
    features[0, [0, 9, 4095]] = 0.9
    features[1, 1] = 0.5  # exactly 0.5 is not above the threshold
    codes = hashing.pack(features)
    assert codes.shape == (2, 512) and codes.dtype == np.uint8
    assert codes[0, 0] == 0b10000000 and codes[0, 1] == 0b01000000 and codes[0, 511] == 1
    assert codes[1].sum() == 0
    assert hashing.hamming(codes[:1], codes).tolist() == [[0, 3]]


def test_faiss_and_numpy_search_agree():
    rng = np.random.default_rng(0)
    codes = hashing.pack(rng.random((300, 256)))
    queries = codes[:40]
    fd, fi = hashing.HammingIndex(codes, use_faiss=True).search(queries, 10)
    nd, ni = hashing.HammingIndex(codes, use_faiss=False).search(queries, 10)
    assert np.array_equal(fd, nd)
    assert (fd[:, 0] == 0).all() and (ni[:, 0] == np.arange(40)).all()
    brute = hashing.hamming(queries, codes)
    assert np.array_equal(np.sort(brute, 1)[:, :10], nd)
    for row in range(40):  # where a distance is unique, both name the same neighbour
        unique = [j for j in range(10) if (brute[row] == nd[row, j]).sum() == 1]
        assert list(fi[row, unique]) == list(ni[row, unique])


def test_neighbours_drop_self_even_beside_a_duplicate(tmp_path):
    codes = np.array([[0b0000], [0b0000], [0b0001], [0b0111]], dtype=np.uint8)
    index = hashing.HammingIndex(codes, use_faiss=False)
    d, i = index.neighbours(2)
    assert i[1].tolist() == [0, 2] and d[1].tolist() == [0, 1]
    assert 0 not in i[0].tolist()[:0] and i[0].tolist() == [1, 2]
    index.save(tmp_path / "index.npz", ["a", "b", "c", "d"])
    loaded, keys = hashing.HammingIndex.load(tmp_path / "index.npz")
    assert keys == ["a", "b", "c", "d"] and np.array_equal(loaded.codes, codes)


def test_morph_path_on_a_hand_graph():
    # 0-1 (1), 1-2 (1), 0-2 (5), 2-3 (2), 4 alone; the cheap way 0->3 is 0,1,2,3 (cost 4)
    distances = np.array([[1, 5], [1, 1], [1, 2], [2, 9], [9, 9]])
    ids = np.array([[1, 2], [0, 2], [1, 3], [2, 2], [4, 4]])
    graph = morph.neighbour_graph(distances, ids)
    assert morph.morph_path(graph, 0, 3) == [0, 1, 2, 3]
    assert morph.morph_path(graph, 3, 0) == [3, 2, 1, 0]
    assert morph.morph_path(graph, 0, 4) is None


def test_far_pairs_stay_inside_a_component():
    distances = np.array([[1, 5], [1, 1], [1, 2], [2, 9], [9, 9]])
    ids = np.array([[1, 2], [0, 2], [1, 3], [2, 2], [4, 4]])
    pairs = morph.far_pairs(morph.neighbour_graph(distances, ids), 5, seed=0)
    # node 4 reaches nothing else: never a source; from 0 the farthest reachable is 3 (cost 4)
    assert len(pairs) == 4 and all(4 not in pair for pair in pairs)
    assert dict(pairs)[0] == 3 and dict(pairs)[3] == 0


def test_morph_keeps_zero_distance_edges():
    graph = morph.neighbour_graph(np.array([[0], [0], [3]]), np.array([[1], [2], [1]]))
    assert morph.morph_path(graph, 0, 2) == [0, 1, 2]


def test_retrieval_by_hand():
    # cosine ranks for query 0 (label a): f1 (b), f2 (a), f3 (a), f4 (b)
    features = np.array([[1, 0], [0.95, 0.1], [0.9, 0.3], [0.5, 0.8], [0, 1]], dtype=float)
    labels = np.array(["a", "b", "a", "a", "c"])
    result = retrieval.retrieval_scores(features, labels, queries=np.array([0]))
    # relevant at ranks 2 and 3: AP = (1/2 + 2/3) / 2 = 7/12; rank-1 miss, rank-5 hit
    assert (result["rank1"], result["rank5"]) == (0.0, 1.0)
    assert result["map"] == pytest.approx(7 / 12)
    everything = retrieval.retrieval_scores(features, labels)
    assert everything["queries"] == 3 and everything["skipped_queries"] == 2  # b and c alone


def test_retrieval_ap_equals_sklearn_without_ties():
    rng = np.random.default_rng(1)
    features, labels = rng.normal(size=(60, 8)), rng.integers(0, 4, size=60)
    unit = retrieval.l2_normalise(features)
    for query in range(0, 60, 7):
        others = np.delete(np.arange(60), query)
        expected = average_precision_score(labels[others] == labels[query],
                                           unit[others] @ unit[query])
        got = retrieval.retrieval_scores(features, labels, queries=np.array([query]))["map"]
        assert got == pytest.approx(expected, abs=1e-12)


def test_chance_rank1_and_fixed_queries():
    assert retrieval.chance_rank1(np.array([0, 0, 1, 1, 1, 2])) == pytest.approx(
        (1 / 5 * 2 + 2 / 5 * 3) / 5)
    fixed = retrieval.fixed_queries(5, 100, seed=3)
    assert len(fixed) == 5 and np.array_equal(fixed, retrieval.fixed_queries(5, 100, seed=3))
    assert retrieval.fixed_queries(2000, 100, seed=3) is None


def test_clustering_scores_noise_as_cluster_and_clustered_only():
    truth = np.array([0, 0, 0, 1, 1, 1])
    clusters = np.array([5, 5, -1, 7, 7, -1])
    result = clustering.scores(truth, clusters)
    # clustered only: a perfect match of 4 points; noise fraction 2/6
    assert result["ari_clustered"] == 1.0 and result["v_measure_clustered"] == pytest.approx(1.0)
    assert result["noise_fraction"] == pytest.approx(1 / 3) and result["clusters"] == 2
    # noise as one cluster {2, 5}: contingency [[2,0,1],[0,2,1]]; sum C(nij,2) = 2,
    # rows 3+3 = 6, cols 1+1+1 = 3, expected 6*3/15 = 1.2, max 4.5: ARI = 0.8/3.3
    assert result["ari"] == pytest.approx(0.8 / 3.3)
    assert 0 < result["v_measure"] < 1


def test_clustering_all_noise_has_no_clustered_scores():
    result = clustering.scores(np.array([0, 1, 1]), np.array([-1, -1, -1]))
    assert result["noise_fraction"] == 1.0 and np.isnan(result["ari_clustered"])
    assert result["ari"] == 0.0


def test_queries_left_out_of_the_gallery():
    """The seed's protocol: queries ranked against the non-query faces only, checked against a
    brute-force ranking of that gallery with sklearn's average precision."""
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(4)
    labels = rng.integers(0, 4, 40)
    features = rng.normal(size=(40, 6)) + labels[:, None]      # faces of a character cluster
    queries = np.array([0, 5, 9, 22, 31])
    gallery = np.setdiff1d(np.arange(40), queries)
    unit = retrieval.l2_normalise(features)
    hits, aps = [], []
    for q in queries:
        sims = unit[gallery] @ unit[q]
        relevant = labels[gallery] == labels[q]
        hits.append(relevant[np.argmax(sims)])
        aps.append(average_precision_score(relevant, sims))
    result = retrieval.retrieval_scores(features, labels, queries, queries_in_gallery=False)
    assert result["rank1"] == pytest.approx(np.mean(hits))
    assert result["map"] == pytest.approx(np.mean(aps))
    assert result["map"] != pytest.approx(
        retrieval.retrieval_scores(features, labels, queries)["map"])
