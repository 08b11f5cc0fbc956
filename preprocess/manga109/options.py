"""Manga109 dataset definitions (data_manifests/manga109-*.toml) as frozen dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.definitions import (DATASET_KEYS, check_keys, choose, option_names,
                                    read_definition, recorded)
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
        raw = read_definition(name)
        check_keys(name, "", raw, DATASET_KEYS)
        check_keys(name, "options", raw.get("options", {}), option_names(cls))
        values = {**raw.get("options", {}), **overrides}
        options = cls(dataset=raw["dataset"], version=str(raw["version"]), kind=raw["kind"],
                      size=tuple(values.pop("size")), description=raw.get("description", ""),
                      definition={**recorded(raw),
                                  "options": {**raw.get("options", {}), **overrides}},
                      **{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
        choose("kind", options.kind, ("pages", "panels", "faces"))
        choose("resize_mode", options.resize_mode, RESIZE_MODES)
        choose("title_order", options.title_order, TITLE_ORDERS)
        choose("split", options.split, PAGE_SPLITS + FACE_SPLITS)
        return options
