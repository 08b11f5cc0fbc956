"""Each metric function on a small case computed by hand."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import fbeta_score

from training import metrics


def test_single_label_by_hand():
    # targets 0,0,1,2 ; predictions 0,1,1,2  -> accuracy 3/4
    logits = np.array([[5, 0, 0], [0, 5, 0], [0, 5, 0], [0, 0, 5]], dtype=float)
    target = np.array([0, 0, 1, 2])
    result = metrics.single_label(logits, target, ["a", "b", "c"])
    assert result["accuracy"] == 0.75
    # class a: P=1, R=1/2 -> F1 2/3 ; class b: P=1/2, R=1 -> 2/3 ; class c: 1
    assert result["per_class_f1"] == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 1.0})
    assert result["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert result["per_class_accuracy"] == pytest.approx({"a": 0.5, "b": 1.0, "c": 1.0})
    assert result["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_single_label_chance_by_hand():
    target = np.array([0, 0, 0, 1])  # majority 3/4
    chance = metrics.single_label_chance(target, correct=4, classes=2)
    assert chance["majority_accuracy"] == 0.75
    assert chance["uniform_accuracy"] == 0.5
    # always "0": F1_0 = 2*.75/1.75 = 6/7, F1_1 = 0 -> macro 3/7
    assert chance["best_constant_macro_f1"] == pytest.approx(3 / 7)
    # P(X >= 4 | n=4, p=.75) = .75^4
    assert chance["binomial_p_vs_majority"] == pytest.approx(0.75 ** 4)


def test_pairwise_restricted_to_the_pair():
    # three classes; sample 2 (class 1) is predicted 2 overall, but between 0 and 1 it says 1
    logits = np.array([[3, 1, 0], [0, 1, 3], [2, 1, 0], [0, 0, 3]], dtype=float)
    target = np.array([0, 1, 1, 2])
    table = metrics.pairwise_from_multiclass(logits, target, 3)
    # pair (0,1): samples 0,1,2 -> picks 0,1,0 vs 0,1,1 -> 2/3
    assert table[0, 1] == pytest.approx(2 / 3)
    # pair (1,2): samples 1,2,3 -> picks 2,1,2 vs 1,1,2 -> 2/3
    assert table[1, 2] == pytest.approx(2 / 3)
    # pair (0,2): samples 0,3 -> picks 0,2 -> 1
    assert table[0, 2] == 1.0
    assert np.isnan(table[1, 1])


def test_accuracy_thresh_and_f2_by_hand():
    probs = np.array([[0.9, 0.3, 0.1], [0.6, 0.1, 0.25]])
    target = np.array([[1, 1, 0], [0, 0, 1]])
    # p > .5: [1,0,0],[1,0,0] vs target -> cells right: 1,0,1,0,1,0 = 3/6
    assert metrics.accuracy_thresh(probs, target) == 0.5
    # p > .2: sample 1 predicts {0,1} = target -> F2 1; sample 2 predicts {0,2}, target {2}:
    # P = 1/2, R = 1 -> F2 = 5 * .5 * 1 / (4 * .5 + 1) = 2.5 / 3
    assert metrics.f2_samples(probs, target) == pytest.approx((1 + 2.5 / 3) / 2)


def test_multi_label_per_label_numbers():
    probs = np.array([[0.9, 0.2], [0.8, 0.7], [0.1, 0.6]])
    target = np.array([[1, 0], [0, 1], [0, 0]])
    result = metrics.multi_label(probs, target, ["x", "y"])
    assert result["per_label"]["x"]["precision"] == 0.5   # predicted rows 0,1; right row 0
    assert result["per_label"]["x"]["recall"] == 1.0
    assert result["per_label"]["x"]["ap"] == 1.0          # the positive ranks first
    assert result["per_label"]["y"]["precision"] == 0.5   # rows 1,2 predicted; row 1 right
    assert result["per_label"]["y"]["ap"] == 1.0          # row 1 (0.7) ranks above row 2 (0.6)


def test_best_constant_f2_matches_sklearn_exhaustively():
    rng = np.random.default_rng(0)
    target = (rng.random((40, 4)) < [0.8, 0.5, 0.2, 0.05]).astype(int)
    best, chosen = metrics.best_constant_f2(target)
    scores = {}
    for mask in range(16):
        subset = [(mask >> b) & 1 for b in range(4)]
        predicted = np.tile(subset, (40, 1))
        scores[mask] = fbeta_score(target, predicted, beta=2, average="samples", zero_division=0)
    assert best == pytest.approx(max(scores.values()))
    chosen_mask = sum(1 << b for b in chosen)
    assert scores[chosen_mask] == pytest.approx(best)


def test_multi_label_chance_accuracy_thresh():
    target = np.array([[1, 0], [1, 0], [1, 1], [0, 0]])
    chance = metrics.multi_label_chance(target)
    # label 0: 3/4 ones -> .75 ; label 1: 3/4 zeros -> .75
    assert chance["best_constant_accuracy_thresh"] == 0.75
