"""Image helpers: safe decoding, EXIF orientation, DCT-scaled drafts, resize modes, fixed encoding."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from preprocess.images import ImageError, decode_image, encode_image, resize_image


def jpeg(size=(800, 600), colour=(200, 30, 30), exif_orientation=None) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("data,reason", [
    (b"", "empty_file"),
    (b"not an image at all", "undecodable"),
    (jpeg()[:400], "undecodable"),
])
def test_unreadable_bytes_raise_with_a_reason(data, reason):
    with pytest.raises(ImageError) as error:
        decode_image(data, name="x.jpg")
    assert error.value.reason == reason


def test_the_pixel_limit_is_checked_before_decoding():
    with pytest.raises(ImageError, match="too_many_pixels: big.jpg: 800x600"):
        decode_image(jpeg(), max_pixels=100_000, name="big.jpg")


def test_exif_orientation_is_applied():
    image = decode_image(jpeg(size=(80, 40), exif_orientation=6))  # rotate 90°: portrait
    assert image.size == (40, 80)


def test_grey_mode_and_draft_scaling():
    image = decode_image(jpeg(size=(1654, 1170)), mode="L", target_size=(300, 400))
    assert image.mode == "L"
    # draft picks the smallest DCT scale (1/2, 1/4, 1/8) still covering the crop target
    assert image.size == (827, 585)
    assert abs(np.asarray(image).mean() - (0.299 * 200 + 0.587 * 30 + 0.114 * 30)) <= 2


@pytest.mark.parametrize("mode,expected", [
    ("no", (400, 200)), ("center_crop", (100, 100)), ("keep_ratio", (100, 50)),
    ("border", (100, 100)),
])
def test_resize_modes(mode, expected):
    image = Image.new("RGB", (400, 200), (0, 0, 0))
    assert resize_image(image, (100, 100), mode).size == expected


def test_border_pads_with_the_fill_colour():
    padded = np.asarray(resize_image(Image.new("L", (400, 200), 0), (100, 100), "border", 255))
    assert padded[0, 50] == 255 and padded[50, 50] == 0  # top band padded, centre is image


def test_unknown_resize_mode_lists_the_choices():
    with pytest.raises(ValueError, match="center_crop"):
        resize_image(Image.new("L", (4, 4)), (2, 2), "stretch")


def test_encoding_is_deterministic():
    image = decode_image(jpeg())
    assert encode_image(image) == encode_image(image.copy())
    assert encode_image(image, "png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_grey_page_stays_grey_and_its_rgb_crops_are_the_same_bytes():
    """keep_grey: no full-page RGB conversion; resizing in L then converting the small crop gives
    the bytes the RGB path gives (each RGB channel is resized as the grey one)."""
    rng = np.random.default_rng(0)
    page = Image.fromarray(rng.integers(0, 256, (600, 800), dtype=np.uint8), "L")
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=90)
    grey = decode_image(buffer.getvalue(), mode="RGB", keep_grey=True)
    rgb = decode_image(buffer.getvalue(), mode="RGB")
    assert (grey.mode, rgb.mode) == ("L", "RGB")
    box = (123, 45, 223, 175)
    fast = resize_image(grey.crop(box), (224, 224)).convert("RGB")
    slow = resize_image(rgb.crop(box), (224, 224))
    assert encode_image(fast) == encode_image(slow)
    coloured = decode_image(jpeg(), mode="RGB", keep_grey=True)
    assert coloured.mode == "RGB"  # only a grey image stays grey
