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
from replicas.gcd.api_replies import issue_reply, publisher_reply, series_reply
from replicas.gcd.listings import (current_gallery, current_publisher, old_gallery,
                                   old_publisher)
from replicas.gcd.pages import issue_html, json_reply, page_reply

ROBOTS = "User-agent: *\nDisallow: /*history/\nDisallow: /searchNew/\nDisallow: /admin/\n"
CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<noscript>Enable JavaScript and cookies to continue</noscript></body></html>")
PAGE_SIZE = 50  # the real site's galleries and API lists


def upload_stamp(issue: Issue) -> str:
    """The cover URL's cache-buster, `str(hash(cover.last_upload))` in gcd-django's
    views/covers.py get_image_tag: a signed decimal integer that changes with every upload."""
    stamp = zlib.crc32(f"{issue.cover_id}/{issue.cover_upload}".encode())
    return str((stamp * 2_654_435_761) % 2**63 - 2**62)


def descriptor(issue: Issue) -> str:
    """Issue.full_descriptor for an issue without a variant name: its number."""
    return issue.number


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

    def cover_url(self, issue: Issue, width: int = 400, stamp: bool = True) -> str:
        # the double slash and the cache-buster are the real host's: the site's pages append
        # `?<hash(cover.last_upload)>`, so a replacement upload shows as another query; the
        # API's `cover` (IssueSerializer.get_cover) has no query (stamp=False)
        url = (f"{self.image_base}//img/gcd/covers_by_id/{issue.cover_id // 1000}/w{width}/"
               f"{issue.cover_id}.jpg")
        return f"{url}?{upload_stamp(issue)}" if stamp else url

    def layout(self, kind: str, number: int) -> str:
        """Which layout a listing is served in: series and publishers alternate between the
        current one and the old one, so a crawl of the replica meets both."""
        ids = sorted(self.truth.series if kind == "series" else self.truth.publishers)
        return "current" if ids.index(number) % 2 == 0 else "old"

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
        """details/tw_publisher.html or details/publisher.html (replicas/gcd/listings.py)."""
        series = self.truth.publisher_series(publisher_id)
        shown = [(s, self.truth.series[s][0])
                 for s in series[(page - 1) * self.page_size: page * self.page_size]]
        name = self.truth.publishers[publisher_id][0]
        if self.layout("publisher", publisher_id) == "old":
            body = old_publisher(publisher_id, name, shown, page, len(series), self.page_size)
        else:
            first = self.truth.series_issues(series[0]) if series else []
            featured = self._cell(first[0]) if first else None
            body = current_publisher(publisher_id, name, shown, featured, page, len(series),
                                     self.page_size)
        return page_reply(f"Publisher :: {html.escape(name)}", body)

    def _cell(self, issue: Issue) -> dict:
        return {"issue_id": issue.issue_id, "descriptor": descriptor(issue),
                "image": self.cover_url(issue, 200), "publication_date": issue.publication_date,
                "on_sale_date": issue.on_sale_date}

    def gallery_page(self, series_id: int, page: int) -> Reply:
        """series_covers: the current grid or the old covers.html (replicas/gcd/listings.py);
        50 covers a page as on the site (`page_size` here)."""
        issues = self.truth.series_issues(series_id)
        cells = [self._cell(i) for i in issues[(page - 1) * self.page_size:
                                               page * self.page_size]]
        name, publisher_id = self.truth.series[series_id]
        if self.layout("series", series_id) == "old":
            body = old_gallery(series_id, name, cells, page, len(issues), self.page_size)
            return page_reply(f"Covers :: {html.escape(name)}", body)
        body = current_gallery(series_id, name, publisher_id,
                               self.truth.publishers[publisher_id][0], cells, page,
                               len(issues), self.page_size)
        # tw_list_sortable.html's title is the heading: "for <series> (<publisher>, ...)"
        publisher = self.truth.publishers[publisher_id][0]
        return page_reply(f"for {html.escape(name)} ({html.escape(publisher)})", body)

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
            issue = self.truth.issues[number]
            return json_reply(200, issue_reply(self.truth, issue,
                                               self.cover_url(issue, stamp=False)))
        if kind == "series" and number in self.truth.series:
            return json_reply(200, series_reply(self.truth, number))
        if kind == "publisher" and number in self.truth.publishers:
            return json_reply(200, publisher_reply(self.truth, number))
        return json_reply(404, {"detail": "Not found."})
