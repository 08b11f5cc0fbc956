"""Parse Pixiv website AJAX responses (/ajax/...) into raw-store rows or skip reasons.

Pure functions over decoded JSON: the spider uses them for the live site and the replica alike.
Envelope: {"error": bool, "message": str, "body": ...}; on error `body` is [] and empty maps also
come back as [].
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

AJAX = "https://www.pixiv.net/ajax"
REFERER = "https://www.pixiv.net/"  # i.pximg.net answers 403 without a pixiv Referer
# <id>_p<n>.<ext> or <id>-<32 hex>_p<n>.<ext>; samples add _master1200, ugoira _ugoira0
# (ugoira samples carry no page: <id>_master1200.jpg)
IMAGE_NAME = re.compile(r"/(?P<id>\d+)(?:-[0-9a-f]{32})?(?:_p(?P<page>\d+)|_ugoira\d+)?"
                        r"(?:_master1200|_square1200)?\.(?P<ext>jpg|jpeg|png|gif|webp)(?:\?|$)")
ILLUST_TYPES = {0: "illust", 1: "manga", 2: "ugoira"}


class PixivApiError(ValueError):
    """An error envelope; `reason` is the skip reason counted in crawl stats."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason


@dataclass(frozen=True)
class Filters:
    """Which works to keep; the defaults are the issue's: all-ages, not AI, no ugoira."""

    max_x_restrict: int = 0        # 0 all ages, 1 R-18, 2 R-18G
    keep_ai: bool = False          # aiType 2 = AI-generated
    ugoira: str = "skip"           # skip | first_frame
    image_size: str = "regular"    # regular (1200 px sample) | original


def unwrap(envelope: dict) -> Any:
    """The body of a successful envelope, else PixivApiError with reason api_error."""
    if not isinstance(envelope, dict) or envelope.get("error") is not False:
        message = envelope.get("message", "") if isinstance(envelope, dict) else "not an object"
        raise PixivApiError("api_error", message)
    return envelope.get("body")


def work_ids(profile_all: dict, include_manga: bool = True) -> list[int]:
    """All illust (and manga) ids of /ajax/user/<id>/profile/all, newest (largest) first."""
    body = unwrap(profile_all)
    ids = set()
    for kind in ("illusts", "manga") if include_manga else ("illusts",):
        value = body.get(kind) or {}
        if isinstance(value, dict):  # {} comes back as []
            ids.update(int(i) for i in value)
    return sorted(ids, reverse=True)


def image_ext(url: str) -> str:
    """The extension from the URL itself: never guessed (originals may be png)."""
    found = IMAGE_NAME.search(url or "")
    if not found:
        raise PixivApiError("unparsable_image_url", url)
    return "jpg" if found.group("ext") == "jpeg" else found.group("ext")


def rating_reason(body: dict, filters: Filters) -> str | None:
    """Why the filters drop a work by its rating, AI flag or type (a detail or a summary)."""
    if int(body.get("xRestrict") or 0) > filters.max_x_restrict:
        return f"x_restrict_{int(body['xRestrict'])}"
    if int(body.get("aiType") or 0) == 2 and not filters.keep_ai:
        return "ai_generated"
    if int(body.get("illustType") or 0) == 2 and filters.ugoira == "skip":
        return "ugoira"
    return None


def skip_reason(body: dict, filters: Filters) -> str | None:
    """Why a work is not kept, or None."""
    reason = rating_reason(body, filters)
    if reason:
        return reason
    if not (body.get("urls") or {}).get(filters.image_size):
        return "no_image_urls"  # all null when the viewer may not see the work
    return None


def illust_rows(detail: dict, pages: dict | None, filters: Filters) -> list[dict] | str:
    """Rows (one per page) of /ajax/illust/<id> (+ /pages), or the skip reason."""
    body = unwrap(detail)
    reason = skip_reason(body, filters)
    if reason:
        return reason
    tags = (body.get("tags") or {}).get("tags") or []
    common = {
        "illust_id": int(body["illustId"]), "user_id": int(body["userId"]),
        "user_name": body.get("userName"), "title": body.get("title"),
        "illust_type": ILLUST_TYPES.get(int(body.get("illustType") or 0), "illust"),
        "x_restrict": int(body.get("xRestrict") or 0),
        "ai_type": int(body["aiType"]) if body.get("aiType") is not None else None,
        "create_date": body.get("createDate"),
        "tags": [t["tag"] for t in tags],
        "tags_en": [((t.get("translation") or {}).get("en") or "") for t in tags],
    }
    if pages is not None and int(body.get("pageCount") or 1) > 1:
        listed = unwrap(pages)  # the authoritative page list
        page_info = [(p["urls"][filters.image_size], p["width"], p["height"]) for p in listed]
    else:
        page_info = [(body["urls"][filters.image_size], body.get("width"), body.get("height"))]
    rows = []
    for page, (url, width, height) in enumerate(page_info):
        rows.append({**common, "page": page, "url": url, "ext": image_ext(url),
                     "width": width, "height": height})
    return rows


def user_info(envelope: dict) -> dict:
    """/ajax/user/<id>: the artist's id and current display name (names change; ids do not)."""
    body = unwrap(envelope)
    return {"user_id": int(body["userId"]), "user_name": body.get("name") or ""}


def summary_url(api_base: str, user_id: int, ids: list[int]) -> str:
    """/ajax/user/<id>/profile/illusts: the user page's work summaries, up to 48 ids a request."""
    from urllib.parse import urlencode
    query = urlencode([("ids[]", i) for i in ids] + [("work_category", "illustManga"),
                                                      ("is_first_page", 0), ("lang", "en")])
    return f"{api_base}/user/{user_id}/profile/illusts?{query}"


def summaries(envelope: dict) -> dict[int, dict]:
    """{illust id: summary} of a /profile/illusts answer; works it cannot show are left out."""
    works = (unwrap(envelope) or {}).get("works") or {}
    return {int(i): w for i, w in works.items()} if isinstance(works, dict) else {}


def summary_facts(summary: dict) -> tuple:
    """What a summary tells of a work: tags, title, type, rating, AI flag, pages, first size."""
    ai = summary.get("aiType")
    return (list(summary.get("tags") or []), summary.get("title"),
            ILLUST_TYPES.get(int(summary["illustType"]), "illust"), int(summary["xRestrict"]),
            None if ai is None else int(ai), int(summary.get("pageCount") or 1),
            summary.get("userName"), int(summary["width"]), int(summary["height"]))


def stored_facts(rows: list[dict]) -> tuple:
    """The same facts of a stored work (its pages' last rows, page 0 first)."""
    first = sorted(rows, key=lambda r: int(r["page"]))[0]
    ai = first["ai_type"]
    return (list(first["tags"]), first["title"], first["illust_type"], int(first["x_restrict"]),
            None if ai is None or ai != ai else int(ai), len(rows), first["user_name"],
            int(first["width"]), int(first["height"]))
