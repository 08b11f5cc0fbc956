"""Balanced splits by illust, the tag vocabulary and rating, and the definitions' checks."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pandas as pd
import pytest

from preprocess.pixiv.options import PixivOptions
from preprocess.pixiv.splits import assign_splits
from preprocess.pixiv.tags import rating, sample_tags, vocabulary

FRACTIONS = (("train", 0.8), ("val", 0.1), ("test", 0.1))


def test_splits_are_balanced_and_stable():
    pairs = [(u, u * 1000 + i) for u in (1, 2, 3) for i in range(20)]
    chosen = assign_splits(pairs, FRACTIONS, seed=0)
    for user in (1, 2, 3):
        counts = Counter(chosen[i] for u, i in pairs if u == user)
        assert counts == {"train": 16, "val": 2, "test": 2}
    # order of input and extra artists do not move an illust
    again = assign_splits(list(reversed(pairs)) + [(9, 1)], FRACTIONS, seed=0)
    assert all(again[i] == chosen[i] for _, i in pairs)
    assert assign_splits(pairs, FRACTIONS, seed=1) != chosen


def row(tags, tags_en=None, x_restrict=0, illust_id=1):
    return SimpleNamespace(tags=tags, tags_en=tags_en or [""] * len(tags),
                           x_restrict=x_restrict, illust_id=illust_id)


@pytest.mark.parametrize("tags,x_restrict,expected", [
    (["猫"], 0, "safe"), (["R-15", "猫"], 0, "questionable"),
    (["R-18"], 1, "explicit"), (["R-18G"], 2, "explicit"),
])
def test_rating_from_x_restrict(tags, x_restrict, expected):
    assert rating(row(tags, x_restrict=x_restrict)) == expected


def test_vocabulary_top_n_per_category_counts_illusts_not_pages():
    options = PixivOptions.load("pixiv-tags", top_general=2, top_character=1)
    rows = pd.DataFrame([
        {"illust_id": 1, "page": 0, "tags": ["猫", "初音ミク", "VOCALOID", "R-18"],
         "tags_en": ["cat", "Hatsune Miku", "", ""]},
        {"illust_id": 1, "page": 1, "tags": ["猫", "初音ミク", "VOCALOID", "R-18"],
         "tags_en": ["cat", "Hatsune Miku", "", ""]},
        {"illust_id": 2, "page": 0, "tags": ["花", "猫", "MAYU"], "tags_en": ["", "", ""]},
        {"illust_id": 3, "page": 0, "tags": ["空", "花"], "tags_en": ["sky", "flower"]},
    ])
    vocab = vocabulary(rows, options)
    assert vocab == {"general": [("猫", "cat"), ("花", "flower")],
                     "copyright": [("VOCALOID", "")],
                     "character": [("MAYU", "")]}  # 1 vote each (tie): sorted by tag
    assert sample_tags(row(["花", "MAYU", "空"]), vocab) == {
        "general": ["花"], "copyright": [], "character": ["MAYU"]}


@pytest.mark.parametrize("override,message", [
    ({"resize_mode": "stretch"}, "resize_mode must be one of"),
    ({"splits": {"train": 0.5, "test": 0.4}}, "sum to 1"),
    ({"max_x_restrict": 3}, "max_x_restrict must be one of"),
    ({"split_method": "random"}, "split_method must be one of"),
])
def test_invalid_choices_list_the_allowed_values(override, message):
    with pytest.raises(ValueError, match=message):
        PixivOptions.load("pixiv-artists", **override)


def test_hash_splits_never_move_when_illusts_are_added():
    pairs = [(u, u * 1000 + i) for u in (1, 2) for i in range(40)]
    chosen = assign_splits(pairs, FRACTIONS, seed=0, method="hash")
    grown = assign_splits(pairs + [(1, 1000 + i) for i in range(40, 400)], FRACTIONS, seed=0,
                          method="hash")
    assert all(grown[i] == chosen[i] for _, i in pairs)
    shares = Counter(grown.values())
    assert abs(shares["train"] / len(grown) - 0.8) < 0.06  # balanced on average
    # the balanced method may move an illust near a cut when its artist grows
    balanced = assign_splits(pairs, FRACTIONS, seed=0)
    balanced_grown = assign_splits(pairs + [(1, 1000 + i) for i in range(40, 400)], FRACTIONS,
                                   seed=0)
    assert any(balanced_grown[i] != balanced[i] for _, i in pairs)
