"""Pictures of embeddings: image grids (neighbours, morph strips, retrieval rows), a t-SNE map
with thumbnails, precision-recall curves, UMAP scatters and a table drawn as an image."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402


def load_images(release, splits, keys) -> dict[str, Image.Image]:
    """The release's images of `keys`, read through the exact (wids) split reader."""
    from training.data import ExactSplit

    present = [s for s in splits if release.counts.get(s)]
    dataset = ExactSplit(release, present, lambda sample, epoch: sample, keys=set(keys))
    return {dataset[i]["key"]: dataset[i]["image"].convert("RGB") for i in range(len(dataset))}


def image_rows(path: Path, rows: list[list[str]], images: dict[str, Image.Image],
               captions: list[list[str]] | None = None, size: int = 96) -> str:
    """One row of thumbnails per list of keys, with a short caption under each."""
    width = max(len(r) for r in rows) * (size + 4)
    canvas = Image.new("RGB", (width, len(rows) * (size + 18)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            x, y = c * (size + 4), r * (size + 18)
            canvas.paste(images[key].resize((size, size)), (x, y))
            text = captions[r][c] if captions else ""
            draw.text((x + 2, y + size + 2), text[:16], fill="black")
    canvas.save(path)
    return path.name


def tsne_map(path: Path, features: np.ndarray, keys: list[str], images: dict[str, Image.Image],
             seed: int, canvas_size: int = 1600, thumb: int = 40) -> str:
    """t-SNE (sklearn) of the features, each point drawn as its thumbnail."""
    from sklearn.manifold import TSNE

    perplexity = float(max(2.0, min(30.0, (len(features) - 1) / 3)))
    xy = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(features)
    xy = (xy - xy.min(0)) / np.maximum(xy.max(0) - xy.min(0), 1e-9)
    canvas = Image.new("RGB", (canvas_size, canvas_size), "white")
    for (x, y), key in zip(xy, keys):
        canvas.paste(images[key].resize((thumb, thumb)),
                     (int(x * (canvas_size - thumb)), int(y * (canvas_size - thumb))))
    canvas.save(path)
    return path.name


def _legible(name: str, column: int) -> str:
    """The tag's name where the plotting font has its glyphs (none for Japanese here), else its
    column and code points (the report's per-tag AP table names it)."""
    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    if all(font.get_char_index(ord(c)) for c in name):
        return name
    return f"tag {column}: {ascii(name)[1:-1]}"


def pr_curves(path: Path, scores: np.ndarray, targets: np.ndarray, names: list[str],
              columns: list[int]) -> str:
    figure, axes = plt.subplots(figsize=(6, 5))
    for column in columns:
        precision, recall, _ = precision_recall_curve(targets[:, column], scores[:, column])
        axes.step(recall, precision, where="post", label=_legible(names[column], column))
    axes.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    axes.legend(fontsize=8)
    return _save(figure, path)


def umap_scatters(path: Path, panels: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> str:
    """Per title: two scatters of the 2-D UMAP, coloured by true character and by cluster
    (HDBSCAN noise in grey)."""
    # one colour per id, never a grey (grey means noise): a colour map spread over the ids
    # would hand some cluster tab20's grey
    palette = ([c for i, c in enumerate(plt.cm.tab10.colors) if i != 7]
               + [c for i, c in enumerate(plt.cm.tab20.colors) if i % 2 and i != 15])

    def colours(ids):
        return [palette[int(i) % len(palette)] for i in ids]

    figure, axes = plt.subplots(len(panels), 2, figsize=(8, 3.6 * len(panels)), squeeze=False)
    for row, (title, xy, truth, clusters) in enumerate(panels):
        _, truth_ids = np.unique(truth, return_inverse=True)
        axes[row, 0].scatter(xy[:, 0], xy[:, 1], c=colours(truth_ids), s=10)
        axes[row, 0].set_title(f"{title}: true character", fontsize=9)
        noise = clusters < 0
        axes[row, 1].scatter(xy[noise, 0], xy[noise, 1], c="lightgrey", s=8)
        axes[row, 1].scatter(xy[~noise, 0], xy[~noise, 1], c=colours(clusters[~noise]), s=10)
        axes[row, 1].set_title(f"{title}: HDBSCAN cluster (grey = noise)", fontsize=9)
    return _save(figure, path)


def table_image(path: Path, rows: list[list[str]], head: list[str], title: str) -> str:
    figure, axes = plt.subplots(figsize=(1.6 * len(head), 0.45 * len(rows) + 1.0))
    axes.axis("off")
    axes.set_title(title, fontsize=10)
    table = axes.table(cellText=rows, colLabels=head, loc="center")
    table.scale(1, 1.3)
    return _save(figure, path)


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path.name
