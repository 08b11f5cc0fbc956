"""Parsed annotations cached as parquet under data/cache/manga109/<version>/, keyed by file hash."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pandas as pd

from core.atomic import write_parquet

from .annotations import Book, Box, Page, parse_annotation

COLUMNS = ("row", "page", "width", "height", "kind", "id", "xmin", "ymin", "xmax", "ymax",
           "character", "text")


def cache_file(path: Path, version: str, cache_dir: Path) -> Path:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    return Path(cache_dir) / "manga109" / version / f"{Path(path).stem}-{digest}.parquet"


def load_book(path: Path, version: str, cache_dir: Path | None) -> Book:
    """The parsed book: from the cache when this exact file was parsed before."""
    if cache_dir is None:
        return parse_annotation(path)
    target = cache_file(path, version, cache_dir)
    if target.exists():
        return _read_cached(target)
    book = parse_annotation(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(target, _to_frame(book))
    return book


@functools.lru_cache(maxsize=128)
def _read_cached(target: Path) -> Book:
    # a cache file's name holds its source's hash, so it never changes: the datasets of one
    # refresh (pages, panels, faces) read each book once
    return _from_frame(pd.read_parquet(target))


def _to_frame(book: Book) -> pd.DataFrame:
    rows = [("book", -1, book.unknown_elements, 0, "", book.title, 0, 0, 0, 0, None, None)]
    rows += [("character", -1, 0, 0, "", cid, 0, 0, 0, 0, None, name)
             for cid, name in book.characters.items()]
    for page in book.pages:
        rows.append(("page", page.index, page.width, page.height, "", "", 0, 0, 0, 0, None, None))
        rows += [("box", page.index, 0, 0, b.kind, b.id, b.xmin, b.ymin, b.xmax, b.ymax,
                  b.character, b.text) for b in page.boxes]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _from_frame(frame: pd.DataFrame) -> Book:
    head = frame[frame["row"] == "book"].iloc[0]
    characters = {r.id: r.text for r in frame[frame["row"] == "character"].itertuples()}
    boxes = frame[frame["row"] == "box"]
    pages = []
    for row in frame[frame["row"] == "page"].itertuples():
        on_page = boxes[boxes["page"] == row.page]
        pages.append(Page(index=int(row.page), width=int(row.width), height=int(row.height),
                          boxes=tuple(Box(kind=b.kind, id=b.id, xmin=int(b.xmin),
                                          ymin=int(b.ymin), xmax=int(b.xmax), ymax=int(b.ymax),
                                          character=_optional(b.character),
                                          text=_optional(b.text))
                                      for b in on_page.itertuples())))
    return Book(title=head.id, characters=characters, pages=tuple(pages),
                unknown_elements=int(head.width))


def _optional(value) -> str | None:
    """parquet gives NaN for a missing string in a column that also holds strings."""
    return value if isinstance(value, str) else None
