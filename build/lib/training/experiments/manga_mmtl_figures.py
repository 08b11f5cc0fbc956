"""Manga-MMTL's report figures: the M1-M5 retrieval and clustering tables, UMAP scatters per
evaluation title, example retrieval rows."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from training.embeddings import figures, retrieval

COLUMNS = ("rank1", "rank5", "map", "ari", "ami", "v_measure", "ari_clustered", "noise_fraction")


def model_tables(run_dir: Path, seed_figures: dict) -> str | None:
    """One row per repeat (= model variant) from metrics.json, the seed's row beneath."""
    path = run_dir / "metrics.json"
    if not path.exists():
        return None
    repeats = json.loads(path.read_text())["repeats"]
    rows = [[r.get("variant", "?")] + [f"{r[c]:.4f}" if c in r else "-" for c in COLUMNS]
            for r in repeats]
    seed = {"rank1": 0.8578, "rank5": 0.9465, "map": 0.4317, "ari": 0.5443, "ami": 0.6621,
            "v_measure": 0.6765}
    rows.append(["seed (best)"] + [f"{seed[c]:.4f}" if c in seed else "-" for c in COLUMNS])
    return figures.table_image(run_dir / "models_table.png", rows, ["model", *COLUMNS],
                                "Retrieval (all test titles) and clustering (evaluation titles)")


def draw(experiment, run_dir: Path, outputs: dict, keys: list[str]) -> dict[str, str]:
    shown = {}
    table = model_tables(run_dir, experiment.seed_figures)
    if table:
        shown["M1-M5: retrieval and clustering (one repeat per model)"] = table
    _, panels = experiment.cluster(outputs, keys) if experiment.cfg["eval"]["clustering"] else (
        None, [])
    if panels:
        shown[f"UMAP per evaluation title ({experiment.variant})"] = figures.umap_scatters(
            run_dir / "umap_titles.png", panels[:experiment.cfg["eval"]["scatter_titles"]])
    unit = retrieval.l2_normalise(outputs["features"])
    rng = np.random.default_rng(experiment.cfg["run"]["seed"])
    queries = rng.choice(len(keys), size=min(5, len(keys)), replace=False)
    rows, captions = [], []
    names = experiment.release.label_sets["character"]
    for q in queries:
        sims = unit @ unit[q]
        sims[q] = -np.inf
        top = np.argsort(-sims, kind="stable")[:5]
        rows.append([keys[q]] + [keys[j] for j in top])
        same = outputs["character"][top] == outputs["character"][q]
        captions.append([names[outputs["character"][q]].split(":")[-1][-4:]]
                        + ["same" if s else "other" for s in same])
    images = figures.load_images(experiment.release, experiment.test_splits,
                                  {k for r in rows for k in r})
    shown[f"Example retrievals ({experiment.variant}; first column: query)"] = figures.image_rows(
        run_dir / "retrieval_rows.png", rows, images, captions)
    return shown
