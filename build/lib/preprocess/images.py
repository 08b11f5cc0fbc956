"""Image helpers: safe decoding (pixel limit, EXIF, DCT-scaled draft), resize modes, fixed encoding."""
from __future__ import annotations

import hashlib
import io
import math
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps, features

DEFAULT_MAX_PIXELS = 120_000_000  # ~11k x 11k: larger images are refused as decompression bombs
RESIZE_MODES = ("no", "center_crop", "keep_ratio", "border")
ENCODINGS = ("jpg", "png", "webp")
JPEG_QUALITY = 90
RESIDUAL_AREA = 1.25  # fit_scaled: area averaging only above this residual shrink


class ImageError(ValueError):
    """Bytes that cannot become an image; `reason` is a short snake_case code for the manifest."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_image(
    data: bytes,
    *,
    mode: str = "RGB",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    target_size: tuple[int, int] | None = None,
    name: str = "<bytes>",
    keep_grey: bool = False,
    three_eighths: bool = False,
) -> Image.Image:
    """Decode `data` into a fully loaded image in `mode` ("RGB" or "L"), EXIF orientation applied.

    The pixel limit is checked from the header, before any pixel is decoded. With `target_size`,
    JPEGs are decoded DCT-scaled (Pillow's draft) to the smallest scale still covering it. With
    `keep_grey`, a greyscale image stays "L" (the caller converts only what it cuts out: a third
    of the pixels to resize, and no full-image conversion). With `three_eighths`, libjpeg-turbo's
    3/8 scale joins 1/2, 1/4 and 1/8 (a new scale changes output bytes: opt-in per dataset).
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"mode must be 'RGB' or 'L', not {mode!r}")
    if not data:
        raise ImageError("empty_file", name)
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise ImageError("too_many_pixels", f"{name}: {error}") from None
    except Exception as error:  # PIL raises several types for garbage
        raise ImageError("undecodable", f"{name}: {error}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageError("zero_size", name)
    if width * height > max_pixels:
        raise ImageError("too_many_pixels", f"{name}: {width}x{height} > {max_pixels} pixels")
    if target_size is not None and image.format == "JPEG":
        # draft keeps the scaled image at least target_size, so quality is unchanged downstream
        image.draft(mode, _draft_box(image.size, target_size))
        if three_eighths:
            _three_eighths(image, (width, height), target_size)
    try:
        with warnings.catch_warnings():
            # our own max_pixels check above is the limit; Pillow's softer warning is noise here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # no copy of an upright image
        if image.mode == mode or (keep_grey and image.mode == "L"):
            return image  # convert() would copy every pixel for nothing
        return image.convert(mode)
    except Exception as error:
        raise ImageError("undecodable", f"{name}: {error}") from None


def _draft_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The size Pillow's draft must not go below: big enough to cover `target` after a crop."""
    width, height = size
    scale = max(target[0] / width, target[1] / height)
    return (max(1, int(width * scale)), max(1, int(height * scale)))


def _three_eighths(image: Image.Image, size: tuple[int, int], target: tuple[int, int]) -> None:
    """Turn a pending 1/2 draft into a 3/8 one when 3/8 still covers `target`.

    Pillow's draft offers only 1/2^k; its decoder passes the scale as libjpeg's scale_denom, and
    libjpeg-turbo rounds 1/3 up to its next M/8 scale, 3/8 (of size ceil(size * 3 / 8)).
    """
    width, height = size
    if (not features.check_feature("libjpeg_turbo") or image.decoderconfig[:1] != (2,)
            or image.size != ((width + 1) // 2, (height + 1) // 2)):
        return
    scaled = (math.ceil(width * 3 / 8), math.ceil(height * 3 / 8))
    if scaled[0] < target[0] or scaled[1] < target[1]:
        return
    tile = image.tile[0]
    image.tile = [tile._replace(extents=(0, 0, *scaled))]
    image._size = scaled  # Pillow's draft sets the same private field for its own scales
    image.decoderconfig = (3, *image.decoderconfig[1:])


def fit_scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """center_crop for an image already DCT-scaled to within 2x of `size`, in OpenCV (SIMD C).

    The JPEG decode did the bulk of the shrink with its band-limited scaled IDCT; what is left
    is small: area averaging (INTER_AREA) for a shrink of more than RESIDUAL_AREA, bicubic
    below that, where the band the IDCT let through is within a quarter of the output's.
    """
    width, height = image.size
    scale = max(size[0] / width, size[1] / height)
    crop_w, crop_h = round(size[0] / scale), round(size[1] / scale)
    x0, y0 = (width - crop_w) // 2, (height - crop_h) // 2
    pixels = np.asarray(image)[y0:y0 + crop_h, x0:x0 + crop_w]
    method = cv2.INTER_AREA if scale < 1 / RESIDUAL_AREA else cv2.INTER_CUBIC
    return Image.fromarray(cv2.resize(pixels, size, interpolation=method))  # "L" or "RGB"


def resize_image(image: Image.Image, size: tuple[int, int], mode: str = "center_crop",
                 fill: int | tuple[int, ...] = 255) -> Image.Image:
    """Resize with img2dataset's meanings of `mode`.

    no: unchanged; center_crop: scale so the image covers `size`, crop the centre;
    keep_ratio: scale so the image fits inside `size` (output may be smaller on one side);
    border: keep_ratio, then pad to exactly `size` with `fill`.
    """
    if mode not in RESIZE_MODES:
        raise ValueError(f"resize mode must be one of {RESIZE_MODES}, not {mode!r}")
    if mode == "no":
        return image
    target_w, target_h = size
    width, height = image.size
    if mode == "center_crop":
        return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    scale = min(target_w / width, target_h / height)
    fitted = image.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                          Image.Resampling.LANCZOS)
    if mode == "keep_ratio":
        return fitted
    canvas = Image.new(image.mode, size, fill if image.mode != "RGB" or isinstance(fill, tuple)
                       else (fill, fill, fill))
    canvas.paste(fitted, ((target_w - fitted.width) // 2, (target_h - fitted.height) // 2))
    return canvas


def encode_image(image: Image.Image, ext: str = "jpg", quality: int = JPEG_QUALITY) -> bytes:
    """Encode with fixed settings, so the same pixels always give the same bytes."""
    if ext not in ENCODINGS:
        raise ValueError(f"image encoding must be one of {ENCODINGS}, not {ext!r}")
    buffer = io.BytesIO()
    if ext == "jpg":
        image.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False,
                   subsampling=2 if image.mode == "RGB" else 0)
    elif ext == "png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        image.save(buffer, "WEBP", quality=quality, method=4)
    return buffer.getvalue()
