"""pixiv-tags labels: a three-category tag vocabulary (top-N each) and the rating from xRestrict."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from .options import PixivOptions

CATEGORIES = ("general", "copyright", "character")
RATINGS = ("safe", "questionable", "explicit")
# Pixiv has no "questionable" xRestrict: all-ages works tagged R-15 are the closest thing.
QUESTIONABLE_TAG = "R-15"


def rating(row) -> str:
    if int(row.x_restrict) > 0:
        return "explicit"  # R-18 and R-18G
    return "questionable" if QUESTIONABLE_TAG in list(row.tags) else "safe"


def category_of(tag: str, copyright: set[str], character: set[str]) -> str:
    if tag in copyright:
        return "copyright"
    return "character" if tag in character else "general"


def vocabulary(rows: pd.DataFrame, options: PixivOptions) -> dict[str, list[tuple[str, str]]]:
    """{category: [(tag, English translation or ""), ...]}, most frequent first (ties by tag).

    Frequencies count illusts, not pages (a 30-page manga is one vote); the translation is the
    first non-empty one seen.
    """
    copyright, character = set(options.tag_list("copyright")), set(options.tag_list("character"))
    excluded = set(options.exclude_tags)
    counts: dict[str, Counter] = {c: Counter() for c in CATEGORIES}
    english: dict[str, str] = {}
    for row in rows.drop_duplicates("illust_id").itertuples():
        for tag, en in zip(row.tags, row.tags_en):
            if tag in excluded:
                continue
            counts[category_of(tag, copyright, character)][tag] += 1
            if en and tag not in english:
                english[tag] = en
    top = {"general": options.top_general, "copyright": options.top_copyright,
           "character": options.top_character}
    vocab = {}
    for category in CATEGORIES:
        ranked = sorted((t for t, n in counts[category].items() if n >= options.min_count),
                        key=lambda t: (-counts[category][t], t))
        vocab[category] = [(t, english.get(t, "")) for t in ranked[: top[category]]]
    return vocab


def sample_tags(row, vocab: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """The row's tags that are in the vocabulary, per category, in vocabulary order."""
    present = set(row.tags)
    return {cat: [t for t, _ in pairs if t in present] for cat, pairs in vocab.items()}
