"""The report's diagnostics from the saved test predictions: the most confident mistakes (fastai's
plot_top_losses), example images per class with what the model said, per-label PR curves."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import figures
from .figures import plt
from .report_facts import images_by_key

GALLERY = 12          # the most confident mistakes shown
CLASSES_SHOWN = 12    # classes / labels with example rows, most frequent first
PER_CLASS = 5
PR_LABELS = 12


@dataclass
class Predictions:
    """Test predictions of one head: probabilities (None for an embedding model, which has
    classes but no classifier), truth (class index, or multi-hot), names."""
    probs: np.ndarray | None
    target: np.ndarray
    names: list[str]
    keys: list[str]

    @property
    def multi_label(self) -> bool:
        return self.target.ndim == 2


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def find_predictions(outputs: dict, experiment, keys: list[str]) -> Predictions | None:
    """The classifier head among the saved outputs; for an embedding model (Manga-MMTL) its
    classes alone, for example images; None when there is neither."""
    def names(attribute):
        value = getattr(experiment, attribute, None)
        return list(value() if callable(value) else value or [])

    if "logits" in outputs and outputs["target"].ndim == 1:
        return Predictions(_softmax(outputs["logits"]), outputs["target"], names("class_names"),
                           keys)
    if "probs" in outputs and outputs["target"].ndim == 2:
        return Predictions(outputs["probs"], outputs["target"], names("label_names"), keys)
    if "tag_probs" in outputs:
        return Predictions(outputs["tag_probs"], outputs["tags"], names("tag_names"), keys)
    release = getattr(experiment, "release", None)
    if "character" in outputs and release is not None and "character" in release.label_sets:
        return Predictions(None, outputs["character"], list(release.label_sets["character"]),
                           keys)
    return None


def _mistakes(p: Predictions) -> list[tuple[int, str, float]]:
    """(row, caption, confidence) of the most confident wrong answers, most confident first."""
    if p.probs is None:
        return []
    found = []
    shown = figures.named(p.names) if len(p.names) == p.probs.shape[1] else \
        [str(i) for i in range(p.probs.shape[1])]
    for row in range(len(p.keys)):
        if p.multi_label:
            wrong = np.where(p.target[row] > 0.5, 1 - p.probs[row], p.probs[row])
            label = int(np.argmax(wrong))
            if wrong[label] <= 0.5:
                continue
            what = "missed" if p.target[row, label] > 0.5 else "false"
            found.append((row, f"{what}: {shown[label]}", float(wrong[label])))
        else:
            guess, truth = int(np.argmax(p.probs[row])), int(p.target[row])
            if guess != truth:
                found.append((row, f"{shown[guess]}\n(true: {shown[truth]})",
                              float(p.probs[row, guess])))
    found.sort(key=lambda item: -item[2])
    return found[:GALLERY]


def _tiles(path: Path, tiles: list[tuple[object, str]], columns: int = 6) -> str:
    rows = max(1, -(-len(tiles) // columns))
    figure, grid = plt.subplots(rows, columns, figsize=(1.9 * columns, 2.3 * rows), squeeze=False)
    for axes in grid.flat:
        axes.axis("off")
    for axes, (image, caption) in zip(grid.flat, tiles):
        axes.imshow(image)
        axes.set_title(caption, fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path.name


def top_losses(run_dir: Path, p: Predictions, release_path: Path) -> dict[str, str]:
    mistakes = _mistakes(p)
    if not mistakes:
        return {}
    images = images_by_key(release_path, [p.keys[row] for row, _, _ in mistakes])
    tiles = [(images[p.keys[row]], f"{caption}\np = {confidence:.2f}")
             for row, caption, confidence in mistakes if p.keys[row] in images]
    if not tiles:
        return {}
    return {f"The {len(tiles)} most confident mistakes (predicted, true, the model's "
            f"probability), first repeat": _tiles(run_dir / "top_mistakes.png", tiles)}


def examples_per_class(run_dir: Path, p: Predictions, release_path: Path) -> dict[str, str]:
    """Rows of test images per class (most frequent classes), captioned with the prediction."""
    if p.probs is not None and len(p.names) != p.probs.shape[1]:
        return {}
    shown = figures.named(p.names)
    truth = p.target > 0.5 if p.multi_label else np.eye(len(p.names), dtype=bool)[p.target]
    order = [int(i) for i in np.argsort(-truth.sum(0), kind="stable")[:CLASSES_SHOWN]
             if truth[:, i].any()]
    chosen = {label: list(np.flatnonzero(truth[:, label])[:PER_CLASS]) for label in order}
    images = images_by_key(release_path, [p.keys[r] for rows in chosen.values() for r in rows])
    if not images:
        return {}
    figure, grid = plt.subplots(len(order), PER_CLASS, figsize=(1.7 * PER_CLASS,
                                                                 1.9 * len(order)), squeeze=False)
    for axes in grid.flat:
        axes.axis("off")
    for line, label in enumerate(order):
        for column, row in enumerate(chosen[label]):
            if p.keys[row] not in images:
                continue
            axes = grid[line, column]
            axes.imshow(images[p.keys[row]])
            if p.probs is None:  # no classifier: the image alone
                continue
            score = p.probs[row, label]
            right = score > 0.5 if p.multi_label else int(np.argmax(p.probs[row])) == label
            said = (f"p = {score:.2f}" if p.multi_label
                    else f"→ {shown[int(np.argmax(p.probs[row]))]}")
            axes.set_title(f"{'✓' if right else '✗'} {said}", fontsize=7,
                           color="#1a7f37" if right else "#cf222e")
        grid[line, 0].text(-0.1, 0.5, shown[label], transform=grid[line, 0].transAxes,
                           ha="right", va="center", fontsize=8)
    figure.tight_layout()
    figure.savefig(run_dir / "examples_per_class.png", dpi=90)
    plt.close(figure)
    caption = ("Test images per class (rows: true class)" if p.probs is None else
               "Test images per class (rows: true class; ✓ right, ✗ wrong), first repeat")
    return {caption: "examples_per_class.png"}


def pr_curves(run_dir: Path, p: Predictions) -> dict[str, str]:
    """Precision-recall per label (the labels with most test positives), AP in the legend."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    if p.probs is None or not p.multi_label or len(p.names) != p.probs.shape[1]:
        return {}
    shown = figures.named(p.names)
    order = [int(i) for i in np.argsort(-p.target.sum(0), kind="stable")[:PR_LABELS]
             if p.target[:, i].any() and not p.target[:, i].all()]
    if not order:
        return {}
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    for label in order:
        precision, recall, _ = precision_recall_curve(p.target[:, label], p.probs[:, label])
        ap = average_precision_score(p.target[:, label], p.probs[:, label])
        axes.plot(recall, precision, label=f"{shown[label]} (AP {ap:.2f})")
    axes.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
             title="precision-recall per label, test split")
    axes.legend(fontsize=7, loc="lower left")
    return {"Precision-recall curves per label (the most frequent labels), first repeat":
            figures._save(figure, run_dir / "pr_curves.png")}


def draw(run_dir: Path, outputs: dict, experiment, keys: list[str],
         release_path: Path) -> dict[str, str]:
    """Every diagnostic that applies to the run's predictions: {caption: PNG name}."""
    found = find_predictions(outputs, experiment, keys)
    if found is None:
        return {}
    shown = {}
    shown.update(pr_curves(run_dir, found))
    if release_path.is_dir():
        shown.update(top_losses(run_dir, found, release_path))
        shown.update(examples_per_class(run_dir, found, release_path))
    return shown
