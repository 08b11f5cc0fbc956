"""Check a Manga109 root before any work: what it must hold, and which annotation folder is read."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import InksetError

from .annotations import annotation_folder, read_books, versioned_folders
from .cache import load_book

EXPECTED = ("expected an unpacked Manga109 release: books.txt, annotations/<title>.xml "
            "(or dated annotations.vYYYY.MM.DD/ folders) and images/<title>/NNN.jpg")
SHOWN = 5  # titles named in a message; the count says how many more


class RootError(InksetError):
    """A folder that is not a usable Manga109 root; the message names it and what is missing."""


@dataclass(frozen=True)
class Layout:
    root: Path
    titles: tuple[str, ...]
    annotation_folder: str               # the folder read, e.g. annotations or annotations.v2020.12.18
    annotation_folders: tuple[str, ...]  # every annotation folder found beside it


def check_root(root: Path, version: str = "current") -> Layout:
    """The root's layout, or RootError naming the root and what it lacks."""
    root = Path(root)
    if not root.exists():
        raise RootError(f"Manga109 root {root} does not exist; {EXPECTED}")
    if not root.is_dir():
        raise RootError(f"Manga109 root {root} is a file, not a folder; {EXPECTED}")
    if not any(root.iterdir()):
        raise RootError(f"Manga109 root {root} is empty; {EXPECTED}")
    folder = annotation_folder(root, version)
    missing = [name for name, present in (("books.txt", (root / "books.txt").is_file()),
                                          (f"{folder}/", (root / folder).is_dir()),
                                          ("images/", (root / "images").is_dir())) if not present]
    if missing:
        raise RootError(f"Manga109 root {root} has no {', no '.join(missing)}: it is not a "
                        f"Manga109 root; {EXPECTED}")
    titles = tuple(read_books(root))
    if not titles:
        raise RootError(f"{root / 'books.txt'} lists no title; {EXPECTED}")
    no_xml = [t for t in titles if not (root / folder / f"{t}.xml").is_file()]
    no_images = [t for t in titles if not (root / "images" / t).is_dir()]
    problems = [f"{len(found)} title(s) of books.txt have no {what}: {_some(found)}"
                for found, what in ((no_xml, f"annotation file {folder}/<title>.xml"),
                                    (no_images, "image folder images/<title>/")) if found]
    if problems:
        raise RootError(f"Manga109 root {root}: {'; '.join(problems)} (an incomplete copy?)")
    found = tuple(f for f in ("annotations", *versioned_folders(root)) if (root / f).is_dir())
    return Layout(root, titles, folder, found)


def check_annotations(layout: Layout, version: str, cache_dir: Path | None) -> None:
    """Parse every title's annotation once (into the cache, so the build reads it from there):
    a file that is not well-formed XML or not the Manga109 schema stops here, named."""
    for title in layout.titles:
        load_book(layout.root / layout.annotation_folder / f"{title}.xml", version, cache_dir)


def _some(titles: list[str]) -> str:
    more = f" and {len(titles) - SHOWN} more" if len(titles) > SHOWN else ""
    return ", ".join(titles[:SHOWN]) + more
