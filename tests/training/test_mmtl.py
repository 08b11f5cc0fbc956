"""manga-mmtl on a manga109-faces replica big enough to judge (64x64 faces): retrieval far above
chance, text helping (M5 >= M1), clustering above a random labelling, report and `similar`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import binomtest

from training.config import demo_trainings


pytestmark = pytest.mark.slow

# the demo's settings (training/configs/manga-mmtl.toml [demo]), with early stopping on the
# held-out titles
DEMO = demo_trainings()["manga-mmtl"]
DATASET = DEMO.dataset
QUICK = [*DEMO.settings, "data.workers=0", "run.early_stop_patience=2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, scaled, train_run):
    run_dir = tmp_path_factory.mktemp("mmtl-home") / "runs" / "manga-mmtl" / "test"
    return run_dir, train_run("manga-mmtl", scaled(DATASET), run_dir, QUICK)


def test_held_out_training_titles_validate_every_epoch(trained):
    """The release has no val split: whole training titles are held out (data.val_titles),
    kept out of training, the vocabulary and the album task, and early stopping reads them."""
    run_dir, result = trained
    from training.checkpoint import load
    from training.config import read_run_config
    from training.runner import build_experiment

    experiment = build_experiment(read_run_config(run_dir))
    train, held = experiment.train_keys(), experiment.val_keys()
    held_titles = set(experiment.titles(sorted(held)))
    assert len(held_titles) == 1 and len(held) >= 30
    assert not held_titles & set(experiment.titles(sorted(train)))
    assert len(train) + len(held) == result["release"]["samples"]["train"]
    state = load(run_dir / "checkpoints" / "repeat-00-last.pt")["experiment_state"]
    assert not held_titles & set(state["albums"]) and len(state["albums"]) >= 2
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 2 * 3 and all(0 < r["val"]["map"] <= 1 for r in records)
    best = max(r["val"]["map"] for r in records if r["repeat"] == 0)
    assert load(run_dir / "checkpoints" / "repeat-00-best.pt")["score"] == best
    assert all("ari" not in r["val"] for r in records)  # no clustering on validation


def test_summaries_per_model_with_chance_in_the_report(trained):
    run_dir, result = trained
    assert list(result["summary_by_variant"]) == ["M1", "M5"]
    for variant, repeat in zip(("M1", "M5"), result["repeats"]):
        assert result["summary_by_variant"][variant]["rank1"] == {
            "mean": repeat["rank1"], "std": 0.0, "n": 1}
    assert result["summary"]["rank1"]["mean"] == result["repeats"][0]["rank1"]  # M1's only
    page = (run_dir / "report.html").read_text()
    m1, m5 = (f"{r['rank1']:.4f} ± 0.0000 (n=1)" for r in result["repeats"])
    # one column per model, chance, the seed's 85.78% as a fraction
    assert (f"<tr><td>rank1</td><td>{m1}</td><td>{m5}</td>"
            f"<td>{result['chance'][0]['rank1']:.4f}</td>"
            "<td>0.8578 (best multimodal; 85.78% printed)</td></tr>") in page


def test_retrieval_far_above_chance(trained):
    _, result = trained
    by_variant = {r["variant"]: r for r in result["repeats"]}
    chance = result["chance"][0]
    m5 = by_variant["M5"]
    assert m5["queries"] >= 150
    # rank-1 hits as a binomial count against the random ranking's hit rate (one-sided)
    hits = round(m5["rank1"] * m5["queries"])
    assert binomtest(hits, m5["queries"], chance["rank1"], alternative="greater").pvalue < 0.01
    assert m5["rank1"] > 2 * chance["one_over_characters"]
    assert m5["map"] > chance["map"] + 0.2


def test_text_helps(trained):
    """Each character's lines share words in the replica, so adding the text to the image does
    not lose (tolerance: two test faces in a hundred); M2 alone (text) is in the measured note."""
    run_dir, result = trained
    from training.checkpoint import load

    # M5 (repeat 1) started from the M1 trained before it (repeat 0), as the seed
    started = load(run_dir / "checkpoints" / "repeat-01-last.pt")["experiment_state"]["started_from"]
    assert started["image"].startswith("M1 (repeat 0")
    by_variant = {r["variant"]: r for r in result["repeats"]}
    assert by_variant["M5"]["rank1"] >= by_variant["M1"]["rank1"] - 0.02
    assert by_variant["M5"]["map"] >= by_variant["M1"]["map"] - 0.02


def test_clustering_above_a_random_labelling(trained):
    _, result = trained
    m5 = next(r for r in result["repeats"] if r["variant"] == "M5")
    assert m5["clustered_titles"] >= 2
    assert m5["ari"] > m5["random_labelling_ari"] + 0.2
    assert 0 <= m5["noise_fraction"] <= 1 and m5["ami"] > 0.2


def test_report_tables_and_similar(trained):
    run_dir, _ = trained
    page = (run_dir / "report.html").read_text()
    for name in ("models_table.png", "umap_titles.png", "retrieval_rows.png"):
        assert (run_dir / name).stat().st_size > 1000 and name in page
    from training.similar import similar

    keys = np.load(run_dir / "predictions" / "repeat-00.npz")["__keys__"].tolist()
    found = similar(run_dir, keys[0], k=5)
    assert len(found) == 5 and keys[0] not in [k for k, _ in found]
    assert [d for _, d in found] == sorted(d for _, d in found)
    assert json.loads((run_dir / "metrics.json").read_text())["seed_figures"]["ari (M5)"] == 0.5443
