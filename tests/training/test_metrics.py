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


def _macro_f1_rows(target: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Macro F1 (zero_division=0) of each row of predictions, from counts: 2TP / (2TP+FP+FN)."""
    scores = []
    for c in range(classes):
        tp = ((predicted == c) & (target == c)).sum(1)
        denominator = (predicted == c).sum(1) + (target == c).sum()
        scores.append(np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0))
    return np.mean(scores, axis=0)


def test_stratified_and_uniform_macro_f1_match_a_seeded_monte_carlo():
    """The exact expected macro F1 of random predictors against the mean macro F1 of 40,000
    seeded random prediction vectors (counted directly; sklearn checks the counting)."""
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(7)
    target = rng.choice(4, size=60, p=[0.5, 0.3, 0.15, 0.05])
    chance = metrics.single_label_chance(target, correct=30, classes=5)  # class 4 never occurs
    shares = np.bincount(target, minlength=5) / len(target)
    for name, draw_shares in (("stratified_macro_f1", shares),
                              ("uniform_macro_f1", np.full(5, 0.2))):
        draws = rng.choice(5, size=(40000, len(target)), p=draw_shares)
        scores = _macro_f1_rows(target, draws, 5)
        assert scores[:20] == pytest.approx([f1_score(target, row, labels=range(5),
                                                      average="macro", zero_division=0)
                                             for row in draws[:20]])
        error = scores.std() / np.sqrt(len(scores))
        assert chance[name] == pytest.approx(scores.mean(), abs=4 * error)
    assert chance["stratified_accuracy"] == pytest.approx((shares ** 2).sum())
    # a random predictor is a much higher bar than the best constant on balanced-ish classes
    assert chance["stratified_macro_f1"] > chance["best_constant_macro_f1"] + 0.05


def test_expected_macro_f1_of_two_samples_by_hand():
    # targets 0, 1; predictions drawn 50/50: (0,1) F1s 1,1; (1,0) 0,0; (0,0) 2/3,0; (1,1) 0,2/3
    # -> macro per outcome 1, 0, 1/3, 1/3 -> expected 5/12
    assert metrics.expected_macro_f1(np.array([0, 1]), np.array([0.5, 0.5])) == \
        pytest.approx(5 / 12)


def test_average_precision_and_its_bootstrap_agree_with_sklearn():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(3)
    scores = rng.random(80).round(1)                 # many ties
    truth = (rng.random(80) < 0.3).astype(float)
    assert metrics.average_precision(scores, truth) == pytest.approx(
        average_precision_score(truth, scores))
    rows = rng.integers(0, 80, 80)                   # one resample as weights = sklearn on it
    weights = np.bincount(rows, minlength=80)[None]
    assert metrics.average_precision(scores, truth, weights)[0] == pytest.approx(
        average_precision_score(truth[rows], scores[rows]))
    probs = rng.random((200, 3))
    target = (rng.random((200, 3)) < [0.5, 0.2, 0.1]).astype(int)
    probs[:, 0] += target[:, 0]                      # label 0 ranked well, the others at random
    result = metrics.multi_label(probs, target, ["a", "b", "c"])
    assert result["mean_ap_ci95_low"] < result["mean_ap"] < result["mean_ap_ci95_high"]
    assert result["mean_ap_ci95_high"] - result["mean_ap_ci95_low"] < 0.2
    assert result["accuracy_thresh_0.2"] == metrics.accuracy_thresh(probs, target, 0.2)
    chance = metrics.multi_label_chance(target)
    assert chance["mean_ap"] == pytest.approx(target.mean(0).mean())


def test_random_macro_f1_draws_and_their_p_value():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(11)
    target = rng.choice(3, size=50, p=[0.6, 0.3, 0.1])
    shares = np.bincount(target, minlength=3) / 50
    draws = metrics.random_macro_f1s(target, shares, draws=3000, seed=2)
    # the same seeded predictions scored by sklearn (the first chunk's first rows)
    again = np.random.default_rng(2).choice(3, size=(256, 50), p=shares)
    assert draws[:10] == pytest.approx([f1_score(target, row, labels=range(3), average="macro",
                                                 zero_division=0) for row in again[:10]])
    exact = metrics.expected_macro_f1(target, shares)
    assert draws.mean() == pytest.approx(exact, abs=4 * draws.std() / np.sqrt(len(draws)))
    perfect = metrics.single_label_chance(target, correct=50, classes=3, macro_f1=1.0)
    assert perfect["p_macro_f1_vs_stratified"] == pytest.approx(1 / 2001)
    middling = metrics.single_label_chance(target, correct=20, classes=3, macro_f1=exact)
    assert 0.2 < middling["p_macro_f1_vs_stratified"] < 0.8


def test_mean_ap_permutation_p_value():
    """A ranking that knows the labels gets the floor p (1 / 1,000); one that ignores them does
    not."""
    rng = np.random.default_rng(5)
    target = (rng.random((120, 3)) < [0.4, 0.2, 0.1]).astype(int)
    informed = target + 0.5 * rng.random((120, 3))
    assert metrics.permutation_p_mean_ap(informed, target) == pytest.approx(1 / 1000)
    blind = rng.random((120, 3))
    assert metrics.permutation_p_mean_ap(blind, target) > 0.05
    chance = metrics.multi_label_chance(target, informed)
    assert chance["p_mean_ap_vs_random_ranking"] == pytest.approx(1 / 1000)
