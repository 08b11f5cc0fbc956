"""A release from an image folder `<root>/<class>/<name>.<ext>`: the simplest complete stage."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.definitions import DefinitionError, choose, definition_path, value_problem
from core.errors import UsageError
from preprocess.images import (RESIZE_MODES, ImageError, decode_image, encode_image, resize_image,
                               sha256_hex)
from preprocess.perceptual import sample_hashes
from preprocess.release import Dropped, ReleaseSpec, Sample, Unit, check_key
from preprocess.splits import near_duplicate_links, unify_splits

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


@dataclass(frozen=True)
class FolderOptions:
    size: tuple[int, int] = (64, 64)
    resize_mode: str = "center_crop"
    test_fraction: float = 0.2
    max_pixels: int = 120_000_000

    @classmethod
    def from_definition(cls, definition: dict) -> "FolderOptions":
        images, split = definition.get("images", {}), definition.get("split", {})
        for key, annotation, value in (("size", "tuple[int, int]", images.get("size", (64, 64))),
                                       ("test_fraction", "float", split.get("test_fraction", 0.2))):
            problem = value_problem(key, annotation, value)
            if problem:
                where = definition_path(definition["dataset"]) if "dataset" in definition \
                    else "the image-folder definition"
                raise DefinitionError(f"{where}: {key} = {value!r}: {problem}")
        return cls(size=tuple(images.get("size", (64, 64))),
                   resize_mode=choose("images.resize_mode",
                                      images.get("resize_mode", "center_crop"), RESIZE_MODES),
                   test_fraction=float(split.get("test_fraction", 0.2)))


def folder_key(prefix: str, path: Path) -> str:
    """A stable key from the class folder and file stem, made key-safe (may collide: see
    folder_keys)."""
    raw = f"{prefix}-{path.parent.name}-{path.stem}"
    return "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in raw)[:100]


def folder_keys(prefix: str, paths: list[Path]) -> dict[Path, str]:
    """A distinct valid key for every file: `<prefix>-<class>-<stem>` where that is already a
    key and no other file's; otherwise (a non-ASCII or unsafe name, `x.jpg` beside `x.png`,
    `a b.jpg` beside `a_b.jpg`, a name over 100 characters) the key-safe name, shortened, with
    8 hex digits of the sha256 of the file's `<class>/<name>`: stable across runs and orders."""
    plain = {path: folder_key(prefix, path) for path in paths}
    taken = Counter(plain.values())
    keys = {}
    for path, key in plain.items():
        if key == f"{prefix}-{path.parent.name}-{path.stem}" and taken[key] == 1:
            keys[path] = key
        else:
            digest = hashlib.sha256(f"{path.parent.name}/{path.name}".encode()).hexdigest()
            keys[path] = f"{key[:91]}-{digest[:8]}"
    if len(set(keys.values())) < len(keys):  # a hashed key equal to another file's plain one
        raise UsageError(f"{paths[0].parent.parent}: file names whose keys collide even with a "
                         f"hash suffix; rename one of them")
    return {path: check_key(key) for path, key in keys.items()}


def folder_files(root: Path, follow_symlinks: bool = False) -> list[Path]:
    """The images `<root>/<class>/<name>`, sorted; a symlink (class folder or file) that leads
    out of the root is refused, naming it, unless `follow_symlinks`."""
    root = Path(root)
    inside = root.resolve()
    files = []
    for path in sorted(root.glob("*/*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        target = path.resolve()
        if not follow_symlinks and not target.is_relative_to(inside):
            raise UsageError(f"{path}: a symlink leading out of {root} (to {target}); "
                             f"pass --follow-symlinks to read it")
        files.append(path)
    return files


def split_of(group: str, test_fraction: float) -> str:
    """A deterministic split from a group id (here: the file), independent of input order."""
    bucket = int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test_fraction else "train"


def plan_folder(root: Path, prefix: str, options: FolderOptions, follow_symlinks: bool = False
                ) -> Iterator[Unit | Dropped]:
    """A unit per image file; files that are near-duplicates of each other share one split."""
    paths = folder_files(root, follow_symlinks)
    keys = folder_keys(prefix, paths)
    files = [f"{path.parent.name}/{path.name}" for path in paths]
    splits = unify_splits({f: split_of(f, options.test_fraction) for f in files},
                          near_duplicate_links(paths, files))
    for path, file in zip(paths, files):
        key = keys[path]
        yield Unit(id=key, keys=[(key, splits[file])], payload=(str(path), key, splits[file],
                                                                 options))


def render_file(payload: tuple[str, str, str, FolderOptions]) -> list[Sample | Dropped]:
    path, key, split, options = payload
    label = Path(path).parent.name
    source_ids = {"file": f"{label}/{Path(path).name}"}
    data = Path(path).read_bytes()
    try:
        image = decode_image(data, mode="RGB", max_pixels=options.max_pixels,
                             target_size=options.size, name=path)
    except ImageError as error:
        return [Dropped(key=key, split=split, status="failed", reason=error.reason,
                        labels={"class": label}, source_ids=source_ids)]
    original = image.size
    image = resize_image(image, options.size, options.resize_mode)
    return [Sample(key=key, split=split, image=encode_image(image), labels={"class": label},
                   meta={"file": Path(path).name}, source_sha256=sha256_hex(data),
                   source_ids=source_ids, width=image.width,
                   height=image.height, original_width=original[0], original_height=original[1],
                   dedup=sha256_hex(data), **sample_hashes(image))]


def folder_spec(root: Path, dataset: str, version: str, options: FolderOptions,
                definition: dict | None = None) -> ReleaseSpec:
    classes = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
    definition = definition or {}
    return ReleaseSpec(
        dataset=dataset, version=version, splits=("train", "test"),
        label_sets={"class": tuple(classes)}, cls_label_set="class",
        definition={**definition, "source": "image-folder", "classes": classes,
                    "size": list(options.size), "resize_mode": options.resize_mode,
                    "test_fraction": options.test_fraction},
        description=definition.get("description",
                                   f"Images of {Path(root).name}, one class per folder."),
        license=definition.get("license", ""),
        source_snapshot={"root": str(root)})
