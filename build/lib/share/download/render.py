"""Pixel work in the pool: DCT-scaled decode, crop, resize, fixed encode (the stages' own code)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from preprocess.images import ImageError, decode_image, encode_image, resize_image, sha256_hex


@dataclass(frozen=True)
class Recipe:
    """How a stage turned source bytes into a sample image (from the card's definition)."""

    size: tuple[int, int] = (200, 300)
    resize_mode: str = "center_crop"   # images.RESIZE_MODES, or Pixiv's "squash"
    scale: int = 1                      # Pixiv quadrants decode at twice the size
    ext: str = "jpg"


@dataclass(frozen=True)
class Rendered:
    images: tuple[tuple[bytes, int, int], ...]   # (encoded, width, height) per crop
    original: tuple[int, int]
    sha256: str


def render_crops(recipe: Recipe, crops: tuple[str, ...], data: bytes,
                 expected_sha256: str | None = None) -> Rendered | str:
    """The crops' images; "changed" when the bytes are not the expected ones; else a reason."""
    digest = sha256_hex(data)
    if expected_sha256 and digest != expected_sha256:
        return "changed"
    try:
        with Image.open(io.BytesIO(data)) as header:  # the real size, before a scaled decode
            original = header.size
        target = (recipe.size[0] * recipe.scale, recipe.size[1] * recipe.scale)
        image = decode_image(data, mode="RGB", target_size=target)
    except ImageError as error:
        return error.reason
    except OSError as error:
        return f"undecodable: {error}"
    out = []
    for crop in crops:
        if crop == "full" and recipe.resize_mode != "squash":
            resized = resize_image(image, recipe.size, recipe.resize_mode)
        else:  # Pixiv's own crop and resize (imported here: workers start faster without it)
            from preprocess.pixiv.render import _crop, _resize

            resized = _resize(_crop(image, crop), recipe.size, recipe.resize_mode)
        out.append((encode_image(resized, recipe.ext), resized.width, resized.height))
    return Rendered(tuple(out), original, digest)


def safe_render(render, payload, data: bytes):
    """Run in a pool worker (this module imports little, so workers start fast)."""
    try:
        return render(payload, data)
    except Exception as error:  # noqa: BLE001 - one bad image is a manifest row
        return f"render_error: {type(error).__name__}: {error}"


def render_job(payload: tuple, data: bytes) -> Rendered | str:
    """The engine's render function: payload = (recipe, crops, expected sha256 or None)."""
    recipe, crops, expected = payload
    return render_crops(recipe, crops, data, expected)
