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
from core import pages  # noqa: E402

pages.plot_font()  # Japanese label names draw as text, not boxes, where Noto CJK is installed

# label -> readable name (`猫 (cat)`, a character's name), set by the report from the release
LABEL_TEXT: dict[str, str] = {}


def named(names) -> list[str]:
    """The readable names of labels, where the release gives them."""
    return [LABEL_TEXT.get(str(name), str(name)) for name in names]


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path.name


def confusion_matrix(path: Path, matrix: np.ndarray, names: list[str]) -> str:
    """Row-normalised (each true class sums to 1, one 0..1 colour scale), the counts beside."""
    matrix = np.asarray(matrix, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(4.0, 0.6 * len(names) + 2.5)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(share, vmin=0, vmax=1, cmap="Blues")
    shown = named(names)
    axes.set_xticks(range(len(names)), shown, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(names)), [f"{n} ({int(r)})" for n, r in zip(shown, rows[:, 0])],
                    fontsize=8)
    axes.set(xlabel="predicted", ylabel="true (test samples)")
    if len(names) <= 20:
        for i in range(len(names)):
            for j in range(len(names)):
                if matrix[i, j]:
                    axes.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=7,
                              color="white" if share[i, j] > 0.5 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046, label="share of the true class")
    return _save(figure, path)


def pairwise_heatmap(path: Path, table: np.ndarray, names: list[str]) -> str:
    size = max(4.0, 0.55 * len(names) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(table, vmin=0.5, vmax=1.0, cmap="viridis")
    axes.set_xticks(range(len(names)), named(names), rotation=60, ha="right")
    axes.set_yticks(range(len(names)), named(names))
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(table[i, j]):
                axes.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=7,
                          color="white" if table[i, j] < 0.75 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046)
    axes.set_title("accuracy of telling the pair apart")
    return _save(figure, path)


VALIDATION_METRICS = ("accuracy", "macro_f1", "f2", "accuracy_thresh", "mean_ap")


def curves(run_dir: Path, primary: str = "") -> str | None:
    """Loss per epoch, one line per repeat, and beside it the validation metrics (the
    experiment's primary one too, e.g. map_general) where the run had a validation split: no
    empty panel when it had none."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return None
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    records = [r for r in records if "epoch" in r and "loss" in r]
    if not records:
        return None
    wanted = (*VALIDATION_METRICS, primary)
    with_val = [r for r in records if any(n in r.get("val", {}) for n in wanted)]
    panels = 2 if with_val else 1
    figure, grid = plt.subplots(1, panels, figsize=(4.6 * panels, 3.5), squeeze=False)
    loss_axes = grid[0, 0]
    for repeat in sorted({r.get("repeat", 0) for r in records}):
        mine = [r for r in records if r.get("repeat", 0) == repeat]
        loss_axes.plot([r["epoch"] for r in mine], [r["loss"] for r in mine], marker=".",
                       label=f"repeat {repeat}")
        if with_val:
            val = [r for r in with_val if r.get("repeat", 0) == repeat]
            for name in [n for n in wanted if n and val and n in val[0]["val"]]:
                grid[0, 1].plot([r["epoch"] for r in val], [r["val"][name] for r in val],
                                marker=".", label=f"{name}, repeat {repeat}")
    loss_axes.set(title="training loss", xlabel="epoch", ylabel="loss")
    if with_val:
        grid[0, 1].set(title="validation", xlabel="epoch", ylabel="metric (0..1)", ylim=(0, 1))
    for axes in grid.flat:
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
    """Inputs that maximise each class output, and the first `units` channels of every conv
    layer (the seed shows all five), one row per layer."""
    model = model.eval().cpu()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    classes = [_ascend(lambda x, i=index: model(x)[0, i], image_hw, steps, seed=index)
               for index in range(len(class_names))]
    shown = {"Activation maximisation: class outputs": _image_grid(
        classes, class_names, run_dir / "actmax_classes.png", columns=min(4, len(classes)))}
    layers = list(model.features)
    convs = [index for index, layer in enumerate(layers) if isinstance(layer, torch.nn.Conv2d)]
    images, names = [], []
    for depth, cut in enumerate(convs, start=1):
        trunk = torch.nn.Sequential(*layers[:cut + 1])  # up to and including this conv
        for unit in range(min(units, layers[cut].out_channels)):
            images.append(_ascend(lambda x, u=unit, t=trunk: t(x)[0, u].mean(), image_hw, steps,
                                  seed=1000 * depth + unit))
            names.append(f"conv{depth} unit {unit}")
    shown["Activation maximisation: units of each conv layer (rows: conv1 .. conv"
          f"{len(convs)})"] = _image_grid(images, names, run_dir / "actmax_units.png",
                                          columns=min(units, max(layers[c].out_channels
                                                                 for c in convs)))
    return shown


def _image_grid(images: list[np.ndarray], names: list[str], path: Path, columns: int) -> str:
    """Grey images in rows of `columns`, each titled with its name."""
    rows = -(-len(images) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.8 * rows),
                                squeeze=False)
    for axes, image, name in zip(grid.flat, images, names):
        axes.imshow(image, cmap="gray")
        axes.set_title(named([name])[0], fontsize=8)
    for axes in grid.flat:
        axes.axis("off")
    return _save(figure, path)


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
                grid[row, column].set_title(f"{named([names[label]])[0]}\n{key}", fontsize=6)
    for axes in grid.flat:
        axes.axis("off")
    return {"Grad-CAM per label (rows: labels, layer4[-1])": _save(figure, run_dir / "gradcam.png")}
