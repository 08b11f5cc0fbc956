"""Spreads: right half first, declared vs real sizes, the gutter rule, clipping."""
from __future__ import annotations

import pytest

from preprocess.manga109.annotations import Box, Page
from preprocess.manga109.spreads import (Half, PageSkipped, clip_box, half_of, halves,
                                         scaled_boxes, to_half)


def box(xmin, ymin, xmax, ymax, kind="frame", id="00000001"):
    return Box(kind=kind, id=id, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax)


def test_a_spread_is_right_half_then_left_half():
    assert halves(1654, 1170) == (Half("r", 827, 827, 1170), Half("l", 0, 827, 1170))


def test_a_single_page_image_is_one_page():
    assert halves(827, 1170) == (Half("", 0, 827, 1170),)


@pytest.mark.parametrize("xmin,xmax,side", [
    (900, 1600, "r"),     # wholly right: the earlier page
    (10, 800, "l"),
    (700, 1000, "r"),     # crosses the gutter, centre 850 on the right
    (500, 900, "l"),      # crosses, centre 700 on the left
    (727, 927, "r"),      # centre exactly on the gutter: the earlier page
])
def test_boxes_go_to_the_half_holding_their_centre(xmin, xmax, side):
    assert half_of(box(xmin, 0, xmax, 10), halves(1654, 1170)).side == side


def test_a_gutter_crossing_box_is_clipped_to_its_half():
    right = halves(1654, 1170)[0]
    assert to_half(box(700, 5, 1000, 50), right) == box(0, 5, 173, 50)


def test_declared_size_differing_from_the_jpeg_scales_boxes():
    page = Page(index=3, width=2960, height=2164, boxes=(box(296, 216, 1480, 1082),))
    (scaled,) = scaled_boxes(page, 1654, 1170)
    assert (scaled.xmin, scaled.ymin, scaled.xmax, scaled.ymax) == (165, 117, 827, 585)


def test_a_page_declared_zero_by_zero_is_skipped_with_a_reason():
    page = Page(index=5, width=0, height=0, boxes=(box(1, 1, 5, 5),))
    with pytest.raises(PageSkipped) as error:
        scaled_boxes(page, 1654, 1170)
    assert error.value.reason == "declared_size_zero"
    assert scaled_boxes(Page(index=6, width=0, height=0, boxes=()), 1654, 1170) == ()


@pytest.mark.parametrize("raw,expected", [
    ((10, 10, 20, 20), (10, 10, 20, 20)),
    ((-5, -5, 20, 20), (0, 0, 20, 20)),           # partly outside: clipped
    ((1600, 1100, 1800, 1300), (1600, 1100, 1654, 1170)),
    ((30, 30, 30, 60), None),                      # zero area
    ((2000, 10, 2100, 20), None),                  # wholly outside
])
def test_clipping(raw, expected):
    clipped = clip_box(box(*raw), 1654, 1170)
    got = None if clipped is None else (clipped.xmin, clipped.ymin, clipped.xmax, clipped.ymax)
    assert got == expected
