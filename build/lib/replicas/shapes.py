"""A tiny generated image folder (`<class>/<id>.jpg`, coloured shapes): the demo's stand-in source."""
from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

from preprocess.images import encode_image

CLASSES = ("circle", "square", "triangle", "cross")


def draw_shape(kind: str, rng: random.Random, size: int = 96) -> Image.Image:
    image = Image.new("RGB", (size, size), tuple(rng.randrange(180, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    colour = tuple(rng.randrange(0, 120) for _ in range(3))
    r = rng.randrange(size // 5, size // 3)
    cx, cy = rng.randrange(r, size - r), rng.randrange(r, size - r)
    if kind == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif kind == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif kind == "triangle":
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    else:
        draw.rectangle((cx - r, cy - r // 4, cx + r, cy + r // 4), fill=colour)
        draw.rectangle((cx - r // 4, cy - r, cx + r // 4, cy + r), fill=colour)
    return image


def generate_shapes(root: Path, per_class: int = 20, seed: int = 0) -> dict[str, int]:
    """Write `per_class` JPEGs per class under `root`; returns the ground-truth count per class."""
    rng = random.Random(seed)
    for kind in CLASSES:
        folder = Path(root) / kind
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            (folder / f"{kind}{i:05d}.jpg").write_bytes(encode_image(draw_shape(kind, rng)))
    return {kind: per_class for kind in CLASSES}
