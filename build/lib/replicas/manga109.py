"""A learnable Manga109-format release generator: the replica source for the demo and the tests.

Each title has its own drawing style (hatching angle and spacing, line weight, screen tone) and
each character its own face (eye shape, hair pattern, mouth); a character's lines share words.
The generator returns its ground truth so tests can check exact counts.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw

SPREAD = (1654, 1170)
SINGLE = (827, 1170)
WORDS = ("sora", "umi", "hoshi", "kaze", "yume", "hikari", "kage", "tsuki", "mori", "kawa",
         "yama", "hana", "ame", "yuki", "tori", "neko", "inu", "kumo", "hi", "mizu")


@dataclass
class GroundTruth:
    titles: list[str]
    images: dict[str, int] = field(default_factory=dict)          # title -> image count
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # title -> element counts
    faces_per_character: dict[str, int] = field(default_factory=dict)  # "title:id" -> faces
    other_ids: dict[str, str] = field(default_factory=dict)       # title -> Other character id
    scaled_title: str = ""        # declares 2960x2164 for 1654x1170 JPEGs
    zero_page: tuple[str, int] = ("", -1)   # (title, image index) declared 0x0 with boxes
    zero_page_faces: dict[str, int] = field(default_factory=dict)  # "title:id" -> faces on it
    missing_character: tuple[str, str] = ("", "")  # (title, face id) naming no character


def _style(title_index: int) -> dict:
    rng = random.Random(1000 + title_index)
    return {"angle": (title_index * 23) % 180, "spacing": 6 + (title_index * 5) % 17,
            "width": 1 + title_index % 4, "tone": 150 + (title_index * 37) % 90,
            "border": 3 + title_index % 5, "seed": rng.random()}


def _hatch(draw: ImageDraw.ImageDraw, box, style) -> None:
    x0, y0, x1, y1 = box
    angle = math.radians(style["angle"])
    dx, dy = math.cos(angle), math.sin(angle)
    diag = int(math.hypot(x1 - x0, y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for offset in range(-diag, diag, style["spacing"]):
        px, py = cx - dy * offset, cy + dx * offset
        draw.line([(px - dx * diag, py - dy * diag), (px + dx * diag, py + dy * diag)],
                  fill=style["tone"] - 60, width=style["width"])


def _face(draw: ImageDraw.ImageDraw, box, character: int) -> None:
    """A face whose features are fixed by the character number: learnable identity."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw.ellipse(box, fill=255, outline=0, width=2)
    hair = [(x0, y0), (x1, y0), (x1, y0 + h * (0.2 + 0.1 * (character % 3))), (x0, y0 + h * 0.3)]
    draw.polygon(hair, fill=(character * 53) % 200)
    eye_w, eye_h = w * (0.08 + 0.04 * (character % 4)), h * (0.05 + 0.05 * ((character // 4) % 3))
    for ex in (x0 + w * 0.32, x0 + w * 0.68):
        ey = y0 + h * 0.5
        if character % 2:
            draw.rectangle((ex - eye_w, ey - eye_h, ex + eye_w, ey + eye_h), fill=0)
        else:
            draw.ellipse((ex - eye_w, ey - eye_h, ex + eye_w, ey + eye_h), fill=0)
    mouth = y0 + h * (0.72 + 0.04 * (character % 3))
    draw.line((x0 + w * 0.4, mouth, x0 + w * 0.6, mouth + (character % 5 - 2) * 3), fill=0,
              width=2)


class _Writer:
    """Accumulates one title's XML while its images are drawn."""

    def __init__(self, title: str):
        self.title, self.pages, self.next_id = title, [], 0

    def new_id(self) -> str:
        self.next_id += 1
        return f"{self.next_id:08x}"

    def xml(self, characters: list[tuple[str, str]]) -> str:
        chars = "".join(f'    <character id="{i}" name={quoteattr(n)}/>\n' for i, n in characters)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<book title="{self.title}">\n'
                f"  <characters>\n{chars}  </characters>\n  <pages>\n{''.join(self.pages)}"
                "  </pages>\n</book>\n")


def _box_xml(kind, box_id, box, scale, character=None, text=None) -> str:
    x0, y0, x1, y1 = (round(v * s) for v, s in zip(box, (scale[0], scale[1]) * 2))
    attrs = f'id="{box_id}" xmin="{x0}" ymin="{y0}" xmax="{x1}" ymax="{y1}"'
    if character is not None:
        attrs += f' character="{character}"'
    if text is not None:
        return f"      <{kind} {attrs}>{escape(text)}</{kind}>\n"
    return f"      <{kind} {attrs}/>\n"


def _draw_half(draw, writer, parts, x_off, title_i, style, characters, rng, truth, scale):
    """Two or three frames on one page, each holding a face and its speech."""
    height = SPREAD[1]
    tops = [40, 40 + (height - 80) // 2] if rng.random() < 0.5 else [40, 420, 800]
    for i, top in enumerate(tops):
        bottom = (tops[i + 1] - 20) if i + 1 < len(tops) else height - 40
        frame = (x_off + 30, top, x_off + 797, bottom)
        draw.rectangle(frame, outline=0, width=style["border"])
        _hatch(draw, (frame[0] + 10, frame[1] + 10, frame[0] + 200, frame[3] - 10), style)
        frame_id = writer.new_id()
        parts.append(_box_xml("frame", frame_id, frame, scale))
        char_index = rng.randrange(len(characters))
        char_id, _name = characters[char_index]
        size = rng.randrange(70, 130)
        fx = rng.randrange(frame[0] + 220, frame[2] - size - 10)
        fy = rng.randrange(frame[1] + 10, max(frame[1] + 11, frame[3] - size - 10))
        face = (fx, fy, fx + size, fy + size)
        _face(draw, face, title_i * 10 + char_index)
        face_id = writer.new_id()
        parts.append(_box_xml("face", face_id, face, scale, character=char_id))
        parts.append(_box_xml("body", writer.new_id(), (fx, fy, fx + size, min(frame[3], fy + 2 * size)),
                              scale, character=char_id))
        key = f"{writer.title}:{char_id}"
        truth.faces_per_character[key] = truth.faces_per_character.get(key, 0) + 1
        words = WORDS[(title_i * 3 + char_index * 5) % len(WORDS)::3][:3]
        line = " ".join(rng.choice(words) for _ in range(3))
        tx = frame[2] - 60
        draw.rectangle((tx, frame[1] + 15, tx + 30, frame[1] + 120), outline=0, fill=255)
        parts.append(_box_xml("text", writer.new_id(), (tx, frame[1] + 15, tx + 30, frame[1] + 120),
                              scale, text=line))
        for kind in ("frame", "face", "body", "text"):
            truth.counts[writer.title][kind] += 1


OTHER_SPELLINGS = ("Other", "Others", "the other", "Ｏｔｈｅｒ")


def title_names(count: int) -> list[str]:
    return [f"InkTitle{i:02d}" for i in range(count)]


def generate_release(root: Path, titles: int = 9, spreads: int = 8, seed: int = 0) -> GroundTruth:
    """Write `root/books.txt`, `images/<title>/NNN.jpg`, `annotations/<title>.xml`; return truth.

    Per title: `spreads` two-page spreads then one single-page image. Quirks on purpose: title 1
    declares 2960x2164 for its 1654x1170 JPEGs, title 2's first image is declared 0x0 (with boxes),
    title 3's first face names a character missing from <characters>, and every title's first
    spread has a frame crossing the gutter.
    """
    root = Path(root)
    names = title_names(titles)
    truth = GroundTruth(titles=names, scaled_title=names[1 % titles],
                        zero_page=(names[2 % titles], 0))
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "books.txt").write_text("".join(f"{n}\n" for n in names))
    for title_i, title in enumerate(names):
        rng = random.Random(seed * 1000 + title_i)
        style = _style(title_i)
        writer = _Writer(title)
        characters = [(writer.new_id(), f"{title}-char{c}") for c in range(3)]
        characters.append((writer.new_id(), OTHER_SPELLINGS[title_i % len(OTHER_SPELLINGS)]))
        truth.other_ids[title] = characters[-1][0]
        truth.counts[title] = {"frame": 0, "face": 0, "body": 0, "text": 0}
        folder = root / "images" / title
        folder.mkdir(parents=True, exist_ok=True)
        declared = (2960, 2164) if title == truth.scaled_title else SPREAD
        scale = (declared[0] / SPREAD[0], declared[1] / SPREAD[1])
        for index in range(spreads + 1):
            single = index == spreads
            size = SINGLE if single else SPREAD
            image = Image.new("L", size, style["tone"] + 20)
            draw = ImageDraw.Draw(image)
            parts: list[str] = []
            before = dict(truth.faces_per_character)
            for x_off in ((0,) if single else (0, SPREAD[0] // 2)):
                _draw_half(draw, writer, parts, x_off, title_i, style, characters[:-1]
                           if rng.random() < 0.15 else characters, rng, truth, scale)
            if index == 0 and not single:  # a double-page panel across the gutter
                wide = (600, 500, 1100, 700)
                draw.rectangle(wide, outline=0, width=style["border"])
                parts.append(_box_xml("frame", writer.new_id(), wide, scale))
                truth.counts[title]["frame"] += 1
            if index == 0 and title_i == 3 % titles:
                parts.append(_box_xml("face", writer.new_id(), (50, 50, 120, 120), scale,
                                      character="ffffffff"))
                truth.counts[title]["face"] += 1
                truth.missing_character = (title, f"{writer.next_id:08x}")  # the id just used
            page_size = (round(size[0] * scale[0]), round(size[1] * scale[1]))
            if (title, index) == truth.zero_page:
                page_size = (0, 0)
                truth.zero_page_faces = {c: n - before.get(c, 0)
                                         for c, n in truth.faces_per_character.items()
                                         if n != before.get(c, 0)}
            writer.pages.append(f'    <page index="{index}" width="{page_size[0]}" '
                                f'height="{page_size[1]}">\n{"".join(parts)}    </page>\n')
            image.save(folder / f"{index:03d}.jpg", "JPEG", quality=85)
        truth.images[title] = spreads + 1
        (root / "annotations" / f"{title}.xml").write_text(writer.xml(characters),
                                                           encoding="utf-8")
    return truth


def ensure_release(root: Path, titles: int = 9, spreads: int = 8) -> Path:
    """The generated release at `root`, written when absent or when it has another number of
    titles (the replica's next state: the generator is deterministic per title, so the titles
    already there are written again byte for byte and one is added)."""
    books = Path(root) / "books.txt"
    if not books.exists() or len(books.read_text().split()) != titles:
        generate_release(root, titles=titles, spreads=spreads)
    return Path(root)
