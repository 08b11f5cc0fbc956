"""The loopback Pixiv's routes: the website's AJAX API and an i.pximg.net-like image host.

Built from real saved replies, key for key (../shared/fixtures/pixiv and tests/spiders/pixiv/real,
docs/pixiv.md lists them): envelopes with `[]` bodies on error; details with the real body keys,
`tags.tags` entries carrying `locked` / `deletable` / `translation.en`, `userIllusts` ({id: null}
but for the work and its neighbours); `profile/all` as `{id: null}` maps, `[]` when empty;
summaries that map some ids to null and list every third work's tags in another order than its
detail (locked tags first there); null URLs for R-18 and My pixiv-only works without a login;
/pages lists; ugoira, AI-flagged works, hashed file names. The image host answers 403 without a
Referer on *.pixiv.net, and both hosts answer 429 with Retry-After to requests closer together than
`min_interval`.
"""
from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlparse

from replicas.common import Faults, LoopbackServer, Reply
from replicas.pixiv.data import PixivTruth, Work, draw, tag_pairs

ROBOTS = "User-agent: *\nDisallow: /admin/\n"


def _date_path(work: Work) -> str:
    seconds = work.illust_id % 86_400
    return f"2024/05/{1 + work.illust_id % 28:02d}/{seconds // 3600:02d}/{seconds // 60 % 60:02d}/{seconds % 60:02d}"


def null_summary(illust_id: int) -> bool:
    """Whether the replica's summaries map this work to null (every fourth id), as real
    works/latest and userIllusts maps do for most of theirs."""
    return illust_id % 4 == 0


def reordered_summary(illust_id: int) -> bool:
    """Whether the replica's summary lists this work's tags in another order than its detail
    (every third work): issue 20 reports this for about a third of real works."""
    return illust_id % 3 == 1


def _name(work: Work) -> str:
    if work.hashed_name:
        return f"{work.illust_id}-{hashlib.md5(str(work.illust_id).encode()).hexdigest()}"
    return str(work.illust_id)


class PixivReplica:
    """Start with `with PixivReplica(truth) as site:`; site.api_base / site.image_base are URLs."""

    def __init__(self, truth: PixivTruth, min_interval: float = 0.0, retry_after: int = 1,
                 robots: str = ROBOTS):
        self.truth, self.robots = truth, robots
        self.log: list[dict] = []  # both hosts' requests, in order
        # each host answers 429 to requests closer together than min_interval
        faults = lambda: Faults(min_interval=min_interval, retry_after=retry_after)  # noqa: E731
        self._servers = [LoopbackServer(self._answer_api, faults(), "api", self.log),
                         LoopbackServer(self._answer_image, faults(), "images", self.log)]

    def __enter__(self) -> "PixivReplica":
        for server in self._servers:
            server.__enter__()
        self.api_base, self.image_base = (server.base for server in self._servers)
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.__exit__(*exc)

    def _answer_api(self, path: str, headers: dict) -> Reply:
        url = urlparse(path)
        path = url.path
        if path == "/robots.txt":
            return Reply(200, self.robots.encode(), "text/plain")
        logged_in = "PHPSESSID" in (headers.get("Cookie") or "")
        if path.endswith("/profile/illusts"):
            status, body = self.summaries(path, parse_qs(url.query).get("ids[]", []), logged_in)
        else:
            status, body = self.api(path, logged_in)
        return Reply(status, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def _answer_image(self, path: str, headers: dict) -> Reply:
        path = urlparse(path).path
        if path == "/robots.txt":
            return Reply(200, self.robots.encode(), "text/plain")
        referer = urlparse(headers.get("Referer") or "").hostname or ""
        if not (referer == "pixiv.net" or referer.endswith(".pixiv.net")):
            return Reply(403, b"Forbidden")
        data = self.image(path)
        return Reply(404, b"Not Found") if data is None else Reply(200, data, "image/jpeg")

    def api(self, path: str, logged_in: bool) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["ajax", "user"] and parts[3:] == ["profile", "all"]:
            return self._profile(int(parts[2]))
        if parts[:2] == ["ajax", "illust"] and len(parts) in (3, 4):
            work = self.truth.works.get(int(parts[2]) if parts[2].isdigit() else -1)
            if work is None or work.deleted:
                return 404, {"error": True, "message": "Work has been deleted or the ID does "
                             "not exist.", "body": []}
            if len(parts) == 4 and parts[3] == "pages":
                return 200, {"error": False, "message": "", "body": [
                    {"urls": self.urls(work, p, with_mini=False), "width": 480, "height": 640}
                    for p in range(work.pages)]}
            return 200, {"error": False, "message": "", "body": self.detail(work, logged_in)}
        return 404, {"error": True, "message": "An unknown error occurred", "body": []}

    def _profile(self, user_id: int) -> tuple[int, dict]:
        if user_id not in self.truth.artists:
            return 404, {"error": True, "message": "User not found", "body": []}
        # a deleted work leaves the listing (a stored one then has its detail read: 404)
        works = [w for w in self.truth.works.values() if w.user_id == user_id and not w.deleted]
        illusts = {str(w.illust_id): None for w in works if w.illust_type != 1}
        manga = {str(w.illust_id): None for w in works if w.illust_type == 1}
        return 200, {"error": False, "message": "", "body": {
            "illusts": illusts or [], "manga": manga or [], "novels": [], "mangaSeries": [],
            "novelSeries": [], "pickup": [],
            "bookmarkCount": {"public": {"illust": 0, "novel": 0},
                              "private": {"illust": 0, "novel": 0}},
            "externalSiteWorksStatus": {"booth": False, "sketch": False, "vroidHub": False},
            "request": {"showRequestTab": False, "showRequestSentTab": False,
                        "postWorks": {"artworks": [], "novels": []}}}}

    def summaries(self, path: str, ids: list[str], logged_in: bool) -> tuple[int, dict]:
        """/ajax/user/<id>/profile/illusts?ids[]=...: the user page's work summaries (tags as
        plain strings, no translations). Deleted works and other users' are left out; as in real
        works/latest and userIllusts maps, some ids map to null (every fourth id here)."""
        user_id = int(path.strip("/").split("/")[2])
        if user_id not in self.truth.artists:
            return 404, {"error": True, "message": "User not found", "body": []}
        works = {}
        for illust in ids[:48]:
            work = self.truth.works.get(int(illust)) if illust.isdigit() else None
            if work is None or work.deleted or work.user_id != user_id:
                continue
            works[illust] = None if null_summary(work.illust_id) else self.summary(work, logged_in)
        return 200, {"error": False, "message": "", "body": {"works": works, "extraData": {
            "meta": {"title": f"{self.truth.artists[user_id]} - pixiv"}}}}

    def summary(self, work: Work, logged_in: bool) -> dict:
        """A work's summary, keys as in real userIllusts / works/latest entries."""
        detail = self.detail(work, logged_in, neighbours=False)
        tags = [t["tag"] for t in detail["tags"]["tags"]]
        if reordered_summary(work.illust_id):  # the same tags, in another order
            tags = tags[1:] + tags[:1]
        return {"id": detail["id"], "title": detail["title"], "illustType": work.illust_type,
                "xRestrict": work.x_restrict, "restrict": work.restrict, "sl": detail["sl"],
                "url": detail["urls"]["thumb"], "description": "", "tags": tags,
                "userId": detail["userId"], "userName": detail["userName"],
                "width": detail["width"], "height": detail["height"], "pageCount": work.pages,
                "isBookmarkable": True, "bookmarkData": None, "alt": detail["alt"],
                "titleCaptionTranslation": {"workTitle": None, "workCaption": None},
                "createDate": "2024-05-01T09:00:00+09:00",
                "updateDate": "2024-05-01T09:00:00+09:00", "isUnlisted": False,
                "isMasked": detail["urls"]["thumb"] is None, "aiType": work.ai_type,
                # a real value: the default image of a user without a profile image
                "profileImageUrl": "https://s.pximg.net/common/images/no_profile_s.png"}

    def urls(self, work: Work, page: int, with_mini: bool = True) -> dict:
        """The detail's urls (mini, thumb, small, regular, original) or a /pages entry's
        (thumb_mini, small, regular, original), named as on i.pximg.net."""
        base, date, name = self.image_base, _date_path(work), _name(work)
        frame = "" if work.illust_type == 2 else f"_p{page}"
        square = f"/img-master/img/{date}/{name}{frame}_square1200.jpg"
        urls = {"small": f"{base}/c/540x540_70/img-master/img/{date}/{name}{frame}_master1200.jpg",
                "regular": f"{base}/img-master/img/{date}/{name}{frame}_master1200.jpg",
                "original": f"{base}/img-original/img/{date}/{name}"
                            + ("_ugoira0.jpg" if work.illust_type == 2 else f"_p{page}.jpg")}
        if with_mini:
            return {"mini": f"{base}/c/48x48{square}", "thumb": f"{base}/c/250x250_80_a2{square}",
                    **urls}
        return {"thumb_mini": f"{base}/c/128x128{square}", **urls}

    def detail(self, work: Work, logged_in: bool, neighbours: bool = True) -> dict:
        """/ajax/illust/<id>'s body, keys as in the real saved replies (docs/pixiv.md)."""
        # R-18 and My pixiv-only works need a login (a friend's), hidden works are never shown
        visible = ((work.x_restrict == 0 or logged_in) and (work.restrict == 0 or logged_in)
                   and not work.hidden)
        urls = self.urls(work, 0)
        artist, user = self.truth.artists[work.user_id], str(work.user_id)
        tags = []
        for number, (tag, english) in enumerate(tag_pairs(work, artist)):
            # the author's own tags are locked and listed first; later ones (extra_tags) are not
            locked = number < 4 + bool(work.x_restrict) + work.r15
            entry = {"tag": tag, "locked": locked, "deletable": not locked}
            if locked:
                entry.update(userId=user, userName=artist)
            if english:
                entry["translation"] = {"en": english}
            tags.append(entry)
        title = f"{work.subject} study"
        body = {"illustId": str(work.illust_id), "illustTitle": title, "illustComment": "",
                "id": str(work.illust_id), "title": title, "description": "",
                "illustType": work.illust_type, "createDate": "2024-05-01T00:00:00+00:00",
                "uploadDate": "2024-05-01T00:00:00+00:00", "restrict": work.restrict,
                "xRestrict": work.x_restrict, "sl": 6 if work.x_restrict else 2,
                "urls": urls if visible else {k: None for k in urls},
                "tags": {"authorId": user, "isLocked": False, "tags": tags, "writable": True},
                "alt": f"{tags[0]['tag']} / {title}", "userId": user, "userName": artist,
                "userAccount": artist.lower(), "userIllusts": {}, "likeData": False,
                "width": 480, "height": 640, "pageCount": work.pages, "bookmarkCount": 0,
                "likeCount": 0, "commentCount": 0, "responseCount": 0, "viewCount": 0,
                "bookStyle": 0, "isHowto": False, "isOriginal": True,
                "imageResponseOutData": [], "imageResponseData": [], "imageResponseCount": 0,
                "pollData": None, "seriesNavData": None, "descriptionBoothId": None,
                "descriptionYoutubeId": None, "comicPromotion": None, "fanboxPromotion": None,
                "contestBanners": [], "isBookmarkable": True, "bookmarkData": None,
                "contestData": None,
                "titleCaptionTranslation": {"workTitle": None, "workCaption": None},
                "isUnlisted": False, "request": None, "commentOff": 0, "aiType": work.ai_type,
                "reuploadDate": None, "locationMask": False, "commissionLinkHidden": False,
                "isLoginOnly": bool(work.x_restrict)}
        if neighbours:  # {id: null} but for the work itself and the works beside it
            ids = sorted((w.illust_id for w in self.truth.works.values()
                          if w.user_id == work.user_id and not w.deleted), reverse=True)
            at = ids.index(work.illust_id)
            body["userIllusts"] = {
                str(i): (self.summary(self.truth.works[i], logged_in)
                         if abs(n - at) <= 1 else None) for n, i in enumerate(ids)}
            # as in the real replies, the work's own entry has no profile image
            body["userIllusts"][str(work.illust_id)].pop("profileImageUrl")
        return body

    def image(self, path: str) -> bytes | None:
        name = path.rsplit("/", 1)[-1]
        illust = name.split("_")[0].split("-")[0]
        work = self.truth.works.get(int(illust)) if illust.isdigit() else None
        if work is None or work.deleted:
            return None
        page = int(name.split("_p")[1].split("_")[0].split(".")[0]) if "_p" in name else 0
        return draw(work, page)


def write_raw_store(truth: PixivTruth, raw_dir, image_base: str = "http://127.0.0.1:9",
                    filters=None, logged_in: bool = False) -> int:
    """The raw store a default crawl of `truth` would leave, without HTTP (dataset tests, bench).

    Rows come from the replica's own JSON through the spider's parsing code; returns the rows.
    """
    from pathlib import Path

    import pandas as pd

    from spiders.pixiv.api import Filters, illust_rows

    site = PixivReplica(truth)
    site.image_base = image_base
    raw = Path(raw_dir) / "pixiv"
    rows = []
    for work in sorted(truth.works.values(), key=lambda w: w.illust_id):
        if work.deleted:
            continue
        detail = {"error": False, "message": "", "body": site.detail(work, logged_in)}
        pages = site.api(f"/ajax/illust/{work.illust_id}/pages", logged_in)[1]
        outcome = illust_rows(detail, pages, filters or Filters())
        if isinstance(outcome, str):
            continue
        for row in outcome:
            data = draw(work, row["page"])
            path = raw / "images" / str(row["user_id"]) / f"{work.illust_id}_p{row['page']}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            rows.append({**row, "sha256": hashlib.sha256(data).hexdigest(), "http_status": 200,
                         "fetched_at": "2026-01-01T00:00:00+00:00", "user_agent": "replica"})
    pd.DataFrame(rows).to_parquet(raw / "illusts.parquet", index=False)
    return len(rows)
