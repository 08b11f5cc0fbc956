"""Render one stored Pixiv page into its samples (whole image or four quadrants), in a worker."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from preprocess.images import ImageError, decode_image, encode_image, resize_image, sha256_hex
from preprocess.release import Dropped, Sample

from .uniform import near_uniform

CROPS = ("full", "q0", "q1", "q2", "q3")  # q0 top-left, q1 top-right, q2 bottom-left, q3 bottom-right


@dataclass(frozen=True)
class PageJob:
    """Everything a worker needs for one page: it pickles, and holds no open files."""

    path: str
    sha256: str
    key: str                      # the page key; quadrant samples add -q0..-q3
    split: str
    labels: dict[str, Any]
    meta: dict[str, Any]
    source_ids: dict[str, Any]
    size: tuple[int, int]
    resize_mode: str = "center_crop"   # squash | center_crop | border
    quadrants: bool = False
    uniform: tuple[float, int, int] = (0.95, 240, 15)   # fraction, white level, black level

    @property
    def keys(self) -> list[str]:
        return [f"{self.key}-{c}" for c in CROPS[1:]] if self.quadrants else [self.key]


def _fail(job: PageJob, status: str, reason: str, **sizes) -> list[Dropped]:
    return [Dropped(key=key, split=job.split, status=status, reason=reason, labels=job.labels,
                    source_sha256=job.sha256, source_ids=job.source_ids, **sizes)
            for key in job.keys]


def _crop(image: Image.Image, crop: str) -> Image.Image:
    if crop == "full":
        return image
    index = int(crop[1])
    half_w, half_h = image.width // 2, image.height // 2
    left, top = (index % 2) * half_w, (index // 2) * half_h
    return image.crop((left, top, left + half_w, top + half_h))


def _resize(image: Image.Image, size: tuple[int, int], mode: str) -> Image.Image:
    if mode == "squash":  # the artist study's plain resize: aspect ratio not kept
        return image.resize(size, Image.Resampling.LANCZOS)
    return resize_image(image, size, mode)


def render_page(job: PageJob) -> list[Sample | Dropped]:
    try:
        data = Path(job.path).read_bytes()
    except FileNotFoundError:
        return _fail(job, "failed", "missing_image")
    if sha256_hex(data) != job.sha256:
        return _fail(job, "failed", "sha256_mismatch")
    # quadrants need twice the output size from the decoder
    scale = 2 if job.quadrants else 1
    try:
        with Image.open(io.BytesIO(data)) as header:  # the real size, before a scaled decode
            sizes = {"original_width": header.width, "original_height": header.height}
        image = decode_image(data, target_size=(job.size[0] * scale, job.size[1] * scale),
                             name=job.key)
    except ImageError as error:
        return _fail(job, "failed", error.reason)
    except OSError as error:
        return _fail(job, "failed", f"undecodable: {error}")
    out: list[Sample | Dropped] = []
    for key, crop in zip(job.keys, CROPS[1:] if job.quadrants else CROPS[:1]):
        part = _crop(image, crop)
        reason = near_uniform(part, *job.uniform)
        if reason:
            out.append(Dropped(key=key, split=job.split, status="filtered", reason=reason,
                               labels=job.labels, source_sha256=job.sha256,
                               source_ids=job.source_ids, **sizes))
            continue
        resized = _resize(part, job.size, job.resize_mode)
        out.append(Sample(key=key, split=job.split, image=encode_image(resized, "jpg"),
                          labels=job.labels, meta={**job.meta, "crop": crop},
                          source_sha256=job.sha256, source_ids=job.source_ids,
                          width=resized.width, height=resized.height, dedup=f"{job.sha256}-{crop}",
                          **sizes))
    return out
