"""Plan the three Manga109 datasets: pages, panels and faces, as render units and dropped rows."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from PIL import Image

from preprocess.near_duplicates import DEFAULT_RADIUS
from preprocess.release import Dropped, ReleaseSpec, Unit

from .annotations import AnnotationError, Book, Box, Page, annotation_path, read_books
from .cache import load_book
from .linking import unify_page_splits
from .crops import render_image
from .options import Manga109Options
from .root import check_root
from .planners import (_face_crops, _page_crops, _panel_crops, image_drops, key_title,
                       qualifying_characters, without_bad_boxes)
from .splits import splits_of
from .spreads import PageSkipped, scaled_boxes

log = logging.getLogger(__name__)
render = render_image  # the render function build_release runs in its workers


@dataclass(frozen=True)
class ImageInfo:
    title: str
    index: int
    path: Path
    width: int
    height: int
    boxes: tuple[Box, ...]


def select_titles(root: Path, options: Manga109Options) -> list[str]:
    titles = read_books(root)
    if options.kind == "faces":
        return titles
    if options.title_order == "list":
        missing = sorted(set(options.titles) - set(titles))
        if missing:
            raise ValueError(f"titles {missing} are not in {root / 'books.txt'}")
        return list(options.titles)
    if options.title_order == "casefold":
        titles = sorted(titles, key=str.casefold)
    return titles[: options.title_count]


def iter_images(root: Path, title: str, book: Book) -> Iterator[ImageInfo | tuple[Page, str, str]]:
    """Each image with its boxes in real-image coordinates, or (page, reason, detail)."""
    for page in book.pages:
        path = Path(root) / "images" / title / f"{page.index:03d}.jpg"
        try:
            with Image.open(path) as image:  # header only: the real size, no pixels decoded
                width, height, kind = *image.size, image.format
            if kind != "JPEG":  # the release's pages are JPEGs: anything else is a damaged copy
                yield page, "not_jpeg", f"{path}: {kind} data"
                continue
            boxes = scaled_boxes(page, width, height)
        except FileNotFoundError:
            yield page, "missing_image", str(path)
            continue
        except PageSkipped as skipped:
            yield page, skipped.reason, str(skipped)
            continue
        except OSError as error:
            yield page, "undecodable", f"{path}: {error}"
            continue
        yield ImageInfo(title, page.index, path, width, height, boxes)


def plan(root: Path, options: Manga109Options, cache_dir: Path | None = None
         ) -> tuple[ReleaseSpec, list[Unit | Dropped]]:
    """The release spec and every unit and dropped item of one Manga109 dataset.

    With `cache_dir`, parsed annotations are cached there (keyed by version and file hash).
    """
    root = Path(root)
    layout = check_root(root, options.annotation_version)
    books: dict[str, Book] = {}
    items: list[Unit | Dropped] = []
    for title in select_titles(root, options):
        path = annotation_path(root, title, options.annotation_version)
        try:  # the flows refuse a broken annotation up front (root.check_annotations)
            book = load_book(path, options.annotation_version, cache_dir)
            if book.title != title:  # keys, labels and splits follow books.txt and images/
                log.warning("%s: <book title=%r> differs from its books.txt name; using %r",
                            title, book.title, title)
                book = replace(book, title=title)
            books[title], bad_boxes = without_bad_boxes(options, title, book)
            items.extend(bad_boxes)
        except AnnotationError as error:
            log.warning("skipping title %s: %s", title, error)
            items.append(Dropped(key=f"m109-{key_title(title)}", split=None, status="failed",
                                 reason=f"annotation_error: {error}",
                                 source_ids={"title": title}))
    if options.kind == "faces":
        labels = qualifying_characters(books, options)
        label_sets = {"character": tuple(sorted(labels))}
    else:
        labels = {}
        label_sets = {"artist": tuple(select_titles(root, options))}
    planner = {"pages": _page_crops, "panels": _panel_crops, "faces": _face_crops}[options.kind]
    for title, book in books.items():
        for info in iter_images(root, title, book):
            if isinstance(info, tuple):
                items.extend(image_drops(options, title, book, *info))
                continue
            crops, drops = planner(options, book, info, labels)
            items.extend(drops)
            if crops:
                items.append(Unit(id=f"{key_title(title)}-i{info.index:03d}",
                                  keys=[(c.key, c.split) for c in crops],
                                  payload=(str(info.path), "L" if options.kind != "faces"
                                           else "RGB", options.resize_mode, tuple(crops))))
    if options.split == "random_page" and options.near_duplicate_splits == "group":
        # title splits are pinned (reported in the release); a page split can keep groups whole
        items = unify_page_splits(items, DEFAULT_RADIUS)
    spec = ReleaseSpec(
        dataset=options.dataset, version=options.version, splits=splits_of(options),
        label_sets=label_sets, cls_label_set=next(iter(label_sets)),
        has_text=options.kind == "faces", definition=options.definition,
        description=options.description, license=options.definition.get("license", ""),
        attribution="Manga109 (Aizawa Yamasaki Matsui Lab., The University of Tokyo)",
        source_snapshot={"manga109_root": str(root), "books": len(layout.titles),
                         "annotation_version": options.annotation_version,
                         "annotation_folder": layout.annotation_folder,
                         "annotation_folders_found": list(layout.annotation_folders)})
    return spec, items
