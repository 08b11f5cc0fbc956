"""The card's label view: names the histogram font cannot draw become `#rank`, listed in the card."""
from __future__ import annotations

from collections import Counter

from PIL import Image

from preprocess.release import card_figures


def test_tick_falls_back_to_rank_for_missing_glyphs():
    tick = card_figures._drawable({ord(c) for c in "Batmn Robi"})
    assert tick("Batman", 1) == "Batman"
    assert tick("初音ミク", 2) == "#2"
    assert tick("Robin", 3) == "Robin"


def test_histogram_with_cjk_labels_writes_a_png_without_glyph_warnings(tmp_path, recwarn):
    path = tmp_path / "hist.png"
    card_figures.write_histogram(path, {"tags": Counter({"初音ミク": 5, "Batman": 3})})
    assert Image.open(path).format == "PNG"
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
