"""The report's headline in words (the test metric against chance and against the seed) and the
one way every number is written: integers as integers, p-values in scientific notation, the seed's
percentages on our 0..1 scale."""
from __future__ import annotations

import re
from typing import Any

SIGNIFICANCE = 0.05
# the chance figure each metric is judged against (a named best-constant / majority baseline)
# macro F1's chance is a random predictor at the class shares (metrics.single_label_chance), not
# the best constant, which one class alone scores; mean AP's is the mean label prevalence
CHANCE_NAMES = {"accuracy": "majority_accuracy", "macro_f1": "stratified_macro_f1",
                "accuracy_thresh": "best_constant_accuracy_thresh",
                "accuracy_thresh_0.2": "best_constant_accuracy_thresh", "f2": "best_constant_f2"}


def is_p_value(name: str) -> bool:
    """A significance figure (a p-value) rather than a metric."""
    return re.search(r"(^|_)p($|_)", name) is not None


COUNT = re.compile(r"^(excluded_|n_|num_)|(samples|queries|clusters|characters|positives)$")


def is_count(name: str) -> bool:
    """A figure that counts things (test_samples, excluded_tags_general): written as an integer."""
    return COUNT.search(name) is not None


def number(value: Any, name: str = "") -> str:
    """One spelling per kind of number: 12 (not 12.0000), 3.3e-09 for a p-value, 0.2921."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if is_p_value(name):
        return f"{value:.1e}"
    if isinstance(value, int) or (float(value).is_integer() and (abs(value) >= 2
                                                                   or is_count(name))):
        return str(int(value))  # counts (321 test samples), never 321.0000; 1.0 stays a metric
    return f"{value:.4f}"


def seed_numbers(seed_figures: dict, metric: str, ours: float | None) -> list[tuple[float, str]]:
    """The seed's numeric figures for `metric` on our scale, with their setting: a paper's
    percentage (57.4) beside our fraction (0.574) is divided by 100."""
    found = []
    for name, value in seed_figures.items():
        base, _, setting = name.partition(" (")
        if base != metric:
            continue
        if isinstance(value, dict):  # a figure recorded with its provenance: {"value": ...}
            value = value.get("value", value.get("mean"))
        if isinstance(value, str):  # "0.48-0.50": the range's middle
            parts = [float(p) for p in re.findall(r"\d+(?:\.\d+)?", value)]
            if not parts:
                continue
            value = sum(parts) / len(parts)
        if not isinstance(value, (int, float)):
            continue
        if value > 1 and (ours is None or ours <= 1):
            value = value / 100
        found.append((float(value), setting.rstrip(")")))
    return found


def _mean(value) -> float | None:
    if isinstance(value, dict):
        value = value.get("mean")
    return float(value) if isinstance(value, (int, float)) else None


def first_p_value(chance: dict) -> tuple[str, float] | None:
    for name, value in chance.items():
        if is_p_value(name) and isinstance(value, (int, float)):
            return name, float(value)
    return None


def headline(metric: str, ours, chance: dict, seed_figures: dict,
             label: str = "") -> tuple[str, str]:
    """(sentence, css class) for one model's primary metric: "test macro_f1 0.2921: beats chance
    (0.0349), p = 3.3e-09; below the seed's 0.84 (pages)"; class good / bad / "" (undecided)."""
    mean = _mean(ours)
    if mean is None:
        return f"test {metric}: not recorded", "bad"
    parts = [f"{label + ' ' if label else ''}test {metric} {number(mean)}"]
    base = chance.get(CHANCE_NAMES.get(metric, metric))
    test = first_p_value(chance)
    kind = ""
    if isinstance(base, (int, float)):
        if mean <= base:
            parts.append(f"does not beat chance ({number(base)})")
            kind = "bad"
        elif test and test[1] >= SIGNIFICANCE:
            parts.append(f"above chance ({number(base)}) but not significantly, "
                         f"p = {number(test[1], test[0])}")
            kind = "bad"
        elif test:
            parts.append(f"beats chance ({number(base)}), p = {number(test[1], test[0])}")
            kind = "good"
        else:
            parts.append(f"above chance ({number(base)}; no significance test recorded)")
            kind = "good"
    else:
        parts.append("no chance level recorded for it")
    seeds = seed_numbers(seed_figures, metric, mean)
    if seeds:
        value, setting = seeds[0]
        where = "below" if mean < value else "at or above"
        parts.append(f"{where} the seed's {number(value)}{f' ({setting})' if setting else ''}")
    else:
        parts.append(f"the seed reports no {metric}")
    return "; ".join([parts[0] + ": " + parts[1], *parts[2:]]), kind
