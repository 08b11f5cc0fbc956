"""The card's two PNGs (README.md shows them; card.html too): the label histogram and a captioned
sample grid, drawn with a CJK-capable font where one is installed."""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image

from core import atomic, pages

from .label_names import short_unique
from .thumbs import CELL, thumb_place

HISTOGRAM_TOP = 30
GRID_COLUMNS = 8


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _drawable(font_codepoints: set[int]):
    """A tick-label function: the text itself, or `#rank` when no installed font has one of its
    glyphs (no fonts-noto-cjk: install it for Japanese names; card.html lists every name)."""
    def tick(text, rank: int) -> str:
        return text if all(ord(c) in font_codepoints for c in str(text)) else f"#{rank}"
    return tick


def _codepoints() -> set[int]:
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    family = pages.plot_font()
    points = set(FT2Font(findfont(FontProperties())).get_charmap())
    if family:
        points |= set(FT2Font(findfont(FontProperties(family=family))).get_charmap())
    return points


def _save(fig, path: Path, plt) -> None:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    atomic.write_bytes(path, buffer.getvalue())


def write_histogram(path: Path, counts: Mapping[str, Counter],
                    names: Mapping[str, Mapping[str, str]] | None = None
                    ) -> dict[str, list[tuple[str, int]]]:
    """One bar per label (counted on the full label, named for display, cut uniquely); returns
    the (tick text, height) pairs drawn, per label set, read back from the axes."""
    plt = _pyplot()
    tick = _drawable(_codepoints())
    names = names or {}
    sets = [name for name, counter in counts.items() if counter] or ["(none)"]
    fig, axes = plt.subplots(len(sets), 1, figsize=(10, 2.8 * len(sets)), squeeze=False)
    drawn = {}
    for axis, name in zip(axes[:, 0], sets):
        top = counts.get(name, Counter()).most_common(HISTOGRAM_TOP)
        shown = short_unique([names.get(name, {}).get(label, str(label)) for label, _ in top])
        ticks = [tick(text, rank) for rank, text in enumerate(shown, 1)]
        bars = axis.bar(range(len(top)), [n for _, n in top], color="#4c72b0")
        axis.set_xticks(range(len(top)), ticks, rotation=60, ha="right", fontsize=7)
        total = len(counts.get(name, ()))
        axis.set_title(f"{name}: samples per label (top {len(top)} of {total})", fontsize=10)
        axis.set_ylabel("samples")
        drawn[name] = [(label.get_text(), int(bar.get_height()))
                       for label, bar in zip(axis.get_xticklabels(), bars)]
    _save(fig, path, plt)
    return drawn


def write_sample_grid(path: Path, release_dir: Path, picks: Sequence[tuple[int, str]]) -> int:
    """Tile the thumbnails of the picked rows (row number, caption) with their captions."""
    plt = _pyplot()
    tick = _drawable(_codepoints())
    sheets: dict[str, Image.Image] = {}
    columns = min(GRID_COLUMNS, max(1, len(picks)))
    rows = max(1, -(-len(picks) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.8 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for rank, (axis, (row, caption)) in enumerate(zip(axes.flat, picks), 1):
        sheet, x, y = thumb_place(row)
        if sheet not in sheets:
            sheets[sheet] = Image.open(release_dir / sheet).convert("RGB")
        axis.imshow(sheets[sheet].crop((x, y, x + CELL, y + CELL)))
        axis.set_title(tick(short_unique([caption], 22)[0], rank), fontsize=7)
    _save(fig, path, plt)
    return len(picks)
