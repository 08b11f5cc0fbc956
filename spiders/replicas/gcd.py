"""A loopback Grand Comics Database: site pages in both markups, the API, and a cover image host.

Same URL scheme as comics.org (publisher and series pages, 50-per-page cover galleries, issue
pages, /issue/<id>/cover/4/, /api/<kind>/<id>/ in the fixtures' JSON shape, robots.txt with a
wildcard rule) and files1.comics.org (`//img/gcd/covers_by_id/<id // 1000>/w<size>/<id>.jpg`).
Characters fields follow the real syntax and its noise; each cover draws a mark per character and a
band per team, so the covers are learnable. `GcdTruth` is the ground truth tests compare against.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import random
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from PIL import Image, ImageDraw

from spiders.replicas.common import Faults, LoopbackServer, Reply

ROBOTS = "User-agent: *\nDisallow: /*history/\nDisallow: /searchNew/\nDisallow: /admin/\n"
CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<noscript>Enable JavaScript and cookies to continue</noscript></body></html>")
PAGE_SIZE = 50  # the real site's galleries and API lists
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


def _colour(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    return (40 + digest[0] % 200, 40 + digest[1] % 200, 40 + digest[2] % 200)


def draw_cover(issue: Issue, size: tuple[int, int] = (400, 600)) -> bytes:
    """Publisher background, a striped band per team, a mark per character in its own cell."""
    rng = random.Random(issue.cover_id)
    base = (30, 60, 150) if issue.publisher_id % 1000 == 54 else (150, 40, 40)
    image = Image.new("RGB", (400, 600), tuple(c + rng.randrange(-20, 20) for c in base))
    pen = ImageDraw.Draw(image)
    for _ in range(12):  # clutter the marks must be learnt through
        pen.line([rng.randrange(400), rng.randrange(600), rng.randrange(400), rng.randrange(600)],
                 fill=(rng.randrange(256),) * 3, width=rng.randrange(1, 4))
    for team, _ in issue.teams:
        for x in range(0, 400, 40):
            pen.rectangle((x, 0, x + 20, 70), fill=_colour(team))
    for name in issue.characters:
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


def _page(title: str, body: str) -> Reply:
    text = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>GCD :: {title}"
            f"</title></head><body>{body}</body></html>")
    return Reply(200, text.encode())


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _tw_pagination(page: int, total: int, size: int) -> str:
    """bits/tw_pagination_bar.html: arrows &#5176; / &#5171; around numbered links."""
    pages = _pages(total, size)
    if pages == 1:
        return (f'<div class="flex flex-1 justify-end"><ul class="flex items-center h-8 px-2">'
                f'<li> <span class="flex rounded">{page}</span> </li></ul></div>')
    cell = "flex items-center justify-center px-2 h-8 bg-blue-100 border border-gray-400"
    prev = (f'<a class="{cell} rounded-s-lg" href="?page={page - 1}">&#5176;</a>' if page > 1
            else f'<span class="{cell} rounded-s-lg">&#5176;</span>')
    after = (f'<a class="{cell} rounded-e-lg" href="?page={page + 1}">&#5171;</a>'
             if page < pages else f'<span class="{cell} rounded-e-lg">&#5171;</span>')
    numbers = "".join(f'<li><span class="{cell} bg-blue-300">{n}</span></li>' if n == page
                      else f'<li><a class="{cell}" href="?page={n}">{n}</a></li>'
                      for n in range(1, pages + 1))
    return (f'<div class="flex flex-1 justify-end"><div class="flex"><ul class="max-lg:hidden '
            f'flex items-center h-8 px-2"><li>{prev}</li>{numbers}<li>{after}</li></ul>'
            f'</div></div>')


def _old_pagination(page: int, total: int, size: int) -> str:
    """bits/pagination_bar.html: "< Previous | 1 | 2 | Next >", links with ?style=&page=."""
    pages = _pages(total, size)
    prev = (f'<a href="?style=default&amp;page={page - 1}">&lt; Previous</a>' if page > 1
            else "&lt; Previous")
    after = (f'<a href="?style=default&amp;page={page + 1}">Next &gt;</a>' if page < pages
             else "Next &gt;")
    numbers = " | ".join(str(n) if n == page else f'<a href="?style=default&amp;page={n}">{n}</a>'
                         for n in range(1, pages + 1))
    return f'<div class="right pagination">{prev} | {numbers} | {after}</div>'


class GcdReplica:
    """`with GcdReplica(truth) as site:`; site.base (pages, API), site.image_base (covers)."""

    def __init__(self, truth: GcdTruth, faults: Faults | None = None,
                 image_faults: Faults | None = None, challenge: frozenset[int] = frozenset(),
                 robots_extra: str = "", account: tuple[str, str] | None = None,
                 page_size: int = PAGE_SIZE):
        self.truth, self.challenge, self.account = truth, challenge, account
        self.page_size = page_size
        self.robots = ROBOTS + robots_extra
        self.log: list[dict] = []
        self._site = LoopbackServer(self.handle_site, faults, "site", self.log)
        self._images = LoopbackServer(self.handle_image, image_faults, "images", self.log)
        self._covers: dict[tuple[int, int], bytes] = {}

    def __enter__(self) -> "GcdReplica":
        self.base = self._site.__enter__().base
        self.image_base = self._images.__enter__().base
        return self

    def __exit__(self, *exc) -> None:
        self._site.__exit__(*exc)
        self._images.__exit__(*exc)

    def cover_url(self, issue: Issue, width: int = 400) -> str:
        # the double slash and the cache-buster are the real host's
        return (f"{self.image_base}//img/gcd/covers_by_id/{issue.cover_id // 1000}/w{width}/"
                f"{issue.cover_id}.jpg?{issue.cover_id % 9973:x}")

    def cover_bytes(self, cover_id: int, width: int = 400) -> bytes:
        key = (cover_id, width)
        if key not in self._covers:
            issue = next(i for i in self.truth.issues.values() if i.cover_id == cover_id)
            self._covers[key] = draw_cover(issue, (width, width * 3 // 2))
        return self._covers[key]

    def handle_image(self, path: str, headers: dict) -> Reply:
        path = urlparse(path).path
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nDisallow:\n", "text/plain")
        found = re.fullmatch(r"/+img/gcd/covers_by_id/(\d+)/w(100|200|400)/(\d+)\.jpg", path)
        covers = {i.cover_id for i in self.truth.issues.values()}
        if not found or int(found.group(3)) not in covers or \
                int(found.group(1)) != int(found.group(3)) // 1000:
            return Reply(404, b"<h1>Not Found</h1>")
        cover_id = int(found.group(3))
        if cover_id in self.challenge:
            return Reply(403, CHALLENGE, headers={"cf-mitigated": "challenge",
                                                  "Server": "cloudflare"})
        return Reply(200, self.cover_bytes(cover_id, int(found.group(2))), "image/jpeg")

    def handle_site(self, raw_path: str, headers: dict) -> Reply:
        url = urlparse(raw_path)
        page = int((parse_qs(url.query).get("page") or ["1"])[0])
        parts = [p for p in url.path.split("/") if p]
        if url.path == "/robots.txt":
            return Reply(200, self.robots.encode(), "text/plain")
        if parts[:1] == ["api"]:
            return self.api(parts[1:], headers)
        number = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        if parts[:1] == ["publisher"] and number in self.truth.publishers and len(parts) == 2:
            return self.publisher_page(number, page)
        if parts[:1] == ["series"] and number in self.truth.series:
            if parts[2:] == ["covers"]:
                return self.gallery_page(number, page)
            if len(parts) == 2:
                return _page("Series", f"<a href='/series/{number}/covers/'>Cover Gallery</a>")
        issue = self.truth.issues.get(number) if parts[:1] == ["issue"] else None
        if issue and len(parts) == 2:
            return self.issue_page(issue)
        if issue and parts[2:] == ["cover", "4"]:
            return _page("Cover", f"<img class='cover_img' src='{self.cover_url(issue)}'>")
        if issue and parts[2:] == ["history"]:
            return _page("History", "<p>change history</p>")
        return Reply(404, b"<h1>Not Found</h1>")

    def publisher_page(self, publisher_id: int, page: int) -> Reply:
        """tw_publisher.html: the pagination bar in the header nav, series in a table."""
        series = self.truth.publisher_series(publisher_id)
        rows = "".join(f'<tr><td><a href="/series/{s}/">'
                       f'{html.escape(self.truth.series[s][0])}</a></td><td>1960</td></tr>'
                       for s in series[(page - 1) * self.page_size: page * self.page_size])
        name = html.escape(self.truth.publishers[publisher_id][0])
        nav = (f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1">'
               f'<div class="flex-1 font-bold text-2xl self-start">{name}</div>'
               f'{_tw_pagination(page, len(series), self.page_size)}</nav>')
        return _page(f"Publisher :: {name}", nav + f'<table class="w-full"><thead><tr>'
                     f'<th>Series</th><th>Year</th></tr></thead><tbody>{rows}</tbody></table>')

    def gallery_page(self, series_id: int, page: int) -> Reply:
        """covers.html: table#covers of td.cover_grid, the issue link around each cover."""
        issues = self.truth.series_issues(series_id)
        cells = "".join(
            f'<td class="cover_grid"><a href="/issue/{i.issue_id}/">'
            f'<img src="{self.cover_url(i, 100)}" class="cover_img"></a><br/>'
            f'<span class="cover_links">Zoom: <a href="/issue/{i.issue_id}/cover/2/?style=default">'
            f'Medium</a> <a href="/issue/{i.issue_id}/cover/4/?style=default">Large</a></span>'
            f'<div class="cover_caption"><span class="cover_number">Issue {i.number}</span></div>'
            f'</td>' for i in issues[(page - 1) * self.page_size: page * self.page_size])
        bar = _old_pagination(page, len(issues), self.page_size)
        return _page(f"Covers :: {html.escape(self.truth.series[series_id][0])}",
                     f'<div class="item_id">{bar}</div><table id="covers"><tr>{cells}</tr>'
                     f'</table><div id="item_id_footer" class="item_id">{bar}</div>')

    def issue_page(self, issue: Issue) -> Reply:
        series_name, publisher_id = self.truth.series[issue.series_id]
        body = issue_html(issue, series_name, self.truth.publishers[publisher_id],
                          self.cover_url(issue, 200))
        return _page(f"Issue :: {series_name} #{issue.number}", body)

    def api(self, parts: list[str], headers: dict) -> Reply:
        auth = headers.get("Authorization") or headers.get("authorization")
        if auth and (not self.account or auth != "Basic " + base64.b64encode(
                ":".join(self.account).encode()).decode()):
            return _json(401, {"detail": "Invalid username/password."})
        kind, number = (parts + ["", ""])[:2]
        number = int(number) if number.isdigit() else -1
        if kind == "issue" and number in self.truth.issues:
            return _json(200, self.api_issue(self.truth.issues[number]))
        if kind == "series" and number in self.truth.series:
            name, publisher_id = self.truth.series[number]
            return _json(200, {
                "api_url": f"https://www.comics.org/api/series/{number}/", "name": name,
                "active_issues": [f"https://www.comics.org/api/issue/{i.issue_id}/"
                                  for i in self.truth.series_issues(number)],
                "publisher": f"https://www.comics.org/api/publisher/{publisher_id}/"})
        if kind == "publisher" and number in self.truth.publishers:
            return _json(200, {"api_url": f"https://www.comics.org/api/publisher/{number}/",
                               "name": self.truth.publishers[number][0], "country": "us"})
        return _json(404, {"detail": "Not found."})

    def api_issue(self, issue: Issue) -> dict:
        series_name, publisher_id = self.truth.series[issue.series_id]
        cover = {"type": "cover", "sequence_number": 0, "pencils": issue.pencils,
                 "inks": issue.inks, "colors": "None", "letters": "None", "editing": "None",
                 "genre": issue.genre, "characters": issue.characters_raw,
                 "synopsis": ""}
        story = {**cover, "type": "comic story", "sequence_number": 1,
                 "characters": "Somebody Else; Another Person"}
        return {"api_url": f"https://www.comics.org/api/issue/{issue.issue_id}/",
                "series_name": series_name, "number": issue.number,
                "publication_date": issue.publication_date, "on_sale_date": issue.on_sale_date,
                "indicia_publisher": self.truth.publishers[publisher_id][1],
                "series": f"https://www.comics.org/api/series/{issue.series_id}/",
                "story_set": [cover, story] if issue.has_cover_sequence else [story],
                "cover": self.cover_url(issue)}


def issue_html(issue: Issue, series: str, publisher: tuple[str, str], cover: str) -> str:
    """The issue page body in the issue's markup; the cover sequence is the first story.

    Simplified renderings of gcd-django's templates/gcd/details/tw_issue.html (current) and
    issue.html (old), with the same tags, classes and ids around what the parser reads.
    """
    other = Issue(**{**issue.__dict__, "characters_raw": "Somebody Else; Another Person",
                     "teams": (), "characters": frozenset()})
    cover_story = (issue, "cover") if issue.has_cover_sequence else None
    stories = [(other, "comic story")]
    if issue.markup == "new":
        return _new_issue(issue, series, publisher, cover, cover_story, stories)
    return _old_issue(issue, series, publisher, cover, cover_story, stories)


def _image_tag(cover: str) -> str:
    return f'<img src="{cover}" alt="Cover" class="cover_img" width="200">'


def _new_issue(issue: Issue, series: str, publisher: tuple[str, str], cover: str,
               cover_story, stories) -> str:
    # tw_issue.html: header navs, then the cover image beside the cover story, issue data,
    # then the other stories
    header = (
        f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">'
        f'<div class="flex-1 font-bold text-2xl self-start"><a href="/series/{issue.series_id}/">'
        f'{html.escape(series)}</a> #{issue.number}</div>'
        f'<div class="font-bold text-lg">{issue.publication_date}</div></nav>'
        f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">'
        f'<div class="flex-1 font-bold text-lg self-start"><a href="/publisher/'
        f'{issue.publisher_id}/">{html.escape(publisher[0])}</a>, 1960 Series</div></nav>')
    data = (f'<div class="max-md:w-[calc(100vw-36px)] max-md:min-h-20">'
            f'<div class="flex flex-wrap gap-x-4"><div><span class="font-bold">Price:</span> '
            f'0.12 USD</div><div><span class="font-bold">On-sale Date:</span> '
            f'{issue.on_sale_date}</div></div><span class="font-bold">Editing:</span> ?</div>')
    beside = ""
    if cover_story:
        beside = (f'<div class="ps-2 flex-1">{_new_story(*cover_story, 0, cover=True)}</div>')
    image = (f'<div class="flex"><div class="w-[100px] sm:w-[200px] mt-1 text-center">'
             f'<a href="cover/4/">{_image_tag(cover)}</a>'
             f'<a href="/series/{issue.series_id}/covers">Cover Gallery</a>&nbsp;</div>'
             f'{beside}</div>')
    issue_data = (f'<h3 class="bg-blue-100 rounded px-1 mt-1 md:me-1"> Issue Data </h3>'
                  f'<ul class="md:columns-2 ml-1"><li><span class="font-bold">Indicia&nbsp;/'
                  f'&nbsp;Colophon Publisher:</span> <a href="/indicia_publisher/'
                  f'{issue.publisher_id + 1}/">{html.escape(publisher[1])}</a></li></ul>')
    rest = "".join(_new_story(s, kind, n + 1) for n, (s, kind) in enumerate(stories))
    links = (f'<ul class="ps-1 max-md:hidden text-sm"><li> <a href="/series/{issue.series_id}/'
             f'covers">Series Cover Gallery</a></ul>'
             f'<a href="/issue/{issue.issue_id}/history/">Change History</a>')
    return header + data + image + issue_data + rest + links


def _new_story(issue: Issue, kind: str, number: int, cover: bool = False) -> str:
    """tw_single_story.html with story_creator_credits.html and tw_story_characters.html."""
    story_id = issue.issue_id * 10 + number
    title = "[no title indexed]" if cover else "The Story"
    credits = "".join(
        f'<tr><td class="field-name-label"><a hx-get="/story/{story_id}/{label.lower()}/history/"'
        f' hx-target="body">{label}:</a></td><td><div>{html.escape(v)}</div></td></tr>'
        for label, v in (("Pencils", issue.pencils), ("Inks", issue.inks)))
    return (f'<div class="md:me-1"><a name="{story_id}"></a>'
            f'<h2 class="bg-gcd mt-1 font-normal rounded-t"><div class="flex"><div class="flex-1">'
            f'<span class="text-white px-1">{title}</span></div></div></h2>'
            f'<h3 class="text-black rounded-b font-normal bg-blue-100 px-1"><div class="flex">'
            f'<div class="flex-1"><span>\n  {kind} /\n  {1 if cover else 12}\n    page'
            f'{"" if cover else "s"}\n</span></div></div></h3>'
            f'<div class="ml-1"><table class="[&_tr]:border-none"><tbody>{credits}</tbody>'
            f'</table></div><hr></hr><div class="ml-1"><ul class="md:columns-2">'
            f'<li class="break-inside-avoid-column"><span class="field-name-label">Genre:</span>'
            f'{issue.genre}</li><li></li></ul><ul><li></li></ul>{_new_characters(issue)}'
            f'<dl><dt class="field-name-label">Synopsis:</dt><dd>A {kind}.</dd></dl></div></div>')


def _new_characters(issue: Issue) -> str:
    """Linked groups with their members, linked characters, then the free-text field."""
    def person(name: str) -> str:
        return (f'<li class="break-inside-avoid-column"><a href="/character/'
                f'{ALL_NAMES.index(name)}/">{html.escape(name)}</a>\n</li>')

    grouped = {m for _, members in issue.teams for m in members}
    groups = "".join(
        f'<a href="/group/{zlib.crc32(team.encode()) % 9999}/"><b>{html.escape(team)}</b></a>'
        f'<ul class="list-disc sm:columns-2 ps-8 lg:columns-3 gap-8">'
        + "".join(person(m) for m in sorted(members)) + "</ul>" for team, members in issue.teams)
    solos = sorted(issue.characters - grouped)
    people = (f'<ul class="list-disc sm:columns-2 lg:columns-3 ps-4 gap-8">'
              + "".join(person(n) for n in solos) + "</ul>") if solos else ""
    return (f'<div class="field-name-label">Characters:</div>{groups}{people}\n      '
            f'{html.escape(issue.characters_raw)}\n    ')


def _old_issue(issue: Issue, series: str, publisher: tuple[str, str], cover: str,
               cover_story, stories) -> str:
    # issue.html with bits/series_issue_header.html: the cover story sits in div.cover
    header = (f'<h1 class="item_id"><div class="left" id="series_and_issue">'
              f'<span id="series_name"><a href="/series/{issue.series_id}/">'
              f'{html.escape(series)}</a></span> <a href="/issue/{issue.issue_id}/">'
              f'<span class="issue_number"><span class="p">#</span>{issue.number}</span></a>'
              f'</div><div class="right">({issue.publication_date})</div></h1>'
              f'<div class="item_id"><div class="left"><a href="/publisher/{issue.publisher_id}/">'
              f'{html.escape(publisher[0])}</a>, 1960 Series</div></div>')
    data = (f'<div class="control_body"><div id="control_container"><div id="control_center">'
            f'<dl id="issue_data_list"><dt> Price:<dd id="issue_price"> 0.12 USD'
            f'<dt> On-sale Date:<dd id="on_sale_date"> {issue.on_sale_date}</dl>'
            f'<dl><dt> Indicia Publisher:<dd id="issue_indicia_publisher"> '
            f'<a href="/indicia_publisher/{issue.publisher_id + 1}/">'
            f'{html.escape(publisher[1])}</a></dl><hr class="divider">')
    inside = _old_story(*cover_story, issue.issue_id * 10) if cover_story else ""
    box = (f'<div class="cover"><div class="coverContainer"><div class="coverContent">'
           f'<div id="cover_data">{inside}</div></div><div class="coverImage">'
           f'<a href="/issue/{issue.issue_id}/cover/4/?style=default">{_image_tag(cover)}</a>'
           f'<div class="issue_cover_links"><a href="/series/{issue.series_id}/covers/'
           f'?style=default">Cover gallery</a></div></div></div></div>')
    rest = "".join(f'<hr class="divider">{_old_story(s, kind, issue.issue_id * 10 + n + 1)}'
                   for n, (s, kind) in enumerate(stories))
    rail = (f'</div><div id="control_rail"><div class="change_history"><a href="/issue/'
            f'{issue.issue_id}/history/">Change History</a></div></div></div></div>')
    return header + data + box + f'<div id="story_data">{rest}</div>' + rail


def _old_story(issue: Issue, kind: str, story_id: int) -> str:
    """single_story.html: show_full_credits / show_credit / show_characters definition lists."""
    def pair(label: str, value: str, short: str = "") -> str:
        return (f'<dt class="credit_tag{short}"><span class="credit_label">{label}</span></dt>'
                f'<dd class="credit_def{short}"><span class="credit_value">{value}</span></dd>')
    title = "[no title indexed]" if kind == "cover" else "The Story"
    pages = "1\n            page" if kind == "cover" else "12\n            pages"
    return (f'<div class="single_story"><a name="{story_id}"></a>'
            f'<h2 class="sequence header title"><span class="title left">{title}</span></h2>'
            f'<h3 class="sequence_header feature"><span class="left"><span class="type">\n'
            f'          {kind} /\n          {pages}\n          </span></span></h3>'
            f'<dl class="credits">{pair("Pencils", html.escape(issue.pencils))}'
            f'{pair("Inks", html.escape(issue.inks))}</dl><hr class="content_header"></hr>'
            f'<dl class="contents">{pair("Genre", issue.genre, " short")}'
            f'{pair("Characters", html.escape(issue.characters_raw))}'
            f'{pair("Synopsis", f"A {kind}.")}</dl></div>')


def _json(status: int, body: dict) -> Reply:
    return Reply(status, json.dumps(body).encode(), "application/json")


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
