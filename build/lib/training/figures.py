"""The figures a person looks at: confusion matrix, pairwise heatmap, curves, activation
maximisation and Grad-CAM grids. Each writes one PNG into the run dir and returns its name."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path.name


def confusion_matrix(path: Path, matrix: np.ndarray, names: list[str]) -> str:
    size = max(4.0, 0.55 * len(names) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay(matrix, display_labels=names).plot(ax=axes, colorbar=False,
                                                              xticks_rotation=60)
    return _save(figure, path)


def pairwise_heatmap(path: Path, table: np.ndarray, names: list[str]) -> str:
    size = max(4.0, 0.55 * len(names) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(table, vmin=0.5, vmax=1.0, cmap="viridis")
    axes.set_xticks(range(len(names)), names, rotation=60)
    axes.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(table[i, j]):
                axes.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=7,
                          color="white" if table[i, j] < 0.75 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046)
    axes.set_title("accuracy of telling the pair apart")
    return _save(figure, path)


def curves(run_dir: Path, primary: str = "") -> str | None:
    """Loss and validation metric per epoch, one line per repeat (the experiment's primary
    metric, e.g. map_general or rank1, besides the classifiers' usual ones)."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return None
    records = [json.loads(line) for line in path.read_text().splitlines()]
    figure, (loss_axes, val_axes) = plt.subplots(1, 2, figsize=(9, 3.5))
    for repeat in sorted({r["repeat"] for r in records}):
        mine = [r for r in records if r["repeat"] == repeat]
        loss_axes.plot([r["epoch"] for r in mine], [r["loss"] for r in mine], label=f"r{repeat}")
        with_val = [r for r in mine if "val" in r]
        for name in (with_val[0]["val"] if with_val else {}):
            if name in ("accuracy", "macro_f1", "f2", "accuracy_thresh", "mean_ap", primary):
                val_axes.plot([r["epoch"] for r in with_val], [r["val"][name] for r in with_val],
                              label=f"{name} r{repeat}")
    loss_axes.set(title="training loss", xlabel="epoch")
    val_axes.set(title="validation", xlabel="epoch")
    for axes in (loss_axes, val_axes):
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7)
    return _save(figure, run_dir / "curves.png")


def _ascend(objective, image_hw, steps: int, seed: int) -> np.ndarray:
    """Gradient ascent on a grey input with jitter, blur and small normalised steps."""
    generator = torch.Generator().manual_seed(seed)
    image = (0.04 * torch.randn(1, 1, *image_hw, generator=generator)).requires_grad_()
    blur = torch.tensor([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]]).view(1, 1, 3, 3) / 16
    for step in range(steps):
        dy, dx = (int(v) for v in torch.randint(-4, 5, (2,), generator=generator))
        shifted = torch.roll(image, (dy, dx), (2, 3))
        gradient, = torch.autograd.grad(objective(shifted), image)
        with torch.no_grad():
            image += 0.05 * gradient / (gradient.abs().mean() + 1e-8) * 0.1
            if step % 4 == 0:
                image.copy_(F.conv2d(image, blur, padding=1))
            image.clamp_(-2, 2)  # the normalised range of pixels 0..255
    return image.detach()[0, 0].numpy()


def activation_maximisation(run_dir: Path, model, image_hw, class_names: list[str],
                            units: int = 8, steps: int = 60) -> dict[str, str]:
    """Inputs that maximise each class output and chosen units of the last conv layer."""
    model = model.eval().cpu()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    classes = [_ascend(lambda x, i=index: model(x)[0, i], image_hw, steps, seed=index)
               for index in range(len(class_names))]
    features, last = model.features, model.last_conv
    cut = list(features).index(last) + 1  # up to and including the last conv
    trunk = torch.nn.Sequential(*list(features)[:cut])
    chosen = list(range(min(units, last.out_channels)))
    unit_images = [_ascend(lambda x, u=unit: trunk(x)[0, u].mean(), image_hw, steps,
                           seed=1000 + unit) for unit in chosen]
    shown = {}
    for title, images, names, file in (
            ("Activation maximisation: class outputs", classes, class_names, "actmax_classes.png"),
            ("Activation maximisation: last conv layer units", unit_images,
             [f"unit {u}" for u in chosen], "actmax_units.png")):
        columns = min(4, len(images))
        rows = -(-len(images) // columns)
        figure, grid = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.8 * rows),
                                    squeeze=False)
        for axes, image, name in zip(grid.flat, images, names):
            axes.imshow(image, cmap="gray")
            axes.set_title(name, fontsize=8)
        for axes in grid.flat:
            axes.axis("off")
        shown[title] = _save(figure, run_dir / file)
    return shown


def gradcam_grid(experiment, run_dir: Path, model, outputs: dict, keys: list[str],
                 labels: int = 3, covers: int = 4) -> dict[str, str]:
    """Grad-CAM (pytorch-grad-cam, target layer layer4[-1]) for the most frequent labels, on the
    test covers that carry each label."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    from training.data import ExactSplit, normalise

    model = model.eval().cpu()
    names = experiment.label_names
    target = outputs["target"]
    frequent = [int(i) for i in np.argsort(-target.sum(0))[:labels] if target[:, i].any()]
    dataset = ExactSplit(experiment.release, [s for s in experiment.test_splits
                                              if experiment.release.counts.get(s)],
                         lambda sample, epoch: experiment.transform(sample, 0, False))
    position = {key: i for i, key in enumerate(dataset.keys())}
    figure, grid = plt.subplots(len(frequent) or 1, covers, figsize=(2.0 * covers,
                                                                     3.2 * max(1, len(frequent))),
                                squeeze=False)
    with GradCAM(model=model, target_layers=[model.layer4[-1]]) as cam:
        for row, label in enumerate(frequent):
            carriers = [keys[i] for i in np.flatnonzero(target[:, label])][:covers]
            for column, key in enumerate(carriers):
                image = dataset[position[key]]["image"]  # HxWx3 uint8
                heat = cam(input_tensor=normalise(torch.from_numpy(image.copy())[None]),
                           targets=[ClassifierOutputTarget(label)])[0]
                rgb = image / 255.0
                grid[row, column].imshow(show_cam_on_image(rgb, heat, use_rgb=True))
                grid[row, column].set_title(f"{names[label]}\n{key}", fontsize=6)
    for axes in grid.flat:
        axes.axis("off")
    return {"Grad-CAM per label (rows: labels, layer4[-1])": _save(figure, run_dir / "gradcam.png")}
