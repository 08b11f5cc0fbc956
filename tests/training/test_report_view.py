"""The report's words and numbers: the headline verdict, one spelling per kind of number, no empty
validation panel, the most confident mistakes first, the runs index that release cards link to."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from training import diagnostics, figures, runs_index, verdict


def spread(mean, n=1):
    return {"mean": mean, "std": 0.0, "n": n}


@pytest.mark.parametrize("ours, chance, seed, words, kind", [
    (0.2921, {"stratified_macro_f1": 0.0349, "binomial_p_vs_majority": 3.3e-9},
     {"macro_f1 (pages)": 0.84},
     "test macro_f1 0.2921: beats chance (0.0349), p = 3.3e-09; below the seed's 0.8400 (pages)",
     "good"),
    (0.40, {"majority_accuracy": 0.35, "binomial_p_vs_majority": 0.2}, {},
     "test accuracy 0.4000: above chance (0.3500) but not significantly, p = 2.0e-01; "
     "the seed reports no accuracy", "bad"),
    (0.30, {"majority_accuracy": 0.35}, {"accuracy (n-way)": 25.0},
     "test accuracy 0.3000: does not beat chance (0.3500); at or above the seed's 0.2500 (n-way)",
     "bad"),
])
def test_headline_in_words(ours, chance, seed, words, kind):
    metric = "macro_f1" if "stratified_macro_f1" in chance else "accuracy"
    assert verdict.headline(metric, spread(ours), chance, seed) == (words, kind)


def test_numbers_one_spelling_per_kind():
    assert verdict.number(321.0, "test_samples") == "321"
    assert verdict.number(1.0, "excluded_tags_rating") == "1"
    assert verdict.number(1.0, "accuracy") == "1.0000"
    assert verdict.number(0.001, "p_hash_neighbours_permutation") == "1.0e-03"
    assert verdict.number(2.9e-274, "binomial_p_vs_majority") == "2.9e-274"
    # the seed's printed 57.4 (%) on our 0..1 scale beside our 0.5
    assert verdict.seed_numbers({"map_character (VGG+NIN)": 57.4}, "map_character", 0.5) == [
        (pytest.approx(0.574), "VGG+NIN")]


def _epochs(path, with_val: bool):
    lines = [{"repeat": 0, "epoch": e, "loss": 2.0 - e / 4,
              **({"val": {"accuracy": 0.3 + e / 10}} if with_val else {})} for e in range(4)]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_curves_draw_no_empty_validation_panel(tmp_path):
    _epochs(tmp_path / "metrics.jsonl", with_val=False)
    alone = Image.open(tmp_path / figures.curves(tmp_path)).width
    _epochs(tmp_path / "metrics.jsonl", with_val=True)
    both = Image.open(tmp_path / figures.curves(tmp_path)).width
    assert both > 1.8 * alone  # the second panel exists only with validation records


def test_most_confident_mistakes_first():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    found = diagnostics.Predictions(probs, np.array([0, 0, 1, 1]), ["猫", "剣"], list("abcd"))
    assert [(row, round(p, 2)) for row, _, p in diagnostics._mistakes(found)] == [(1, 0.8),
                                                                                (2, 0.6)]


def test_runs_index_groups_runs_by_release(tmp_path):
    for experiment, run, dataset in (("artist-pages", "r1", "manga109-artist-pages"),
                                     ("illust2vec", "r2", "pixiv-tags")):
        run_dir = tmp_path / experiment / run
        run_dir.mkdir(parents=True)
        (run_dir / "report.html").write_text("<p>report</p>")
        (run_dir / "metrics.json").write_text(json.dumps({
            "experiment": experiment, "primary_metric": "accuracy",
            "release": {"dataset": dataset, "version": "1"},
            "summary": {"accuracy": spread(0.5)},
            "chance": {"majority_accuracy": 0.2, "binomial_p_vs_majority": 1e-5},
            "seed_figures": {}}))
    page = runs_index.write_index(tmp_path).read_text()
    assert "id='pixiv-tags-1'" in page and "href='illust2vec/r2/report.html'" in page
    assert "beats chance (0.2000), p = 1.0e-05" in page
    assert (tmp_path / "inkset.css").is_file()
