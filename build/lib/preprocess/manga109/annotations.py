"""Parse Manga109 annotation XML (the official schema) into frozen dataclasses, refusing entities."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

from core.errors import InksetError

BOX_KINDS = ("frame", "face", "body", "text")
ANNOTATION_DIRS = {"current": "annotations", "v2018.05.31": "annotations.v2018.05.31",
                   "v2020.12.18": "annotations.v2020.12.18"}
# Titles name files and folders: anything else (a path, "..") is refused before any file is opened.
TITLE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.'()-]*")
OTHER_NAMES = {"other", "others", "theother", "theothers"}


class AnnotationError(InksetError, ValueError):
    """An annotation file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Box:
    kind: str            # frame | face | body | text
    id: str
    xmin: int
    ymin: int
    xmax: int
    ymax: int
    character: str | None = None   # face and body
    text: str | None = None        # text

    @property
    def area(self) -> int:
        return max(0, self.xmax - self.xmin) * max(0, self.ymax - self.ymin)


@dataclass(frozen=True)
class Page:
    index: int
    width: int
    height: int
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class Book:
    title: str
    characters: dict[str, str]    # id -> name
    pages: tuple[Page, ...]
    unknown_elements: int = 0     # elements outside the schema (kept out, counted)

    def counts(self) -> dict[str, int]:
        counts = Counter(box.kind for page in self.pages for box in page.boxes)
        return {"pages": len(self.pages), "characters": len(self.characters),
                **{kind: counts.get(kind, 0) for kind in BOX_KINDS}}


def is_other(name: str) -> bool:
    """The catch-all 'Other' characters, whatever the spelling (Others, the other, full width)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split()) in OTHER_NAMES


def check_title(title: str, source: str) -> str:
    if not TITLE_PATTERN.fullmatch(title) or ".." in title:
        raise AnnotationError(f"{source}: title {title!r} is not a plain title name")
    return title


def read_books(root: Path) -> list[str]:
    """The titles of books.txt in the release's own order; a bad line is an error naming it."""
    path = Path(root) / "books.txt"
    titles = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
              if line.strip()]
    return [check_title(title, str(path)) for title in titles]


def annotation_path(root: Path, title: str, version: str = "current") -> Path:
    return Path(root) / annotation_folder(root, version) / f"{check_title(title, 'title')}.xml"


def versioned_folders(root: Path) -> list[str]:
    """The dated annotation folders of the newer downloads (annotations.vYYYY.MM.DD), oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.glob("annotations.v*") if p.is_dir())


def annotation_folder(root: Path, version: str = "current") -> str:
    """The folder `version` reads: "current" is annotations/, or the newest dated folder when a
    release has only dated ones; "vYYYY.MM.DD" is annotations.vYYYY.MM.DD/."""
    found = versioned_folders(root)
    if version == "current":
        if (Path(root) / "annotations").is_dir() or not found:
            return "annotations"
        return found[-1]
    name = ANNOTATION_DIRS.get(version, f"annotations.{version}")
    if name not in ANNOTATION_DIRS.values() and name not in found:
        known = sorted(set(ANNOTATION_DIRS) | {f.removeprefix("annotations.") for f in found})
        raise ValueError(f"annotation version must be one of {known}, not {version!r}")
    return name


def parse_annotation(path: Path) -> Book:
    """Parse one `<book>` file; entity declarations and broken XML raise AnnotationError."""
    try:
        root = parse(str(path), forbid_dtd=True).getroot()
    except (ParseError, DefusedXmlException) as error:
        raise AnnotationError(f"{path}: {type(error).__name__}: {error}") from None
    except OSError as error:
        raise AnnotationError(f"{path}: {error}") from None
    if root.tag != "book":
        raise AnnotationError(f"{path}: root element is <{root.tag}>, expected <book> "
                              f"(the Manga109 annotation schema)")
    if root.find("pages") is None:
        raise AnnotationError(f"{path}: <book> has no <pages>: not the Manga109 annotation schema")
    characters = {c.get("id"): c.get("name", "") for c in root.iterfind("characters/character")}
    pages, unknown = [], 0
    for page in root.iterfind("pages/page"):
        boxes = []
        for element in page:
            if element.tag not in BOX_KINDS:
                unknown += 1
                continue
            boxes.append(_box(element, path))
        pages.append(Page(index=_int(page, "index", path), width=_int(page, "width", path),
                          height=_int(page, "height", path), boxes=tuple(boxes)))
    return Book(title=root.get("title", ""), characters=characters, pages=tuple(pages),
                unknown_elements=unknown)


def _box(element, path: Path) -> Box:
    return Box(kind=element.tag, id=element.get("id", ""),
               xmin=_int(element, "xmin", path), ymin=_int(element, "ymin", path),
               xmax=_int(element, "xmax", path), ymax=_int(element, "ymax", path),
               character=element.get("character"),
               text=(element.text or "") if element.tag == "text" else None)


def _int(element, name: str, path: Path) -> int:
    value = element.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AnnotationError(f"{path}: <{element.tag} id={element.get('id')!r}> has "
                              f"{name}={value!r}, not an integer") from None
