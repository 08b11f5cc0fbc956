"""Per-dataset crop planning for one image: page halves, frames, faces with their frame's text."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from preprocess.release import Dropped

from .annotations import Book, Box, Page, is_other
from .crops import Crop
from .options import Manga109Options
from .splits import in_eval_subset, split_for
from .spreads import clip_box, half_of, halves

def key_title(title: str) -> str:
    """A title made key-safe, deterministically: characters outside [A-Za-z0-9_-] become '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", title)


def page_key(title: str, index: int, side: str) -> str:
    return f"m109-{key_title(title)}-i{index:03d}" + (f"-{side}" if side else "")


def box_key(title: str, box: Box) -> str:
    return f"m109-{key_title(title)}-{box.kind}-{box.id}"


def _meta(options, book: Book, info, side: str, box, character_id=None, character_name=None,
          box_id=None) -> dict[str, Any]:
    """One schema for every sample of every Manga109 dataset (null where it does not apply)."""
    return {"title": book.title, "image_index": info.index, "half": side or None,
            "eval_subset": in_eval_subset(options, book.title),
            "box": list(box), "box_id": box_id, "character_id": character_id,
            "character_name": character_name, "annotation_version": options.annotation_version,
            "image_width": info.width, "image_height": info.height}


def _page_crops(options, book, info, labels):
    split = split_for(options, book.title, info.index)
    crops = []
    for half in halves(info.width, info.height):
        box = (half.x0, 0, half.x0 + half.width, half.height)
        crops.append(Crop(key=page_key(book.title, info.index, half.side), split=split, box=box,
                          size=options.size, labels={"artist": book.title},
                          meta=_meta(options, book, info, half.side, box),
                          source_ids={"title": book.title, "image": info.index}))
    return crops, []


def _panel_crops(options, book, info, labels):
    split = split_for(options, book.title, info.index)
    parts = halves(info.width, info.height)
    crops, drops = [], []
    for frame in (b for b in info.boxes if b.kind == "frame"):
        key = box_key(book.title, frame)
        ids = {"title": book.title, "image": info.index, "frame": frame.id}
        clipped = clip_box(frame, info.width, info.height)
        if clipped is None:
            drops.append(Dropped(key, split, "filtered", "empty_or_outside_image", source_ids=ids))
            continue
        w, h = clipped.xmax - clipped.xmin, clipped.ymax - clipped.ymin
        if min(w, h) < options.min_frame_side:
            drops.append(Dropped(key, split, "filtered", "frame_too_small", source_ids=ids))
            continue
        # the seed's panel format: the central size[0] x size[1] region, no rescaling
        cx, cy = (clipped.xmin + clipped.xmax) // 2, (clipped.ymin + clipped.ymax) // 2
        box = (cx - options.size[0] // 2, cy - options.size[1] // 2,
               cx - options.size[0] // 2 + options.size[0], cy - options.size[1] // 2 + options.size[1])
        side = half_of(clipped, parts).side
        crops.append(Crop(key=key, split=split, box=box, size=options.size,
                          labels={"artist": book.title}, source_ids=ids,
                          meta=_meta(options, book, info, side, (clipped.xmin, clipped.ymin,
                                     clipped.xmax, clipped.ymax), box_id=frame.id)))
    return crops, drops


def qualifying_characters(books: dict[str, Book], options: Manga109Options) -> set[str]:
    """'title:id' of characters with at least min_faces_per_character usable faces, not Other."""
    counts: Counter = Counter()
    for title, book in books.items():
        for page in book.pages:
            for face in (b for b in page.boxes if b.kind == "face"):
                name = book.characters.get(face.character or "")
                if name is not None and not is_other(name) and _face_side(face) >= options.min_face_side:
                    counts[f"{title}:{face.character}"] += 1
    return {c for c, n in counts.items() if n >= options.min_faces_per_character}


def _face_side(face: Box) -> int:
    return min(face.xmax - face.xmin, face.ymax - face.ymin)


def frame_text(face: Box, boxes: tuple[Box, ...]) -> tuple[str | None, str]:
    """The smallest frame holding the face's centre, and its texts in reading order.

    Reading order: right to left, then top to bottom (text boxes' right edges, then tops).
    No frame holds the centre: (None, "").
    """
    cx, cy = (face.xmin + face.xmax) / 2, (face.ymin + face.ymax) / 2
    holding = [b for b in boxes if b.kind == "frame" and b.xmin <= cx <= b.xmax
               and b.ymin <= cy <= b.ymax]
    if not holding:
        return None, ""
    frame = min(holding, key=lambda b: (b.area, b.id))
    texts = [b for b in boxes if b.kind == "text"
             and frame.xmin <= (b.xmin + b.xmax) / 2 <= frame.xmax
             and frame.ymin <= (b.ymin + b.ymax) / 2 <= frame.ymax]
    texts.sort(key=lambda b: (-b.xmax, b.ymin))
    return frame.id, "\n".join(b.text or "" for b in texts)


def _face_crops(options, book, info, labels):
    split = split_for(options, book.title, info.index)
    parts = halves(info.width, info.height)
    crops, drops = [], []
    for face in (b for b in info.boxes if b.kind == "face"):
        key = box_key(book.title, face)
        ids = {"title": book.title, "image": info.index, "face": face.id}
        name = book.characters.get(face.character or "")
        label = f"{book.title}:{face.character}"
        clipped = clip_box(face, info.width, info.height)
        reason = ("empty_or_outside_image" if clipped is None
                  else "unknown_character" if name is None
                  else "other_character" if is_other(name)
                  else "face_too_small" if _face_side(clipped) < options.min_face_side
                  else "rare_character" if label not in labels else None)
        if reason:
            drops.append(Dropped(key, split, "filtered", reason, source_ids=ids))
            continue
        w, h = clipped.xmax - clipped.xmin, clipped.ymax - clipped.ymin
        cx, cy = (clipped.xmin + clipped.xmax) / 2, (clipped.ymin + clipped.ymax) / 2
        half_w, half_h = w * options.face_enlarge / 2, h * options.face_enlarge / 2
        box = (max(0, round(cx - half_w)), max(0, round(cy - half_h)),
               min(info.width, round(cx + half_w)), min(info.height, round(cy + half_h)))
        frame_id, text = frame_text(clipped, info.boxes)
        meta = _meta(options, book, info, half_of(clipped, parts).side, box,
                     character_id=face.character, character_name=name, box_id=face.id)
        meta["frame_id"] = frame_id
        crops.append(Crop(key=key, split=split, box=box, size=options.size,
                          labels={"character": label}, meta=meta, text=text, source_ids=ids))
    return crops, drops


def image_drops(options, title: str, book: Book, page: Page, reason: str, detail: str):
    """Rows for every sample an unusable image would have given."""
    split = split_for(options, title, page.index)
    ids = {"title": title, "image": page.index}
    if options.kind == "pages":
        keys = [page_key(title, page.index, "")]
    else:
        kind = "frame" if options.kind == "panels" else "face"
        keys = [box_key(title, b) for b in page.boxes if b.kind == kind]
    status = "failed" if reason in ("missing_image", "undecodable", "not_jpeg") else "filtered"
    return [Dropped(key, split, status, reason, source_ids=ids) for key in keys]
