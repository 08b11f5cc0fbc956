"""The three classifier experiments learn on replica releases: beyond chance with confidence."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.config import demo_trainings


@pytest.fixture(autouse=True)
def work_dir(tmp_path, monkeypatch):
    """Runs go under a temporary work dir, never the checkout's runs/."""
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))


def train(experiment: str, release: Path, *settings: str) -> tuple[Path, dict]:
    """The demo's short training of `experiment` (its config's [demo] table), plus `settings`."""
    from flows.train import train_flow

    demo = demo_trainings()[experiment].settings
    run_dir = Path(train_flow(experiment, str(release), settings=[*demo, *settings]))
    assert (run_dir / "report.html").is_file() and (run_dir / "config.json").is_file()
    return run_dir, json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.slow
def test_artist_pages_beats_chance_over_repeated_grouped_splits(prefect_harness, scaled):
    release = scaled("manga109-artist-pages")
    run_dir, result = train("artist-pages", release, "eval.actmax_steps=10",
                            "eval.actmax_units=4")
    assert len(result["repeats"]) == 2
    for repeat, chance in zip(result["repeats"], result["chance"]):
        assert repeat["test_samples"] >= 300
        assert chance["binomial_p_vs_majority"] < 0.01, (repeat["accuracy"], chance)
        # stated margin: macro F1 at least 0.1 above a random predictor's at the class shares
        assert repeat["macro_f1"] > chance["stratified_macro_f1"] + 0.1
        assert len(repeat["per_class_f1"]) == 8
    assert result["summary"]["macro_f1"]["n"] == 2
    per_class = result["summary"]["per_class"]["per_class_f1"]
    assert len(per_class) == 8 and all(v["n"] == 2 for v in per_class.values())
    first = next(iter(per_class))
    values = [r["per_class_f1"][first] for r in result["repeats"]]
    assert per_class[first]["mean"] == pytest.approx(sum(values) / 2)
    assert result["release"]["dataset"] == "manga109-artist-pages"
    for figure in ("confusion_matrix.png", "actmax_classes.png", "actmax_units.png",
                   "curves.png"):
        assert (run_dir / figure).stat().st_size > 1000
    page = (run_dir / "report.html").read_text()
    assert result["release"]["sha256_of_SHA256SUMS"] in page and "0.84" in page


@pytest.mark.slow
def test_pixiv_artist_beats_chance_with_the_pairwise_table(prefect_harness, scaled):
    release = scaled("pixiv-artists")
    run_dir, result = train("pixiv-artist", release)
    repeat, chance = result["repeats"][0], result["chance"]
    assert repeat["test_samples"] >= 290
    assert chance["binomial_p_vs_majority"] < 0.01
    assert repeat["macro_f1"] > chance["stratified_macro_f1"] + 0.2
    table = repeat["pairwise_accuracy_multiclass"]
    assert len(table) == 9 and table[0][0] is None and 0.5 < table[0][1] <= 1.0
    assert (run_dir / "pairwise_multiclass.png").stat().st_size > 1000


@pytest.mark.slow
def test_gcd_team_multilabel_beats_the_best_constant(prefect_harness, scaled):
    release = scaled("gcd-team-justice-league")
    run_dir, result = train("gcd-team", release, "data.use_sampling_weights=true")
    repeat, chance = result["repeats"][0], result["chance"]
    assert repeat["test_samples"] >= 300
    # stated margins over the best constant predictors (each label's majority; the best
    # single label set for every cover)
    assert repeat["f2"] > chance["best_constant_f2"] + 0.05
    assert repeat["accuracy_thresh"] > chance["best_constant_accuracy_thresh"] + 0.15
    # the gate: mean AP's bootstrap 95% interval wholly above the mean label prevalence (the
    # expected AP of a random ranking)
    assert repeat["mean_ap_ci95_low"] > chance["mean_ap"] + 0.05
    assert "accuracy_thresh_0.2" in repeat
    assert set(repeat["per_label"]) == set(json.loads(
        (release / "labels.json").read_text())["members"]["names"])
    assert (run_dir / "gradcam.png").stat().st_size > 1000
