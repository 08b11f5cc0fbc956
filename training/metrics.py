"""Metric functions of the seed experiments (sklearn underneath) and their chance levels."""
from __future__ import annotations

import numpy as np
from scipy.stats import binom, binomtest
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                             fbeta_score, precision_score, recall_score)


def single_label(logits: np.ndarray, target: np.ndarray, names: list[str]) -> dict:
    """Accuracy, macro F1, per-class F1 / accuracy (= recall) and the confusion matrix."""
    predicted = logits.argmax(1)
    labels = list(range(len(names)))
    per_class_f1 = f1_score(target, predicted, labels=labels, average=None, zero_division=0)
    per_class_recall = recall_score(target, predicted, labels=labels, average=None,
                                    zero_division=0)
    return {
        "accuracy": float(accuracy_score(target, predicted)),
        "macro_f1": float(f1_score(target, predicted, labels=labels, average="macro",
                                   zero_division=0)),
        "per_class_f1": dict(zip(names, map(float, per_class_f1))),
        "per_class_accuracy": dict(zip(names, map(float, per_class_recall))),
        "confusion_matrix": confusion_matrix(target, predicted, labels=labels).tolist(),
        "test_samples": int(len(target)),
    }


def expected_macro_f1(target: np.ndarray, prediction_shares: np.ndarray) -> float:
    """The expected macro F1 (sklearn's, zero_division=0) of a random predictor that labels
    every sample c with probability prediction_shares[c], independently of its true class.

    Exact: for class c with n_c of the N samples, the true positives TP ~ Binomial(n_c, q_c) and
    the false positives FP ~ Binomial(N - n_c, q_c) are independent, F1_c = 2 TP / (TP + FP + n_c),
    and the macro mean is linear. The sums run over the binomials' support, cut where the
    probability left out is below 1e-12."""
    classes = len(prediction_shares)
    counts = np.bincount(target, minlength=classes)
    n = int(counts.sum())
    scores = []
    for n_c, q_c in zip(counts, prediction_shares):
        if n_c == 0 or q_c <= 0:  # no true positive is possible: F1_c = 0 for every draw
            scores.append(0.0)
            continue
        tp, p_tp = _support(int(n_c), float(q_c))
        fp, p_fp = _support(n - int(n_c), float(q_c))
        f1 = 2 * tp[:, None] / (tp[:, None] + fp[None, :] + n_c)
        scores.append(float(p_tp @ f1 @ p_fp))
    return float(np.mean(scores))


def _support(trials: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """The values of Binomial(trials, p) that carry all but 1e-12 of its mass, and their pmf."""
    low, high = binom.ppf([1e-13, 1 - 1e-13], trials, p) if trials else (0, 0)
    values = np.arange(int(low), int(high) + 1, dtype=np.float64)
    return values, binom.pmf(values, trials, p)


def random_macro_f1s(target: np.ndarray, shares: np.ndarray, draws: int = 2000,
                     seed: int = 0) -> np.ndarray:
    """Macro F1 (zero_division=0) of `draws` seeded random predictors labelling each sample c
    with probability shares[c]: each draw's confusion counts by one bincount."""
    rng = np.random.default_rng(seed)
    classes, n = len(shares), len(target)
    true_counts = np.bincount(target, minlength=classes)
    scores = []
    for start in range(0, draws, 256):
        chunk = min(256, draws - start)
        predicted = rng.choice(classes, size=(chunk, n), p=shares)
        cells = (np.arange(chunk)[:, None] * classes + predicted) * classes + target[None, :]
        counts = np.bincount(cells.ravel(), minlength=chunk * classes * classes)
        counts = counts.reshape(chunk, classes, classes)      # draw x predicted x true
        tp = np.diagonal(counts, axis1=1, axis2=2)
        denominator = counts.sum(2) + true_counts[None, :]     # predicted + true per class
        f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)
        scores.append(f1.mean(1))
    return np.concatenate(scores)


def single_label_chance(target: np.ndarray, correct: int, classes: int,
                        macro_f1: float | None = None) -> dict:
    """Chance levels of accuracy and macro F1 on these test samples, and a one-sided binomial
    test of our accuracy against the majority class.

    `stratified_macro_f1` (the level tests and the report hold a model to) is the expected macro
    F1 of a predictor drawing labels at the test set's class shares, as sklearn's
    DummyClassifier(strategy="stratified") does; `uniform_macro_f1` draws every class alike. The
    best constant predictor's macro F1 is shown too: it is lower (one class scores, the rest 0),
    so beating it says little. With our `macro_f1`, `p_macro_f1_vs_stratified` is the share of
    2,000 seeded stratified random predictors scoring at least as much (plus one, over 2,001)."""
    counts = np.bincount(target, minlength=classes)
    n = int(counts.sum())
    majority = counts.max() / n
    shares = counts / n
    # a constant prediction of class c: F1_c = 2 p_c / (1 + p_c), every other class 0
    best_constant_macro_f1 = float((2 * shares / (1 + shares)).max() / classes)
    test = binomtest(int(correct), n, p=float(majority), alternative="greater")
    chance = {"majority_accuracy": float(majority), "uniform_accuracy": 1.0 / classes,
              "stratified_accuracy": float((shares ** 2).sum()),
              "stratified_macro_f1": expected_macro_f1(target, shares),
              "uniform_macro_f1": expected_macro_f1(target, np.full(classes, 1.0 / classes)),
              "best_constant_macro_f1": best_constant_macro_f1,
              "binomial_p_vs_majority": float(test.pvalue)}
    if macro_f1 is not None:
        draws = random_macro_f1s(target, shares)
        chance["p_macro_f1_vs_stratified"] = float((1 + (draws >= macro_f1).sum())
                                                   / (1 + len(draws)))
    return chance


def pairwise_from_multiclass(logits: np.ndarray, target: np.ndarray, classes: int) -> np.ndarray:
    """Accuracy of telling classes i and j apart, restricted to the pair: samples of i or j,
    predicted as whichever of the two logits is larger. NaN on the diagonal or without samples."""
    table = np.full((classes, classes), np.nan)
    for i in range(classes):
        for j in range(classes):
            if i == j:
                continue
            rows = np.isin(target, (i, j))
            if rows.any():
                picked = np.where(logits[rows, i] >= logits[rows, j], i, j)
                table[i, j] = float((picked == target[rows]).mean())
    return table


def accuracy_thresh(probs: np.ndarray, target: np.ndarray, thresh: float = 0.5) -> float:
    """fastai's accuracy_thresh: the mean over every (sample, label) cell of (p > t) == y."""
    return float(((probs > thresh) == target.astype(bool)).mean())


def f2_samples(probs: np.ndarray, target: np.ndarray, thresh: float = 0.2) -> float:
    """The seed notebook's F2: sklearn fbeta_score(beta=2, average="samples") at p > 0.2."""
    return float(fbeta_score(target, probs > thresh, beta=2, average="samples", zero_division=0))


def multi_label(probs: np.ndarray, target: np.ndarray, names: list[str]) -> dict:
    """accuracy_thresh and F2 as the seed defined them (accuracy_thresh also at the F2's 0.2),
    per-label precision/recall/AP, and mean AP with a bootstrap 95% interval."""
    predicted = probs > 0.5
    per_label = {}
    for index, name in enumerate(names):
        column = target[:, index]
        per_label[name] = {
            "positives": int(column.sum()),
            "precision": float(precision_score(column, predicted[:, index], zero_division=0)),
            "recall": float(recall_score(column, predicted[:, index], zero_division=0)),
            "ap": float(average_precision_score(column, probs[:, index])) if column.any()
            else None,
        }
    aps = [v["ap"] for v in per_label.values() if v["ap"] is not None]
    low, high = bootstrap_mean_ap_ci(probs, target)
    return {"accuracy_thresh": accuracy_thresh(probs, target),
            "accuracy_thresh_0.2": accuracy_thresh(probs, target, 0.2),
            "f2": f2_samples(probs, target),
            "mean_ap": float(np.mean(aps)) if aps else 0.0,
            "mean_ap_ci95_low": low, "mean_ap_ci95_high": high,
            "per_label": per_label, "test_samples": int(len(target))}


def average_precision(scores: np.ndarray, truth: np.ndarray,
                      weights: np.ndarray | None = None) -> np.ndarray | float:
    """sklearn's average_precision_score of one label (tied scores form one threshold): the sum
    over thresholds of (recall step) x precision; NaN without positives.

    `weights` (resamples x samples, how often each sample is drawn) gives one AP per row at
    once: a sample drawn k times is k tied copies, so this equals sklearn on the resample."""
    one = weights is None
    weights = np.ones((1, len(scores))) if one else np.asarray(weights, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores[order])), len(scores) - 1]
    drawn = weights[:, order]
    tp = np.cumsum(drawn * truth[order], axis=1)[:, last_of_tie]
    predicted = np.cumsum(drawn, axis=1)[:, last_of_tie]
    positives = tp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1e-300), 0.0)
        recall_step = np.diff(np.c_[np.zeros(len(tp)), tp], axis=1) / positives
        ap = (recall_step * precision).sum(1)
    ap = np.where(positives[:, 0] > 0, ap, np.nan)
    return float(ap[0]) if one else ap


def bootstrap_mean_ap_ci(probs: np.ndarray, target: np.ndarray, resamples: int = 1000,
                         seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap 95% interval of the mean AP over labels: test samples drawn with
    replacement (seeded); in each resample the mean runs over the labels that have a positive."""
    n = len(target)
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=resamples)
    aps = np.stack([average_precision(probs[:, j], target[:, j].astype(np.float64), counts)
                    for j in range(target.shape[1])], axis=1)          # resamples x labels
    labelled = (~np.isnan(aps)).sum(1)
    means = np.nansum(aps, axis=1) / np.maximum(labelled, 1)   # 0 when no label has a positive
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def best_constant_f2(target: np.ndarray, beta: float = 2.0) -> tuple[float, list[int]]:
    """The best sample-averaged F-beta of one label set predicted for every sample (exhaustive
    up to 16 labels, else over prevalence-ordered prefixes)."""
    target = target.astype(np.float64)
    labels = target.shape[1]
    if labels <= 16:
        subsets = ((np.arange(2**labels)[:, None] >> np.arange(labels)) & 1).astype(np.float64)
    else:
        order = np.argsort(-target.sum(0))
        subsets = np.zeros((labels + 1, labels))
        for k in range(1, labels + 1):
            subsets[k, order[:k]] = 1
    b2 = beta * beta
    best, best_set = 0.0, []
    for start in range(0, len(subsets), 4096):
        chunk = subsets[start:start + 4096]
        tp = target @ chunk.T                                    # samples x subsets
        predicted, actual = chunk.sum(1)[None, :], target.sum(1)[:, None]
        denominator = (1 + b2) * tp + b2 * (actual - tp) + (predicted - tp)
        # sklearn with zero_division=0: a sample with nothing true and nothing predicted scores 0
        score = np.where(denominator > 0, (1 + b2) * tp / np.maximum(denominator, 1e-12), 0.0)
        mean = score.mean(0)
        if mean.max() > best:
            best = float(mean.max())
            best_set = np.flatnonzero(chunk[mean.argmax()]).tolist()
    return best, best_set


def multi_label_chance(target: np.ndarray, probs: np.ndarray | None = None) -> dict:
    """accuracy_thresh of the best constant (each label's majority) and the best constant F2;
    `mean_ap` = the mean label prevalence over labels with a positive: the expected AP of a scorer
    that ranks at random is the label's prevalence, so a model's mean AP is judged against it.
    With our `probs`, `p_mean_ap_vs_random_ranking`: a permutation test (each label's truth
    shuffled over the covers, 999 seeded draws)."""
    prevalence = target.mean(0)
    f2, labels = best_constant_f2(target)
    present = prevalence[prevalence > 0]
    chance = {"best_constant_accuracy_thresh": float(np.maximum(prevalence, 1 - prevalence).mean()),
              "best_constant_f2": f2, "best_constant_f2_labels": labels,
              "mean_ap": float(present.mean()) if len(present) else 0.0,
              "label_prevalence": prevalence.tolist()}
    if probs is not None and len(present):
        chance["p_mean_ap_vs_random_ranking"] = permutation_p_mean_ap(probs, target)
    return chance


def permutation_p_mean_ap(probs: np.ndarray, target: np.ndarray, draws: int = 999,
                          seed: int = 0) -> float:
    """(1 + draws whose mean AP >= ours) / (1 + draws), each draw shuffling every label's truth
    over the samples (a random ranking of the same positives); labels without one are left out."""
    rng = np.random.default_rng(seed)
    labelled = [j for j in range(target.shape[1]) if target[:, j].any()]
    ours = np.mean([average_precision(probs[:, j], target[:, j].astype(np.float64))
                    for j in labelled])
    shuffled = np.zeros((draws, len(labelled)))
    for column, j in enumerate(labelled):
        scores = probs[:, j]
        order = np.argsort(-scores, kind="stable")
        last_of_tie = np.r_[np.flatnonzero(np.diff(scores[order])), len(scores) - 1]
        truth = rng.permuted(np.tile(target[:, j].astype(np.float64), (draws, 1)), axis=1)
        tp = np.cumsum(truth[:, order], axis=1)[:, last_of_tie]
        precision = tp / (last_of_tie + 1)
        recall_step = np.diff(np.c_[np.zeros(draws), tp], axis=1) / tp[:, -1:]
        shuffled[:, column] = (recall_step * precision).sum(1)
    return float((1 + (shuffled.mean(1) >= ours).sum()) / (1 + draws))
