"""Manga109 split rules: by image (seeded), by held-out titles, by title lists, by title hash."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from core.paths import project_root

from .options import Manga109Options


def _fraction(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def split_for(options: Manga109Options, title: str, image_index: int) -> str:
    if options.split == "title_holdout":
        return "test" if title in options.holdout_titles else "train"
    if options.split == "title_lists":
        # the first list naming the title decides; titles in no list form the `rest` split
        for split in options.split_lists:
            if split != "rest" and title in _title_list(options, split):
                return split
        return options.split_lists.get("rest", "test")
    if options.split == "title_hash":
        return "test" if _fraction(f"{options.seed}:{title}") < options.test_fraction else "train"
    group = f"{options.seed}:{title}:{image_index}"  # random_page: a whole image is one group
    return "test" if _fraction(group) < options.test_fraction else "train"


@functools.lru_cache(maxsize=64)
def _read_title_list(path: Path) -> frozenset[str]:
    return frozenset(line.strip() for line in path.read_text().splitlines()
                     if line.strip() and not line.startswith("#"))


def _title_list(options: Manga109Options, split: str) -> frozenset[str]:
    return _read_title_list(project_root() / options.split_lists[split])


def in_eval_subset(options: Manga109Options, title: str) -> bool | None:
    """Whether the title is in the marked evaluation subset (e.g. Yanagisawa's 11); None: none."""
    if not options.eval_subset:
        return None
    return title in _read_title_list(project_root() / options.eval_subset)


def splits_of(options: Manga109Options) -> tuple[str, ...]:
    """The release's split names: the title lists' own (plus `rest`), else train/test."""
    if options.split != "title_lists":
        return ("train", "test")
    names = [s for s in options.split_lists if s != "rest"]
    rest = options.split_lists.get("rest", "test")
    return tuple(names + ([rest] if rest not in names else []))
