"""Spreads and boxes: real image sizes, half pages (right half = earlier page), box clean-up."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .annotations import Box, Page

# An image wider than this ratio is a two-page spread (1654x1170 = 1.41; a single page ~0.71).
SPREAD_MIN_ASPECT = 1.0
HALVES = ("r", "l")  # reading order: Japanese manga read right to left


class PageSkipped(ValueError):
    """A page that cannot be used; `reason` is the manifest reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Half:
    side: str        # "r" (earlier page), "l", or "" for a single-page image
    x0: int          # the half's left edge in image coordinates
    width: int
    height: int


def scaled_boxes(page: Page, real_width: int, real_height: int) -> tuple[Box, ...]:
    """The page's boxes in the coordinates of the real JPEG.

    Some titles declare another size than their JPEGs (e.g. 2960x2164): boxes scale with the
    ratio. A page declared 0x0 cannot be scaled; with boxes on it, it is skipped with a reason.
    """
    if page.width <= 0 or page.height <= 0:
        if page.boxes:
            raise PageSkipped("declared_size_zero", f"page {page.index} declares "
                              f"{page.width}x{page.height} but has {len(page.boxes)} boxes")
        return ()
    if (page.width, page.height) == (real_width, real_height):
        return page.boxes
    sx, sy = real_width / page.width, real_height / page.height
    return tuple(replace(b, xmin=round(b.xmin * sx), xmax=round(b.xmax * sx),
                         ymin=round(b.ymin * sy), ymax=round(b.ymax * sy)) for b in page.boxes)


def clip_box(box: Box, width: int, height: int) -> Box | None:
    """The box clipped to the image; None when nothing of positive area is left."""
    clipped = replace(box, xmin=max(0, min(box.xmin, width)), xmax=max(0, min(box.xmax, width)),
                      ymin=max(0, min(box.ymin, height)), ymax=max(0, min(box.ymax, height)))
    if clipped.xmax <= clipped.xmin or clipped.ymax <= clipped.ymin:
        return None
    return clipped


def halves(width: int, height: int) -> tuple[Half, ...]:
    """The pages of one image: right then left half of a spread, or the whole single page."""
    if width / height <= SPREAD_MIN_ASPECT:
        return (Half("", 0, width, height),)
    gutter = width // 2
    return (Half("r", gutter, width - gutter, height), Half("l", 0, gutter, height))


def half_of(box: Box, parts: tuple[Half, ...]) -> Half:
    """The half page a box belongs to: the one holding the box's centre.

    A box crossing the gutter (a double-page panel) goes where most of it lies; an exact tie
    (centre on the gutter) goes to the right half, the earlier page.
    """
    if len(parts) == 1:
        return parts[0]
    right = parts[0]
    centre = (box.xmin + box.xmax) / 2
    return right if centre >= right.x0 else parts[1]


def to_half(box: Box, half: Half) -> Box | None:
    """The box in the half page's coordinates, clipped to it."""
    moved = replace(box, xmin=box.xmin - half.x0, xmax=box.xmax - half.x0)
    return clip_box(moved, half.width, half.height)
