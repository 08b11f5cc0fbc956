"""Readable names for label ids, taken from the samples' own metadata, and short unique tick text.

A label is often an id (`InkTitle02:00000001`, a Pixiv user id); the sample's .json names it
(`character_name`, `user_name`), and Pixiv tags carry their English translation (`tags_en`).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

# (id field, name field): a label equal to the id, or ending in ":<id>", is named by the name field
ID_NAME_FIELDS = (("character_id", "character_name"), ("user_id", "user_name"))
# (original list, translation list), index-aligned: `猫` with `cat` shows as `猫 (cat)`
TRANSLATED_LISTS = (("tags", "tags_en"),)


def _names_in(meta: Mapping[str, Any], label: str) -> str | None:
    for id_field, name_field in ID_NAME_FIELDS:
        ident, name = meta.get(id_field), meta.get(name_field)
        if ident is None or not name:
            continue
        if label == str(ident) or label.endswith(f":{ident}"):
            return str(name)
    for original, translated in TRANSLATED_LISTS:
        values, english = meta.get(original) or [], meta.get(translated) or []
        if label in values:
            index = values.index(label)
            if index < len(english) and english[index] and english[index] != label:
                return f"{label} ({english[index]})"
            return None
    return None


def display_names(label_sets: Mapping[str, Sequence[str]],
                  samples: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]
                  ) -> dict[str, dict[str, str]]:
    """{label set: {label: display name}} for every label, from (labels, meta) pairs.

    A label no sample names keeps its own text; two labels with the same name (two titles'
    characters both called "Mother") get the label in brackets, so names stay unique.
    """
    found: dict[str, dict[str, str]] = {name: {} for name in label_sets}
    for labels, meta in samples:
        for set_name, value in labels.items():
            if set_name not in found:
                continue
            for label in value if isinstance(value, (list, tuple)) else [value]:
                if label is not None and label not in found[set_name]:
                    name = _names_in(meta, str(label))
                    if name:
                        found[set_name][label] = name
    result = {}
    for set_name, labels in label_sets.items():
        named = {label: found[set_name].get(label, str(label)) for label in labels}
        taken: dict[str, int] = {}
        for shown in named.values():
            taken[shown] = taken.get(shown, 0) + 1
        result[set_name] = {label: (shown if taken[shown] == 1 or shown == label
                                    else f"{shown} [{label}]")
                            for label, shown in named.items()}
    return result


def short_unique(texts: Sequence[str], width: int = 18) -> list[str]:
    """Each text cut to `width` characters for a tick label, keeping cut texts distinct: the cut
    keeps the head and the tail (`InkTitle0…00000001`), the tail growing until no two collide."""
    texts = [str(t) for t in texts]
    for tail in range(0, width - 1):
        shown = [t if len(t) <= width else
                 (t[:width - 1 - tail] + "…" + (t[-tail:] if tail else "")) for t in texts]
        if len(set(shown)) == len(set(texts)):
            return shown
    return [f"{t[:width - 4]}…#{i}" for i, t in enumerate(texts, 1)]
