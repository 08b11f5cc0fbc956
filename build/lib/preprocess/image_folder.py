"""A release from an image folder `<root>/<class>/<name>.<ext>`: the simplest complete stage."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.definitions import choose
from preprocess.images import (RESIZE_MODES, ImageError, decode_image, encode_image, resize_image,
                               sha256_hex)
from preprocess.release import Dropped, ReleaseSpec, Sample, Unit, check_key

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
        return cls(size=tuple(images.get("size", (64, 64))),
                   resize_mode=choose("images.resize_mode",
                                      images.get("resize_mode", "center_crop"), RESIZE_MODES),
                   test_fraction=float(split.get("test_fraction", 0.2)))


def folder_key(prefix: str, path: Path) -> str:
    """A stable key from the class folder and file stem, made key-safe."""
    raw = f"{prefix}-{path.parent.name}-{path.stem}"
    safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in raw)[:100]
    return check_key(safe)


def split_of(group: str, test_fraction: float) -> str:
    """A deterministic split from a group id (here: the file), independent of input order."""
    bucket = int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test_fraction else "train"


def plan_folder(root: Path, prefix: str, options: FolderOptions) -> Iterator[Unit | Dropped]:
    for path in sorted(Path(root).glob("*/*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        key = folder_key(prefix, path)
        split = split_of(f"{path.parent.name}/{path.name}", options.test_fraction)
        yield Unit(id=key, keys=[(key, split)], payload=(str(path), key, split, options))


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
                   dedup=sha256_hex(data))]


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
