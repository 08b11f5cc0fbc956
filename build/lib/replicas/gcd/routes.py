"""The loopback GCD's routes: site pages, the API, and the cover image host.

Same URL scheme as comics.org (publisher and series pages, 50-per-page cover galleries, issue
pages, /issue/<id>/cover/4/, /api/<kind>/<id>/ in the fixtures' JSON shape, robots.txt with a
wildcard rule) and files1.comics.org (`//img/gcd/covers_by_id/<id // 1000>/w<size>/<id>.jpg`).
"""
from __future__ import annotations

import base64
import html
import re
import zlib
from urllib.parse import parse_qs, urlparse

from replicas.common import Faults, LoopbackServer, Reply
from replicas.gcd.data import GcdTruth, Issue, draw_cover
from replicas.gcd.pages import (issue_html, json_reply, old_pagination, page_reply,
                                        tw_pagination)

ROBOTS = "User-agent: *\nDisallow: /*history/\nDisallow: /searchNew/\nDisallow: /admin/\n"
CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<noscript>Enable JavaScript and cookies to continue</noscript></body></html>")
PAGE_SIZE = 50  # the real site's galleries and API lists


def upload_stamp(issue: Issue) -> str:
    """The cover URL's cache-buster: it changes with every upload of the cover."""
    if not issue.cover_upload:
        return f"{issue.cover_id % 9973:x}"
    return f"{zlib.crc32(f'{issue.cover_id}/{issue.cover_upload}'.encode()):x}"


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
        # the double slash and the cache-buster are the real host's: gcd-django appends
        # `?<hash(cover.last_upload)>`, so a replacement upload shows as another query
        return (f"{self.image_base}//img/gcd/covers_by_id/{issue.cover_id // 1000}/w{width}/"
                f"{issue.cover_id}.jpg?{upload_stamp(issue)}")

    def cover_bytes(self, cover_id: int, width: int = 400) -> bytes:
        issue = next(i for i in self.truth.issues.values() if i.cover_id == cover_id)
        key = (cover_id, issue.cover_upload, width)
        if key not in self._covers:
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
                return page_reply("Series", f"<a href='/series/{number}/covers/'>Cover Gallery</a>")
        issue = self.truth.issues.get(number) if parts[:1] == ["issue"] else None
        if issue and len(parts) == 2:
            return self.issue_page(issue)
        if issue and parts[2:] == ["cover", "4"]:
            return page_reply("Cover", f"<img class='cover_img' src='{self.cover_url(issue)}'>")
        if issue and parts[2:] == ["history"]:
            return page_reply("History", "<p>change history</p>")
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
               f'{tw_pagination(page, len(series), self.page_size)}</nav>')
        return page_reply(f"Publisher :: {name}", nav + f'<table class="w-full"><thead><tr>'
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
        bar = old_pagination(page, len(issues), self.page_size)
        return page_reply(f"Covers :: {html.escape(self.truth.series[series_id][0])}",
                     f'<div class="item_id">{bar}</div><table id="covers"><tr>{cells}</tr>'
                     f'</table><div id="item_id_footer" class="item_id">{bar}</div>')

    def issue_page(self, issue: Issue) -> Reply:
        series_name, publisher_id = self.truth.series[issue.series_id]
        body = issue_html(issue, series_name, self.truth.publishers[publisher_id],
                          self.cover_url(issue, 200))
        return page_reply(f"Issue :: {series_name} #{issue.number}", body)

    def api(self, parts: list[str], headers: dict) -> Reply:
        auth = headers.get("Authorization") or headers.get("authorization")
        if auth and (not self.account or auth != "Basic " + base64.b64encode(
                ":".join(self.account).encode()).decode()):
            return json_reply(401, {"detail": "Invalid username/password."})
        kind, number = (parts + ["", ""])[:2]
        number = int(number) if number.isdigit() else -1
        if kind == "issue" and number in self.truth.issues:
            return json_reply(200, self.api_issue(self.truth.issues[number]))
        if kind == "series" and number in self.truth.series:
            name, publisher_id = self.truth.series[number]
            return json_reply(200, {
                "api_url": f"https://www.comics.org/api/series/{number}/", "name": name,
                "active_issues": [f"https://www.comics.org/api/issue/{i.issue_id}/"
                                  for i in self.truth.series_issues(number)],
                "publisher": f"https://www.comics.org/api/publisher/{publisher_id}/"})
        if kind == "publisher" and number in self.truth.publishers:
            return json_reply(200, {"api_url": f"https://www.comics.org/api/publisher/{number}/",
                               "name": self.truth.publishers[number][0], "country": "us"})
        return json_reply(404, {"detail": "Not found."})

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
