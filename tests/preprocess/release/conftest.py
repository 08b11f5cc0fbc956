"""Fixtures for the release-writer tests: a small image folder with known good and bad files."""
from __future__ import annotations

import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from PIL import Image

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from replicas.shapes import generate_shapes

PER_CLASS = 12
BAD_FILES = {"circle/corrupt.jpg": "undecodable", "square/empty.jpg": "empty_file",
             "triangle/bomb.png": "too_many_pixels"}
DUPLICATE = "cross/zz_copy_of_cross00000.jpg"  # of cross00000: the first written is kept


def bomb_png() -> bytes:
    """A 20,000 x 20,000 image that compresses to a few kilobytes (1-bit PNG)."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000), 0).save(buffer, "PNG")
    return buffer.getvalue()


def make_folder(root: Path, bomb: bytes) -> Path:
    """Shapes (4 classes x PER_CLASS) plus a corrupt JPEG, a zero-byte file, a bomb, a duplicate."""
    generate_shapes(root, per_class=PER_CLASS, seed=1)
    good = (root / "circle" / "circle00001.jpg").read_bytes()
    (root / "circle" / "corrupt.jpg").write_bytes(good[: len(good) // 3] + b"\x00" * 50)
    (root / "square" / "empty.jpg").write_bytes(b"")
    (root / "triangle" / "bomb.png").write_bytes(bomb)
    shutil.copyfile(root / "cross" / "cross00000.jpg", root / DUPLICATE)
    return root


def build(folder: Path, releases_root: Path, workers: int = 1, dataset: str = "shapes",
          **spec_changes):
    options = FolderOptions(size=(48, 48))
    spec = folder_spec(folder, dataset, "1", options)
    if spec_changes:
        from dataclasses import replace
        spec = replace(spec, **spec_changes)
    return build_release(spec, plan_folder(folder, dataset, options), render_file,
                         releases_root=releases_root, workers=workers, progress=False)


def total_items() -> int:
    return 4 * PER_CLASS + len(BAD_FILES) + 1


@pytest.fixture(scope="session")
def tools():
    """The helpers above, for tests (tests/ is not a package, so they cannot be imported)."""
    return SimpleNamespace(build=build, make_folder=make_folder, bomb_png=bomb_png,
                           total_items=total_items, BAD_FILES=BAD_FILES, DUPLICATE=DUPLICATE,
                           PER_CLASS=PER_CLASS)


@pytest.fixture(scope="session")
def bomb():
    return bomb_png()


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory, bomb):
    return make_folder(tmp_path_factory.mktemp("folder") / "shapes", bomb)


@pytest.fixture(scope="session")
def release(image_folder, tmp_path_factory):
    return build(image_folder, tmp_path_factory.mktemp("releases"), workers=2)


# A release whose labels are ids named in the samples' metadata (Japanese tags with English
# translations, characters behind `Title:id` labels, ids sharing an 18-character prefix) and
# whose first samples of every split carry an empty list (HF `datasets` would infer `null`).
NAMED_TAGS = {"猫": "cat", "剣": "sword", "青空": "blue sky"}
NAMED_CHARACTERS = {"InkTitle02:00000001": "浦島", "InkTitle02:00000003": "Momotaro"}


def _named_item(index: int, split: str):
    from preprocess.images import encode_image
    from preprocess.release.samples import Sample

    tags = list(NAMED_TAGS)[index % 3:index % 3 + 1 + index % 2]
    character = list(NAMED_CHARACTERS)[index % 2]
    colour = (40 * (index % 6), 255 - 30 * (index % 8), 90)
    image = Image.new("RGB", (40, 32), colour)
    return Sample(
        key=f"named_{split}_{index:03d}", split=split, image=encode_image(image),
        labels={"character": character, "tags": tags},
        meta={"character_id": character.split(":")[1],
              "character_name": NAMED_CHARACTERS[character],
              "tags": tags, "tags_en": [NAMED_TAGS[t] for t in tags],
              # empty in the first six samples of each split, text later (bug 4)
              "parse_flags": [] if index < 6 else ["ambiguous_team"]},
        width=40, height=32)


def _render_named(payload):
    index, split = payload
    return [_named_item(index, split)]


def build_named(releases_root: Path, per_split: int = 9):
    from preprocess.release import ReleaseSpec
    from preprocess.release.samples import Unit

    spec = ReleaseSpec(dataset="named", version="1", splits=("train", "val", "test"),
                       label_sets={"character": tuple(NAMED_CHARACTERS),
                                   "tags": tuple(NAMED_TAGS)},
                       cls_label_set="character", multi_label_sets=("tags",),
                       description="Named labels", license="cc-by-4.0", min_shards_per_split=2,
                       # key order: the empty parse_flags must come first (bug 4), and the
                       # viewer tests name rows by position
                       order_seed=None)
    units = [Unit(id=f"named_{split}_{i:03d}", keys=[(f"named_{split}_{i:03d}", split)],
                  payload=(i, split)) for split in spec.splits for i in range(per_split)]
    return build_release(spec, units, _render_named, releases_root=releases_root, workers=1,
                         progress=False)


@pytest.fixture(scope="session")
def named_release(tmp_path_factory):
    return build_named(tmp_path_factory.mktemp("named")).path
