"""Near-uniform detection at the documented threshold (95 % of pixels >= 240 or <= 15)."""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from preprocess.pixiv.uniform import near_uniform


def canvas(background, mark_fraction: float, mark=(90, 40, 200), size=(200, 200)):
    """`background` with a mark covering `mark_fraction` of the image (a band at the top)."""
    image = Image.new("RGB", size, background)
    height = round(size[1] * mark_fraction)
    if height:
        ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, height - 1), fill=mark)
    return image


@pytest.mark.parametrize("background,fraction,expected", [
    ((255, 255, 255), 0.0, "near_white"),
    ((250, 248, 245), 0.03, "near_white"),   # 97 % white: dropped
    ((255, 255, 255), 0.10, None),            # 90 % white: kept (a sketch on white paper)
    ((0, 0, 0), 0.02, "near_black"),
    ((10, 10, 12), 0.10, None),
    ((128, 128, 128), 0.0, None),            # uniform grey is not "mostly white or black"
    ((230, 230, 230), 0.0, None),            # below the white level
])
def test_thresholds(background, fraction, expected):
    assert near_uniform(canvas(background, fraction)) == expected


def test_the_threshold_is_an_option():
    image = canvas((255, 255, 255), 0.10)
    assert near_uniform(image, fraction=0.85) == "near_white"
    assert near_uniform(image, fraction=0.95) is None
    assert near_uniform(canvas((235, 235, 235), 0.0), white=230) == "near_white"
