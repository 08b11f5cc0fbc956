"""Pixiv dataset definitions (data_manifests/pixiv-*.toml) as frozen dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.definitions import choose, manifests_dir, read_options

from .splits import METHODS

RESIZE_MODES = ("squash", "center_crop", "border")
KINDS = ("artists", "tags")


@dataclass(frozen=True)
class PixivOptions:
    dataset: str
    version: str
    kind: str
    size: tuple[int, int]
    resize_mode: str = "center_crop"
    quadrants: bool = False
    per_artist: int = 200
    min_per_artist: int = 1
    users: tuple[int, ...] = ()
    max_x_restrict: int = 0
    keep_ai: bool = False
    uniform_fraction: float = 0.95
    white_level: int = 240
    black_level: int = 15
    top_general: int = 512
    top_copyright: int = 256
    top_character: int = 256
    min_count: int = 1
    copyright_file: str = ""
    character_file: str = ""
    exclude_tags: tuple[str, ...] = ()
    seed: int = 0
    split_method: str = "balanced"   # balanced | hash (preprocess/pixiv/splits.py)
    splits: tuple[tuple[str, float], ...] = (("train", 0.8), ("val", 0.1), ("test", 0.1))
    description: str = ""
    license: str = ""
    share: str = "metadata-only"  # Pixiv's terms: images are not ours to redistribute
    definition: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str, **overrides) -> "PixivOptions":
        arguments = read_options(name, cls, overrides)
        splits = arguments.pop("splits", {})  # {name: fraction} in the file, pairs here
        if splits:
            arguments["splits"] = tuple((str(k), float(v)) for k, v in splits.items())
        options = cls(**arguments)
        choose("kind", options.kind, KINDS)
        choose("resize_mode", options.resize_mode, RESIZE_MODES)
        choose("max_x_restrict", options.max_x_restrict, (0, 1, 2))
        choose("split_method", options.split_method, METHODS)
        if abs(sum(f for _, f in options.splits) - 1.0) > 1e-6 or any(
                f < 0 for _, f in options.splits):
            raise ValueError(f"split fractions must be >= 0 and sum to 1, got {options.splits}")
        if not 0.5 < options.uniform_fraction <= 1.0:
            raise ValueError(f"uniform_fraction must be in (0.5, 1], not {options.uniform_fraction}")
        return options

    @property
    def split_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.splits)

    def tag_list(self, which: str) -> tuple[str, ...]:
        """The copyright or character tag list (data_manifests/pixiv/*.txt), `#` lines skipped."""
        name = choose("tag list", which, ("copyright", "character"))
        relative = getattr(self, f"{name}_file")
        if not relative:
            return ()
        lines = (manifests_dir() / relative).read_text(encoding="utf-8").splitlines()
        return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
