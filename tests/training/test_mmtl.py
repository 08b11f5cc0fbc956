"""manga-mmtl on a manga109-faces replica big enough to judge (64x64 faces): retrieval far above
chance, text helping (M5 >= M1), clustering above a random labelling, report and `similar`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import binomtest


pytestmark = pytest.mark.slow

QUICK = ["data.image_size=64", "model.depth=10", "model.image_width=8", "data.workers=0",
         "optim.epochs=3", 'model.variants=["M5","M1"]', "run.repeats=2",
         "eval.cluster_seeds=[0,1]"]


def train_run(experiment: str, release, run_dir, settings: list[str]) -> dict:
    """load config -> fit -> evaluate -> report, in this process (no Prefect server)."""
    from training.config import load_config, save_config
    from training.evaluate import evaluate_run
    from training.report import write_report
    from training.runner import fit

    cfg = load_config(experiment, overrides=settings)
    cfg["data"]["release"] = str(release)
    run_dir.mkdir(parents=True)
    save_config(cfg, run_dir)
    fit(cfg, run_dir)
    result = evaluate_run(run_dir)
    write_report(run_dir)
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from flows.replicas import scaled_release

    home = tmp_path_factory.mktemp("mmtl-home")
    release = scaled_release("manga109-faces", scale=3, home=home, size=[64, 64], workers=1)
    run_dir = home / "runs" / "manga-mmtl" / "test"
    return run_dir, train_run("manga-mmtl", release, run_dir, QUICK)


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
    _, result = trained
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
