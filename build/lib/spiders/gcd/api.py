"""Parse GCD API responses (/api/issue|series|publisher/<id>/) into raw-store rows
(docs/contracts.md §2).

Pure functions over decoded JSON: the spider calls them for the live site and the replica alike.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

SITE = "https://www.comics.org"
IMAGE_HOST = "https://files1.comics.org"
API_ID = re.compile(r"/api/(issue|series|publisher)/(\d+)/")
COVER_ID = re.compile(r"/covers_by_id/\d+/w\d+/(\d+)\.jpg")
COVER_WIDTHS = (100, 200, 400)  # w400 is the largest public size
CREDIT_FIELDS = ("pencils", "inks", "colors", "letters", "editing")


class GcdParseError(ValueError):
    """A response without what a row needs (e.g. no cover sequence); counted in crawl stats."""


def api_id(url: str | None, kind: str) -> int | None:
    """The id in an API relation URL such as https://www.comics.org/api/series/13519/."""
    found = API_ID.search(url or "")
    return int(found.group(2)) if found and found.group(1) == kind else None


def cover_id_from_url(url: str | None) -> int | None:
    found = COVER_ID.search(url or "")
    return int(found.group(1)) if found else None


def cover_replaced(stored_url: str | None, listed_url: str | None) -> bool:
    """Whether a listing's cover URL shows another cover or upload than the stored row's.

    Sizes and hosts may differ; the cover id and the cache-buster query (gcd-django appends
    `?<hash(cover.last_upload)>`) may not. Without a query on both sides nothing can be told."""
    if not stored_url or not listed_url:
        return False
    stored, listed = urlsplit(stored_url), urlsplit(listed_url)
    if cover_id_from_url(stored_url) != cover_id_from_url(listed_url):
        return True
    return bool(stored.query and listed.query) and stored.query != listed.query


def cover_url(cover_id: int, width: int = 400) -> str:
    """The image URL scheme of files1.comics.org (the double slash is the site's own)."""
    if width not in COVER_WIDTHS:
        raise ValueError(f"cover width must be one of {COVER_WIDTHS}, not {width}")
    return f"{IMAGE_HOST}//img/gcd/covers_by_id/{cover_id // 1000}/w{width}/{cover_id}.jpg"


def _credit(value: Any) -> str | None:
    """GCD writes the string 'None' for an empty credit."""
    if value is None or str(value).strip() in ("", "None", "?"):
        return None
    return str(value).strip()


def cover_sequence(issue: dict) -> dict:
    """The cover story: story_set is ordered by sequence number, and the cover comes first."""
    for story in issue.get("story_set") or []:
        if str(story.get("type", "")).lower() == "cover":
            return story
    raise GcdParseError(f"{issue.get('api_url', 'issue')}: no cover sequence in story_set")


def parse_api_issue(issue: dict) -> dict[str, Any]:
    """One issues.parquet row (without fetch bookkeeping) from an /api/issue/<id>/ response."""
    cover = cover_sequence(issue)
    image = issue.get("cover") or None
    row = {
        "issue_id": api_id(issue.get("api_url"), "issue"),
        "series_id": api_id(issue.get("series"), "series"),
        "series_name": issue.get("series_name"),
        "issue_number": issue.get("number"),
        "publisher": issue.get("indicia_publisher") or None,
        "publication_date": issue.get("publication_date") or None,
        "on_sale_date": issue.get("on_sale_date") or None,
        "cover_id": cover_id_from_url(image),
        "cover_url": image,
        "characters_raw": cover.get("characters") or "",
        "genre": cover.get("genre") or None,
        "synopsis": cover.get("synopsis") or None,
        "source_url": issue.get("api_url"),
    }
    row.update({name: _credit(cover.get(name)) for name in CREDIT_FIELDS})
    if row["issue_id"] is None:
        raise GcdParseError(f"issue response without an api_url id: {issue.get('api_url')!r}")
    return row
