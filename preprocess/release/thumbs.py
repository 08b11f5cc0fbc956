"""One pass over a release's shards: every sample's labels and metadata, and its thumbnail in a
sprite sheet (`thumbs-NNNNNN.jpg`, SHEET_SIDE x SHEET_SIDE cells) the card and the viewer share."""
from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from PIL import Image

from core import atomic

CELL = 96          # thumbnail cell, pixels (the image fits inside, centred)
SHEET_SIDE = 10    # cells per sheet side: 100 thumbnails a sheet
BACKGROUND = (246, 248, 250)


@dataclass
class ScannedRow:
    key: str
    split: str
    labels: dict[str, Any]
    meta: dict[str, Any]
    has_image: bool


@dataclass
class Scan:
    rows: list[ScannedRow] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)


def sheet_name(index: int) -> str:
    return f"thumbs-{index:06d}.jpg"


def thumb_place(row: int) -> tuple[str, int, int]:
    """(sheet file, x, y) of row `row`'s thumbnail."""
    cell = row % (SHEET_SIDE * SHEET_SIDE)
    return sheet_name(row // (SHEET_SIDE * SHEET_SIDE)), (cell % SHEET_SIDE) * CELL, \
        (cell // SHEET_SIDE) * CELL


def _thumbnail(data: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (CELL, CELL))  # JPEG: decode at a fraction of the size
        image = image.convert("RGB")
    except (OSError, ValueError):  # a preview: an unreadable image leaves an empty cell
        return None
    image.thumbnail((CELL, CELL))
    return image


def _samples(shard: Path, image_ext: str):
    """(key, meta, image bytes) per sample of one shard, in tar order."""
    current: dict[str, Any] = {}
    with tarfile.open(shard) as tar:
        for member in tar:
            key, _, ext = member.name.partition(".")
            if current and current["key"] != key:
                yield current
                current = {}
            current["key"] = key
            if ext in (image_ext, "json"):
                current[ext] = tar.extractfile(member).read()
    if current:
        yield current


class _SheetWriter:
    def __init__(self, release_dir: Path) -> None:
        self.release_dir, self.sheet, self.count, self.names = release_dir, None, 0, []

    def add(self, image: Image.Image | None) -> None:
        name, x, y = thumb_place(self.count)
        if self.sheet is None:
            self.sheet = Image.new("RGB", (SHEET_SIDE * CELL, SHEET_SIDE * CELL), BACKGROUND)
            self.names.append(name)
        if image is not None:
            self.sheet.paste(image, (x + (CELL - image.width) // 2, y + (CELL - image.height) // 2))
        self.count += 1
        if self.count % (SHEET_SIDE * SHEET_SIDE) == 0:
            self.flush()

    def flush(self) -> None:
        if self.sheet is not None:
            buffer = io.BytesIO()
            self.sheet.save(buffer, "JPEG", quality=82)
            atomic.write_bytes(self.release_dir / self.names[-1], buffer.getvalue())
            self.sheet = None


def scan_release(release_dir: Path, shards_by_split: Mapping[str, Sequence[str]],
                 image_ext: str) -> Scan:
    """Read every shard once, in split and shard order; write the thumbnail sheets."""
    sheets = _SheetWriter(release_dir)
    scan = Scan()
    for split, names in shards_by_split.items():
        for name in names:
            for sample in _samples(release_dir / name, image_ext):
                meta = json.loads(sample.get("json", b"{}"))
                image = _thumbnail(sample[image_ext]) if image_ext in sample else None
                sheets.add(image)
                scan.rows.append(ScannedRow(sample["key"], split, meta.get("labels") or {}, meta,
                                            image is not None))
    sheets.flush()
    scan.sheets = sheets.names
    return scan
