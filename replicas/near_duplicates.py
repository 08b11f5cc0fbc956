"""A labelled near-duplicate set: covers in a shared template, copies of some of them edited the
ways comics data repeats itself, and hard negatives (same template, other art).

Each chosen source re-appears resized, re-encoded at another JPEG quality, cropped by a few
percent, with a border added, colour-shifted, and as a variant cover with another logo band (GCD's
variant and newsstand editions). Ground truth: `truth[name]` is the source a file was made from;
two files are near-duplicates iff they share it. Used by the tests and `make bench`.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

SIZE = (240, 360)  # a cover's proportions
BAND = 0.16  # the logo band: the top 16 % of a cover
EDITS = ("resized", "requality", "cropped", "bordered", "colour", "variant")


@dataclass
class NearDuplicateSet:
    """Encoded images by name and, for each, the source it derives from."""

    images: dict[str, bytes] = field(default_factory=dict)
    truth: dict[str, str] = field(default_factory=dict)

    def true_pairs(self) -> set[tuple[str, str]]:
        by_source: dict[str, list[str]] = {}
        for name, source in self.truth.items():
            by_source.setdefault(source, []).append(name)
        return {(a, b) for names in by_source.values() for a in sorted(names) for b in sorted(names)
                if a < b}

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in sorted(self.images.items()):
            paths.append(folder / f"{name}.jpg")
            paths[-1].write_bytes(data)
        return paths


def _encode(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _band(image: Image.Image, rng: random.Random, colour: tuple[int, int, int]) -> None:
    """The template's logo band: a coloured strip with a title of blocks."""
    width, height = image.size
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, width, int(height * BAND)), fill=colour)
    x = 10
    while x < width - 30:
        w = rng.randrange(12, 30)
        pen.rectangle((x, 12, x + w, int(height * BAND) - 12), fill=(250, 250, 240))
        x += w + rng.randrange(4, 10)


def draw_art(seed: int, template: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """One cover: template `template` (background tint and logo band), art from `seed`."""
    rng, tpl = random.Random(seed), random.Random(1_000_000 + template)
    width, height = size
    # art: smooth blobs over a low-frequency field, so that covers differ in their coarse layout
    coarse = np.random.default_rng(seed).integers(0, 256, (6, 4, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.BICUBIC)
    pen = ImageDraw.Draw(image)
    for _ in range(rng.randrange(4, 9)):
        x, y = rng.randrange(width), rng.randrange(int(height * BAND), height)
        r = rng.randrange(15, 70)
        fill = tuple(rng.randrange(256) for _ in range(3))
        shape = pen.ellipse if rng.random() < 0.5 else pen.rectangle
        shape((x - r, y - r, x + r, y + int(r * 1.4)), fill=fill, outline=(0, 0, 0), width=3)
    _band(image, tpl, tuple(tpl.randrange(256) for _ in range(3)))
    return image


def edit(image: Image.Image, kind: str, rng: random.Random) -> tuple[Image.Image, int]:
    """One near-duplicate edit of `image`; returns it and the JPEG quality to save it at."""
    width, height = image.size
    if kind == "resized":
        scale = rng.uniform(0.45, 0.8)
        return image.resize((int(width * scale), int(height * scale)), Image.BILINEAR), 88
    if kind == "requality":
        return image, rng.randrange(30, 60)
    if kind == "cropped":
        f = rng.uniform(0.02, 0.05)
        box = (int(width * rng.uniform(0, f)), int(height * rng.uniform(0, f)),
               width - int(width * rng.uniform(0, f)), height - int(height * rng.uniform(0, f)))
        return image.crop(box), 85
    if kind == "bordered":
        border = int(min(width, height) * rng.uniform(0.02, 0.05))
        fill = (255, 255, 255) if rng.random() < 0.5 else (0, 0, 0)
        return ImageOps.expand(image, border=border, fill=fill), 85
    if kind == "colour":
        shifted = ImageEnhance.Color(image).enhance(rng.uniform(0.5, 1.5))
        return ImageEnhance.Brightness(shifted).enhance(rng.uniform(0.85, 1.15)), 85
    if kind == "variant":  # another edition: the same art under another logo band
        variant = image.copy()
        _band(variant, rng, tuple(rng.randrange(256) for _ in range(3)))
        return variant, 85
    raise ValueError(f"edit must be one of {EDITS}, not {kind!r}")


def generate(sources: int = 200, duplicated: float = 0.3, negatives: float = 0.3,
             templates: int = 8, seed: int = 0, size: tuple[int, int] = SIZE
             ) -> NearDuplicateSet:
    """`sources` covers; a `duplicated` share of them re-appear under every edit of EDITS (each a
    different random draw), and a `negatives` share get a hard negative: the same template with
    other art (its own source)."""
    rng = random.Random(seed)
    out = NearDuplicateSet()
    for index in range(sources):
        name, template = f"src{index:06d}", index % templates
        original = draw_art(seed * 10_000_019 + index, template, size)
        out.images[name], out.truth[name] = _encode(original), name
        if rng.random() < duplicated:
            for kind in EDITS:
                copy, quality = edit(original, kind, rng)
                out.images[f"{name}-{kind}"] = _encode(copy, quality)
                out.truth[f"{name}-{kind}"] = name
        if rng.random() < negatives:
            other = draw_art(seed * 10_000_019 + index + 7_000_000, template, size)
            out.images[f"{name}-negative"] = _encode(other)
            out.truth[f"{name}-negative"] = f"{name}-negative"
    return out
