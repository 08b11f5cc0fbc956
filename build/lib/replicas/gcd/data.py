"""The loopback GCD's ground truth: publishers, series, issues with their characters, and covers.

Characters fields follow the real syntax and its noise; each cover draws a mark per character and a
band per team, so the covers are learnable. `GcdTruth` is the ground truth tests compare against.
"""
from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field, replace

from PIL import Image, ImageDraw

IDENTITIES = {"Superman": "Clark Kent; Kal-El", "Batman": "Bruce Wayne", "Flash": "Barry Allen",
              "Wonder Woman": "Diana Prince", "Green Lantern": "Hal Jordan",
              "Mr. Fantastic": "Reed Richards", "The Thing": "Ben Grimm",
              "Human Torch": "Johnny Storm", "Spider-Man": "Peter Parker"}
# publisher id, name, indicia publisher, (team as written, canonical team, members), solo characters
UNIVERSES = (
    (54, "DC", "DC Comics", ("Justice League of America", "Justice League",
                             ("Superman", "Batman", "Wonder Woman", "Green Lantern", "Flash",
                              "Aquaman")),
     ("Jimmy Olsen", "Lois Lane", "Lex Luthor", "Robin", "Catwoman")),
    (78, "Marvel", "Marvel Comics Group", ("Fantastic Four", "Fantastic Four",
                                           ("Mr. Fantastic", "Invisible Woman", "Human Torch",
                                            "The Thing")),
     ("Spider-Man", "Doctor Doom", "Silver Surfer", "Galactus", "Crystal")),
)
ALL_NAMES = sorted({n for u in UNIVERSES for n in (*u[3][2], *u[4])})
GENRES = ("superhero", "science fiction", "adventure")


@dataclass(frozen=True)
class Issue:
    issue_id: int
    series_id: int
    publisher_id: int
    number: str
    cover_id: int
    characters_raw: str
    characters: frozenset[str]                 # canonical names on the cover, team members too
    teams: tuple[tuple[str, frozenset[str]], ...]  # (canonical team, members on the cover)
    genre: str
    markup: str                                # "new" (2025 Tailwind) or "old" (pre-2025)
    has_cover_sequence: bool = True
    pencils: str = "Carmine Infantino"
    inks: str = "Murphy Anderson"
    publication_date: str = "July 1965"
    on_sale_date: str = "1965-05-25"
    cover_upload: int = 0                      # uploads replacing the first scan (same cover id)


@dataclass
class GcdTruth:
    publishers: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, indicia)
    series: dict[int, tuple[str, int]] = field(default_factory=dict)      # id -> (name, publisher)
    issues: dict[int, Issue] = field(default_factory=dict)

    def series_issues(self, series_id: int) -> list[Issue]:
        return sorted((i for i in self.issues.values() if i.series_id == series_id),
                      key=lambda i: i.issue_id)

    def publisher_series(self, publisher_id: int) -> list[int]:
        return sorted(s for s, (_, p) in self.series.items() if p == publisher_id)


def _member_text(name: str, rng: random.Random) -> str:
    text = f"{name} [{IDENTITIES[name]}]" if name in IDENTITIES and rng.random() < 0.6 else name
    return text + (" (cameo)" if rng.random() < 0.15 else "")


def _characters_field(index: int, universe: tuple, rng: random.Random) -> tuple[str, set, tuple]:
    """A characters field in GCD syntax with the noise of the real data, and what it means."""
    _, _, _, (written, team, members), solos = universe
    entries, names, teams = [], set(), ()
    if rng.random() < 0.6:
        chosen = sorted(rng.sample(members, rng.randint(2, 4)), key=members.index)
        names |= set(chosen)
        teams = ((team, frozenset(chosen)),)
        entries.append(f"{written} [{'; '.join(_member_text(m, rng) for m in chosen)}]"
                       + (" (cameo)" if rng.random() < 0.1 else ""))
    pool = [s for s in solos if s not in names]
    for solo in rng.sample(pool, rng.randint(1 if entries else 2, 3)):
        names.add(solo)
        entries.append(_member_text(solo, rng))
    noise = index % 7  # every kind of noise the parser recovers from, in turn
    if noise == 1:
        entries[-1] = "VILLAIN: " + entries[-1]
    elif noise == 2:
        entries = [e.replace(" ", "  ", 1) for e in entries]
    elif noise == 3:
        entries[-1] = entries[-1].replace(" ", "&nbsp;", 1).replace("&nbsp;[", " [")
    elif noise == 4 and "[" not in entries[-1] and " (" not in entries[-1]:
        entries[-1] = f"[{entries[-1].split()[0]}] {entries[-1]}"  # "[Power Man] Luke Cage"
    elif noise == 5 and entries[-1].endswith("]") and entries[-1].count("[") == 1:
        entries[-1] = entries[-1][:-1]  # an unbalanced bracket at the end of the field
    elif noise == 6:
        entries[0] = "FEATURE: " + entries[0]
    return "; ".join(entries), names, teams


def generate_truth(publishers: int = 2, series_per_publisher: int = 2,
                   issues_per_series: int = 15, seed: int = 0, broken: int = 0) -> GcdTruth:
    """A small GCD. `broken` issues (the last ones) have a page without a cover sequence."""
    rng = random.Random(seed)
    truth = GcdTruth()
    issue_id, cover_id, count = 110_000, 224_100, 0
    for p in range(publishers):
        universe = UNIVERSES[p % len(UNIVERSES)]
        publisher_id = universe[0] + 1000 * (p // len(UNIVERSES))
        truth.publishers[publisher_id] = (universe[1], universe[2])
        for s in range(series_per_publisher):
            series_id = 13_500 + 19 * len(truth.series)
            truth.series[series_id] = (f"{universe[3][1]} Adventures ({1960 + s} series)",
                                       publisher_id)
            for n in range(issues_per_series):
                issue_id += rng.randrange(1, 40)
                cover_id += rng.randrange(1, 90)  # crosses thousands: several cover folders
                raw, names, teams = _characters_field(count, universe, rng)
                truth.issues[issue_id] = Issue(
                    issue_id, series_id, publisher_id, str(n + 1), cover_id, raw,
                    frozenset(names), teams, GENRES[count % len(GENRES)],
                    "old" if count % 2 else "new")
                count += 1
    for issue in sorted(truth.issues.values(), key=lambda i: i.issue_id)[len(truth.issues)
                                                                         - broken:]:
        truth.issues[issue.issue_id] = Issue(**{**issue.__dict__, "has_cover_sequence": False})
    return truth


def next_state(truth: GcdTruth, new_per_series: int = 1) -> GcdTruth:
    """The replica a while later: new issues (with covers), one cover replaced, one issue removed.

    New issues go at the end of each publisher's first series; the third issue with a cover
    sequence (in id order) gets a replacement cover upload (same cover id, other bytes), the
    fifth is deleted (its page and API answer 404, its gallery cell is gone)."""
    issues = dict(truth.issues)
    kept = [i for i in sorted(issues.values(), key=lambda i: i.issue_id) if i.has_cover_sequence]
    replaced, removed = kept[2], kept[4]
    issues[replaced.issue_id] = replace(replaced, cover_upload=replaced.cover_upload + 1)
    del issues[removed.issue_id]
    rng = random.Random(len(truth.issues))
    issue_id, cover_id = max(issues), max(i.cover_id for i in truth.issues.values())
    for publisher_id in truth.publishers:
        series_id = min(s for s, (_, p) in truth.series.items() if p == publisher_id)
        universe = next(u for u in UNIVERSES if u[0] == publisher_id % 1000)
        for n in range(new_per_series):
            issue_id, cover_id = issue_id + rng.randrange(1, 40), cover_id + rng.randrange(1, 90)
            raw, names, teams = _characters_field(len(issues), universe, rng)
            number = str(len(truth.series_issues(series_id)) + 1 + n)
            issues[issue_id] = Issue(issue_id, series_id, publisher_id, number, cover_id, raw,
                                     frozenset(names), teams, GENRES[len(issues) % len(GENRES)],
                                     "old" if len(issues) % 2 else "new")
    return GcdTruth(publishers=dict(truth.publishers), series=dict(truth.series), issues=issues)


def replica_truth(state: int = 0, **sizes) -> GcdTruth:
    """The replica's truth in `state` 0 (as generated) or 1, 2, ... (`next_state` applied)."""
    truth = generate_truth(**sizes)
    for _ in range(state):
        truth = next_state(truth)
    return truth


def _colour(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    return (40 + digest[0] % 200, 40 + digest[1] % 200, 40 + digest[2] % 200)


def draw_cover(issue: Issue, size: tuple[int, int] = (400, 600)) -> bytes:
    """Publisher background, a striped band per team, a mark per character in its own cell."""
    # a replacement upload (next_state) is another scan of the same cover: other clutter
    rng = random.Random(issue.cover_id + 1_000_003 * issue.cover_upload)
    base = (30, 60, 150) if issue.publisher_id % 1000 == 54 else (150, 40, 40)
    image = Image.new("RGB", (400, 600), tuple(c + rng.randrange(-20, 20) for c in base))
    pen = ImageDraw.Draw(image)
    for _ in range(12):  # clutter the marks must be learnt through
        pen.line([rng.randrange(400), rng.randrange(600), rng.randrange(400), rng.randrange(600)],
                 fill=(rng.randrange(256),) * 3, width=rng.randrange(1, 4))
    for team, _ in issue.teams:
        for x in range(0, 400, 40):
            pen.rectangle((x, 0, x + 20, 70), fill=_colour(team))
    for name in sorted(issue.characters):  # not set order: that changes with PYTHONHASHSEED
        cell = ALL_NAMES.index(name)  # 20 names: a 5 x 4 grid under the team band
        x, y = 12 + (cell % 5) * 78, 90 + (cell // 5) * 125
        jitter = rng.randrange(-6, 6)
        pen.ellipse((x + jitter, y + jitter, x + 60 + jitter, y + 100 + jitter),
                    fill=_colour(name), outline=(0, 0, 0), width=3)
    if size != (400, 600):
        image = image.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def write_raw_store(truth: GcdTruth, raw_gcd, site: str = "https://www.comics.org") -> int:
    """What a complete crawl of `truth` leaves in raw/gcd/ (rows + covers), without crawling.

    For tests and benchmarks of the stages after the crawl; the crawl tests check that a real
    crawl gives the same rows.
    """
    import pandas as pd
    from pathlib import Path

    raw_gcd = Path(raw_gcd)
    rows = []
    for issue in sorted(truth.issues.values(), key=lambda i: i.issue_id):
        if not issue.has_cover_sequence:
            continue
        data = draw_cover(issue)
        path = raw_gcd / "covers" / str(issue.cover_id // 1000) / f"{issue.cover_id}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        series_name, publisher_id = truth.series[issue.series_id]
        rows.append({
            "issue_id": issue.issue_id, "series_id": issue.series_id, "series_name": series_name,
            "issue_number": issue.number, "publisher": truth.publishers[publisher_id][1],
            "publication_date": issue.publication_date, "on_sale_date": issue.on_sale_date,
            "cover_id": issue.cover_id,
            "cover_url": f"https://files1.comics.org//img/gcd/covers_by_id/"
                         f"{issue.cover_id // 1000}/w400/{issue.cover_id}.jpg",
            "characters_raw": issue.characters_raw, "pencils": issue.pencils,
            "inks": issue.inks, "colors": None, "letters": None, "editing": None,
            "genre": issue.genre, "synopsis": "A cover.",
            "source_url": f"{site}/issue/{issue.issue_id}/", "markup": issue.markup,
            "http_status": 200, "fetched_at": "2026-01-01T00:00:00+00:00",
            "cover_sha256": hashlib.sha256(data).hexdigest(), "cover_status": "stored"})
    pd.DataFrame(rows).to_parquet(raw_gcd / "issues.parquet", index=False)
    return len(rows)
