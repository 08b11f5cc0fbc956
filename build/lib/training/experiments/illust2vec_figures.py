"""Illustration2Vec's report figures and its saved hash index (the one `inkset similar` reads)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from training.embeddings import hashing, morph, figures

INDEX_FILE = "hash_index.npz"


def save_index(run_dir: Path, features: np.ndarray, keys: list[str]) -> hashing.HammingIndex:
    index = hashing.HammingIndex(hashing.pack(features))
    index.save(run_dir / INDEX_FILE, keys)
    return index


def draw(experiment, run_dir: Path, outputs: dict, keys: list[str]) -> dict[str, str]:
    settings, seed = experiment.cfg["eval"], experiment.cfg["run"]["seed"]
    shown = {}
    scored = experiment._scored(outputs)
    for category, (scores, targets, names) in scored.items():
        frequent = np.argsort(-targets.sum(0), kind="stable")[:settings["pr_tags"]]
        frequent = [int(c) for c in frequent if targets[:, c].any()]
        if frequent:
            name = figures.pr_curves(run_dir / f"pr_{category}.png", scores, targets, names,
                                      frequent)
            shown[f"Precision-recall, most frequent {category} tags (test)"] = name
    if "features" not in outputs:
        return shown
    index = save_index(run_dir, outputs["features"], keys)
    k = min(settings["neighbours"], len(keys) - 1)
    distances, ids = index.neighbours(k)
    rng = np.random.default_rng(seed)
    queries = rng.choice(len(keys), size=min(settings["grid_queries"], len(keys)), replace=False)
    graph = morph.neighbour_graph(*index.neighbours(min(5, len(keys) - 1)))
    pairs = morph.far_pairs(graph, settings["morphs"], seed)
    paths = [p for p in (morph.morph_path(graph, s, t) for s, t in pairs) if p]
    sample = rng.choice(len(keys), size=min(settings["tsne_images"], len(keys)), replace=False)
    wanted = {keys[i] for i in queries} | {keys[j] for i in queries for j in ids[i]}
    wanted |= {keys[i] for p in paths for i in p} | {keys[i] for i in sample}
    images = figures.load_images(experiment.release, experiment.test_splits, wanted)
    rows = [[keys[i]] + [keys[j] for j in ids[i]] for i in queries]
    captions = [["query"] + [f"d={d}" for d in distances[i]] for i in queries]
    shown["Hamming nearest neighbours of the hash (first column: query)"] = figures.image_rows(
        run_dir / "hash_neighbours.png", rows, images, captions)
    if paths:
        shown["Semantic morphing: shortest paths in the top-5 Hamming graph"] = figures.image_rows(
            run_dir / "morph_strips.png", [[keys[i] for i in p] for p in paths], images)
    chosen = sorted(sample.tolist())
    shown["t-SNE map of the features (test images)"] = figures.tsne_map(
        run_dir / "tsne_map.png", outputs["features"][chosen], [keys[i] for i in chosen], images,
        seed)
    return shown
