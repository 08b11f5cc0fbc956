"""Manga109 dataset definitions (data_manifests/manga109-*.toml) as frozen dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.definitions import choose, read_options
from preprocess.images import RESIZE_MODES

TITLE_ORDERS = ("books", "casefold", "list")
PAGE_SPLITS = ("random_page", "title_holdout")
FACE_SPLITS = ("title_lists", "title_hash")


@dataclass(frozen=True)
class Manga109Options:
    dataset: str
    version: str
    kind: str                                  # pages | panels | faces
    size: tuple[int, int]
    resize_mode: str = "center_crop"
    annotation_version: str = "current"
    title_order: str = "books"                 # pages/panels: which 8 titles
    titles: tuple[str, ...] = ()               # title_order = "list"
    title_count: int = 8
    split: str = "random_page"
    seed: int = 0
    test_fraction: float = 0.2
    near_duplicate_splits: str = "group"       # random_page: group (pages linked by
    #   near-duplicate crops share a split) | report (left in place, listed in the release)
    holdout_titles: tuple[str, ...] = ()
    min_frame_side: int = 256
    min_face_side: int = 30
    face_enlarge: float = 2.0
    min_faces_per_character: int = 10
    split_lists: dict = field(default_factory=dict)   # split name -> title list file; "rest"
    eval_subset: str = ""                             # title list file marked in sample .json
    description: str = ""
    definition: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str, **overrides) -> "Manga109Options":
        options = cls(**read_options(name, cls, overrides))
        choose("kind", options.kind, ("pages", "panels", "faces"), name)
        choose("resize_mode", options.resize_mode, RESIZE_MODES, name)
        choose("title_order", options.title_order, TITLE_ORDERS, name)
        choose("split", options.split, PAGE_SPLITS + FACE_SPLITS, name)
        choose("near_duplicate_splits", options.near_duplicate_splits, ("group", "report"), name)
        return options
