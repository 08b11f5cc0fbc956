"""Illustration2Vec's metric: mAP per tag category, tags without a test positive excluded."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score


def category_map(scores: np.ndarray, targets: np.ndarray, names: list[str]) -> dict:
    """Unweighted mean over the category's tags of the non-interpolated AP (sklearn, per column).

    A tag with no positive in the test set has no defined AP: it is left out and counted."""
    scores, targets = np.asarray(scores, dtype=np.float64), np.asarray(targets) > 0
    per_tag, excluded = {}, []
    for column, name in enumerate(names):
        if not targets[:, column].any():
            excluded.append(name)
            continue
        per_tag[name] = float(average_precision_score(targets[:, column], scores[:, column]))
    return {"map": float(np.mean(list(per_tag.values()))) if per_tag else float("nan"),
            "tags": len(names), "scored": len(per_tag), "excluded": len(excluded),
            "excluded_tags": excluded, "per_tag": per_tag}


def frequency_scores(train_frequency: np.ndarray, rows: int) -> np.ndarray:
    """The constant scorer: every image gets each tag's training frequency (all ties per column,
    so its AP per tag equals the tag's test prevalence)."""
    return np.tile(np.asarray(train_frequency, dtype=np.float64), (rows, 1))


def one_hot(classes: np.ndarray, count: int) -> np.ndarray:
    out = np.zeros((len(classes), count), dtype=np.int64)
    out[np.arange(len(classes)), np.asarray(classes, dtype=np.int64)] = 1
    return out
