"""Nearest neighbours in a trained run: by the Hamming hash (illust2vec's saved index) or by
cosine similarity of the saved test features (manga-mmtl); the query is a key or an image file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from core.errors import UsageError

INDEX_FILE = "hash_index.npz"


def _saved_features(run_dir: Path) -> tuple[np.ndarray, list[str]]:
    from training.evaluate import predictions_path

    path = predictions_path(run_dir, 0)
    if not path.exists():
        raise UsageError(f"{run_dir}: no saved predictions; run `inkset evaluate {run_dir}` first")
    saved = np.load(path)
    if "features" not in saved.files:
        raise UsageError(f"{run_dir}: its experiment saves no features to search")
    return saved["features"], saved["__keys__"].tolist()


def _file_features(run_dir: Path, image_path: Path) -> np.ndarray:
    """The run's model applied to one image file (no text: an empty frame for manga-mmtl)."""
    import torch

    from training.data import collate
    from training.evaluate import load_trained
    from training.loop import to_device

    experiment, model = load_trained(run_dir, 0)
    try:
        image = Image.open(image_path)
        image.load()
    except OSError as error:
        raise UsageError(f"{image_path}: not a readable image ({error})") from None
    sample = {"key": image_path.stem, "image": image,
              "meta": {"title": ""}, "labels": {}, "cls": 0, "text": ""}
    batch = to_device(collate([experiment.transform(sample, 0, False)]), torch.device("cpu"),
                      channels_last=False)  # uint8 images -> the normalised floats the model saw
    with torch.no_grad():
        return experiment.predict(model, batch)["features"].float().numpy()


def similar(run_dir: Path, query: str, k: int = 10) -> list[tuple[str, float]]:
    """[(key, distance)] nearest first: Hamming bits for a hash index, 1 - cosine otherwise.
    The query itself is left out when it is a key of the index."""
    from training.embeddings import hashing, retrieval

    run_dir = Path(run_dir)
    by_hash = (run_dir / INDEX_FILE).exists()
    if by_hash:
        index, keys = hashing.HammingIndex.load(run_dir / INDEX_FILE)
    else:
        features, keys = _saved_features(run_dir)
    if query in keys:
        row = keys.index(query)
        vector = index.codes[row:row + 1] if by_hash else features[row:row + 1]
    elif Path(query).is_file():
        row, vector = None, _file_features(run_dir, Path(query))
        if by_hash:
            vector = hashing.pack(vector)
    else:
        raise UsageError(f"{query!r} is neither a key of {run_dir}'s index ({len(keys)} test "
                         f"samples, e.g. {keys[0] if keys else 'none'}) nor an image file")
    if by_hash:
        distances, ids = index.search(vector, k + 1)
        pairs = [(keys[i], float(d)) for d, i in zip(distances[0], ids[0]) if i != row]
    else:
        sims = retrieval.l2_normalise(features) @ retrieval.l2_normalise(vector)[0]
        order = [i for i in np.argsort(-sims, kind="stable") if i != row]
        pairs = [(keys[i], float(1 - sims[i])) for i in order]
    return pairs[:k]
