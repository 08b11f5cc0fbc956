"""The loopback Pixiv's ground truth: artists, their works (multi-page, ugoira, AI, restricted).

Each artist draws in its own palette and stroke pattern; tags follow the content.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, field, replace

from PIL import Image, ImageDraw

SUBJECTS = ("cat", "sword", "flower", "robot")  # a work's subject: drawn and tagged
SUBJECT_FILL = {"cat": (250, 250, 250), "sword": (40, 60, 210), "flower": (230, 40, 60),
                "robot": (60, 200, 70)}        # the mark's colour (white, blue, red, green)


@dataclass(frozen=True)
class Work:
    illust_id: int
    user_id: int
    pages: int
    illust_type: int = 0      # 0 illust, 1 manga, 2 ugoira
    x_restrict: int = 0
    ai_type: int = 1
    deleted: bool = False
    hashed_name: bool = False
    hidden: bool = False      # e.g. followers-only: URLs null even when logged in
    subject: str = "cat"
    blank: str = ""           # "white" / "black": a near-uniform image (datasets drop it)
    r15: bool = False         # tagged R-15: rated questionable by pixiv-tags
    extra_tags: tuple = ()    # (tag, English) pairs added after upload (the next state's edit)


@dataclass
class PixivTruth:
    artists: dict[int, str] = field(default_factory=dict)        # user id -> name
    works: dict[int, Work] = field(default_factory=dict)          # illust id -> work

    def kept(self, user_id: int) -> list[Work]:
        """Works the default filters keep (all ages, not AI, no ugoira, not deleted)."""
        return [w for w in self.works.values() if w.user_id == user_id and not w.deleted
                and not w.hidden and w.x_restrict == 0 and w.ai_type != 2 and w.illust_type != 2]


def generate_truth(artists: int = 4, works_per_artist: int = 12, seed: int = 0) -> PixivTruth:
    rng = random.Random(seed)
    truth = PixivTruth()
    next_id = 90_000_000
    for a in range(artists):
        user_id = 1_000 + a * 37
        truth.artists[user_id] = f"artist{a}"
        for w in range(works_per_artist):
            next_id += rng.randrange(1, 5000)
            special = w % 12  # each artist gets every kind of work
            truth.works[next_id] = Work(
                illust_id=next_id, user_id=user_id, pages=3 if special == 1 else 1,
                illust_type=2 if special == 2 else (1 if special == 1 else 0),
                x_restrict=1 if special == 3 else 0, ai_type=2 if special == 4 else 1,
                deleted=special == 5, hashed_name=special == 6, hidden=special == 7,
                r15=special == 8, blank={9: "white", 10: "black"}.get(special, ""),
                subject=SUBJECTS[(w + a) % len(SUBJECTS)])
    return truth


def next_state(truth: PixivTruth, new_per_artist: int = 2) -> PixivTruth:
    """The replica a while later: new works per artist, one kept work deleted, one retagged.

    Per artist: the first kept single-page work is deleted (its detail answers 404), the second
    gains the next subject's tag (a changed tag set, same image)."""
    works = dict(truth.works)
    next_id = max(works) if works else 90_000_000
    for user_id in truth.artists:
        kept = [w for w in truth.kept(user_id) if w.pages == 1 and not w.blank]
        if len(kept) >= 2:
            works[kept[0].illust_id] = replace(kept[0], deleted=True)
            other = SUBJECTS[(SUBJECTS.index(kept[1].subject) + 1) % len(SUBJECTS)]
            works[kept[1].illust_id] = replace(kept[1], extra_tags=(
                (SUBJECT_TAGS[other][0], other),))
        for n in range(new_per_artist):
            next_id += 7
            works[next_id] = Work(illust_id=next_id, user_id=user_id, pages=1,
                                  subject=SUBJECTS[n % len(SUBJECTS)])
    return PixivTruth(artists=dict(truth.artists), works=works)


def replica_truth(artists: int, works: int, state: int = 0) -> PixivTruth:
    """The replica's truth in `state` 0 (as generated) or 1, 2, ... (`next_state` applied)."""
    truth = generate_truth(artists=artists, works_per_artist=works)
    for _ in range(state):
        truth = next_state(truth)
    return truth


def draw(work: Work, page: int, size=(480, 640)) -> bytes:
    """The artist's palette and stroke pattern, plus the subject's mark: learnable by both."""
    style = random.Random(work.user_id)
    hue = tuple(style.randrange(60, 256) for _ in range(3))
    if work.blank:  # an empty canvas with one small mark: near-uniform
        image = Image.new("RGB", size, (252, 252, 250) if work.blank == "white" else (3, 3, 5))
        ImageDraw.Draw(image).line((10, 10, 60, 40), fill=hue, width=3)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88)
        return buffer.getvalue()
    image = Image.new("RGB", size, hue)
    pen = ImageDraw.Draw(image)
    step, width = style.randrange(12, 40), style.randrange(1, 6)
    for x in range(0, size[0] + size[1], step):
        pen.line((x, 0, x - size[1] * style.choice((1, -1)) // 2, size[1]), fill=(30, 30, 30),
                 width=width)
    detail = random.Random(work.illust_id * 10 + page)
    # inside the centred square, so that a square centre crop (pixiv-tags) keeps the whole mark
    side = min(size)
    left, top = (size[0] - side) // 2, (size[1] - side) // 2
    cx = detail.randrange(left + 90, left + side - 90)
    cy = detail.randrange(top + 90, top + side - 90)
    box = (cx - 80, cy - 80, cx + 80, cy + 80)
    ink = dict(fill=SUBJECT_FILL[work.subject], outline=(0, 0, 0))
    # a shape and a colour per subject, so that its tags (and the series and character tags that
    # follow it) are in the pixels: a short CPU training learns the colour, a longer one the shape
    if work.subject == "cat":
        pen.ellipse(box, **ink)
    elif work.subject == "sword":
        pen.rectangle(box, **ink)
    elif work.subject == "flower":  # the lower half-disc
        pen.chord(box, 0, 180, **ink)
    else:  # robot: a triangle standing on its base
        pen.polygon([(cx, cy - 80), (cx + 80, cy + 80), (cx - 80, cy + 80)], **ink)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


# a subject's Japanese tag (with its English translation), series and character tags
SUBJECT_TAGS = {"cat": ("猫", "series-a", "heroine"), "sword": ("剣", "series-a", "hero"),
                "flower": ("花", "series-b", "heroine"), "robot": ("ロボット", "series-b", "hero")}


def tag_pairs(work: Work, artist: str) -> list[tuple[str, str]]:
    """(tag, English translation or "") of a work: each follows what the image shows."""
    japanese, series, character = SUBJECT_TAGS[work.subject]
    pairs = [(japanese, work.subject), (series, ""), (character, ""), (f"{artist}-style", "")]
    if work.x_restrict:
        pairs.insert(0, ("R-18" if work.x_restrict == 1 else "R-18G", ""))
    if work.r15:
        pairs.insert(0, ("R-15", ""))
    return pairs + list(work.extra_tags)
