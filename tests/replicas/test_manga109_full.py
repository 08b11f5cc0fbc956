"""The Manga109-sized replica's layout: the real per-title image counts and ~118k faces."""
from __future__ import annotations

import pytest

from core.errors import UsageError
from replicas.manga109 import full_size_layout
from replicas.releases import scaled_release


def test_full_size_layout_follows_the_real_per_title_counts(shared_fixtures):
    layout = full_size_layout(per_title=shared_fixtures / "manga109" / "per_title.csv")
    assert len(layout) == 109
    assert layout["ARMS"][0] + 1 == 81  # spreads + the single page = images_2021 of ARMS
    assert sum(spreads + 1 for spreads, _ in layout.values()) == 10_602
    faces = sum((2 * spreads + 1) * per_page for spreads, per_page in layout.values())
    assert 110_000 < faces < 125_000  # 118,593 in the real release


def test_the_fallback_without_the_fixtures_is_manga109_sized(tmp_path):
    layout = full_size_layout(per_title=tmp_path / "absent.csv")
    assert len(layout) == 109 and set(layout.values()) == {(96, 5)}


def test_scale_full_is_for_manga109_only(tmp_path):
    with pytest.raises(UsageError, match="pixiv-artists"):
        scaled_release("pixiv-artists", scale="full", home=tmp_path)
