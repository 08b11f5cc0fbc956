"""The generator is learnable: a nearest-centroid classifier on thumbnails clearly beats chance."""
from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from preprocess.manga109.datasets import plan, render
from preprocess.manga109.options import Manga109Options
from preprocess.release import build_release
from replicas.manga109 import generate_release


def load(release_dir, split, size):
    features, labels = [], []
    for shard in sorted(release_dir.glob(f"{split}-*.tar")):
        with tarfile.open(shard) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar}
        for name, data in members.items():
            if name.endswith(".jpg"):
                image = Image.open(io.BytesIO(data)).convert("L")
                pixels = np.asarray(image.resize(size), dtype=np.float32).ravel() / 255
                # tone histogram (a title's screen tone) + a small thumbnail (layout, features)
                histogram = np.histogram(np.asarray(image), bins=32, range=(0, 256))[0]
                features.append(np.concatenate([histogram / histogram.sum() * 8, pixels]))
                labels.append(int(members[name[:-4] + ".cls"]))
    return np.stack(features), np.array(labels)


def nearest_centroid_accuracy(release_dir, size):
    x_train, y_train = load(release_dir, "train", size)
    x_test, y_test = load(release_dir, "test", size)
    classes = np.unique(y_train)
    centroids = np.stack([x_train[y_train == c].mean(axis=0) for c in classes])
    predicted = classes[np.argmin(((x_test[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)]
    return float((predicted == y_test).mean()), len(classes)


@pytest.mark.slow
@pytest.mark.parametrize("name,size", [("manga109-artist-pages", (48, 64)),
                                       ("manga109-faces", (32, 32))])
def test_a_simple_classifier_beats_chance(tmp_path, name, size):
    root = tmp_path / "replica"
    generate_release(root, titles=9, spreads=8)
    overrides = {"split": "random_page"} if name == "manga109-faces" else {}
    spec, items = plan(root, Manga109Options.load(name, **overrides))
    result = build_release(spec, items, render, releases_root=tmp_path / "r", progress=False)
    accuracy, classes = nearest_centroid_accuracy(result.path, size)
    assert accuracy > 3 / classes, f"{name}: accuracy {accuracy:.2f} with {classes} classes"
