"""Render one Manga109 image: decode it once and cut every planned crop out of it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preprocess.images import (ImageError, decode_image, encode_image, fit_scaled, resize_image,
                               sha256_hex)
from preprocess.release import Dropped, Sample


@dataclass(frozen=True)
class Crop:
    """One planned sample of an image: a box in real-image coordinates and its output."""

    key: str
    split: str
    box: tuple[int, int, int, int]
    size: tuple[int, int]
    labels: dict[str, Any]
    meta: dict[str, Any]
    text: str | None = None
    source_ids: dict[str, Any] = field(default_factory=dict)


def render_image(payload: tuple[str, str, str, tuple[Crop, ...]]) -> list[Sample | Dropped]:
    """payload = (image path, "L" or "RGB", resize mode, crops)."""
    path, mode, resize_mode, crops = payload
    try:
        data = Path(path).read_bytes()
        # greyscale pages stay "L" until each crop is resized: the same bytes (each channel of
        # an RGB resize is the grey resize), a third of the work, no full-page conversion
        image = decode_image(data, mode=mode, name=path, target_size=decode_target(crops),
                             keep_grey=True, three_eighths=True)
    except (OSError, ImageError) as error:
        reason = getattr(error, "reason", "missing_image")
        return [Dropped(key=c.key, split=c.split, status="failed", reason=reason,
                        labels=c.labels, source_ids=c.source_ids) for c in crops]
    digest = sha256_hex(data)
    samples: list[Sample | Dropped] = []
    # < 1 when decoded DCT-scaled; per axis, as the scaled sizes are rounded up
    fx = image.width / crops[0].meta["image_width"]
    fy = image.height / crops[0].meta["image_height"]
    for crop in crops:
        x0, y0, x1, y1 = crop.box
        region = image.crop((round(x0 * fx), round(y0 * fy), round(x1 * fx), round(y1 * fy)))
        if region.size == crop.size:  # panels: a resize to the same size is a copy
            out = region
        elif fx < 1 and resize_mode == "center_crop":  # the decode did most of the shrink
            out = fit_scaled(region, crop.size)
        else:
            out = resize_image(region, crop.size, resize_mode)
        if out.mode != mode:
            out = out.convert(mode)
        samples.append(Sample(
            key=crop.key, split=crop.split, image=encode_image(out), labels=crop.labels,
            meta=crop.meta, text=crop.text, source_sha256=digest, source_ids=crop.source_ids,
            width=out.width, height=out.height,
            original_width=crop.box[2] - crop.box[0], original_height=crop.box[3] - crop.box[1], dedup=f"{digest}:{crop.box}"))
    return samples


def decode_target(crops: tuple[Crop, ...]) -> tuple[int, int]:
    """The smallest full-image size at which every crop still covers its output size.

    decode_image turns this into a DCT-scaled JPEG decode (1/2, 3/8, 1/4, 1/8) when it allows:
    a 300x400 page from an 827-pixel half page is decoded at 3/8 (310 pixels wide).
    """
    scale = max(max(c.size[0] / max(1, c.box[2] - c.box[0]),
                    c.size[1] / max(1, c.box[3] - c.box[1])) for c in crops)
    width, height = crops[0].meta["image_width"], crops[0].meta["image_height"]
    return (min(width, math.ceil(width * scale)), min(height, math.ceil(height * scale)))
