"""Metric functions of the seed experiments (sklearn underneath) and their chance levels."""
from __future__ import annotations

import numpy as np
from scipy.stats import binomtest
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


def single_label_chance(target: np.ndarray, correct: int, classes: int) -> dict:
    """The best constant predictor and a one-sided binomial test of our accuracy against it."""
    counts = np.bincount(target, minlength=classes)
    n = int(counts.sum())
    majority = counts.max() / n
    shares = counts / n
    # a constant prediction of class c: F1_c = 2 p_c / (1 + p_c), every other class 0
    best_constant_macro_f1 = float((2 * shares / (1 + shares)).max() / classes)
    test = binomtest(int(correct), n, p=float(majority), alternative="greater")
    return {"majority_accuracy": float(majority), "uniform_accuracy": 1.0 / classes,
            "best_constant_macro_f1": best_constant_macro_f1,
            "binomial_p_vs_majority": float(test.pvalue)}


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
    """accuracy_thresh and F2 as the seed defined them, plus per-label precision/recall/AP."""
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
    return {"accuracy_thresh": accuracy_thresh(probs, target), "f2": f2_samples(probs, target),
            "mean_ap": float(np.mean(aps)) if aps else 0.0, "per_label": per_label,
            "test_samples": int(len(target))}


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


def multi_label_chance(target: np.ndarray) -> dict:
    """accuracy_thresh of the best constant (each label's majority) and the best constant F2."""
    prevalence = target.mean(0)
    f2, labels = best_constant_f2(target)
    return {"best_constant_accuracy_thresh": float(np.maximum(prevalence, 1 - prevalence).mean()),
            "best_constant_f2": f2, "best_constant_f2_labels": labels,
            "label_prevalence": prevalence.tolist()}
