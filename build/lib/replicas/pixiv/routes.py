"""The loopback Pixiv's routes: the website's AJAX API and an i.pximg.net-like image host.

Same paths and JSON shapes as the real site (fixtures in ../shared/fixtures/pixiv): envelopes with
`[]` bodies on error, `{id: null}` maps, null URLs for restricted works, multi-page works with a
/pages list, ugoira, AI-flagged works, hashed file names. The image host answers 403 without a
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
        works = [w for w in self.truth.works.values() if w.user_id == user_id]
        illusts = {str(w.illust_id): None for w in works if w.illust_type != 1}
        manga = {str(w.illust_id): None for w in works if w.illust_type == 1}
        return 200, {"error": False, "message": "", "body": {
            "illusts": illusts or [], "manga": manga or [], "novels": [], "mangaSeries": [],
            "novelSeries": [], "pickup": []}}

    def summaries(self, path: str, ids: list[str], logged_in: bool) -> tuple[int, dict]:
        """/ajax/user/<id>/profile/illusts?ids[]=...: the user page's work summaries (tags as
        plain strings, no translations); deleted works and other users' are left out."""
        user_id = int(path.strip("/").split("/")[2])
        if user_id not in self.truth.artists:
            return 404, {"error": True, "message": "User not found", "body": []}
        works = {}
        for illust in ids[:48]:
            work = self.truth.works.get(int(illust)) if illust.isdigit() else None
            if work is None or work.deleted or work.user_id != user_id:
                continue
            detail = self.detail(work, logged_in)
            works[illust] = {
                "id": illust, "title": detail["title"], "illustType": work.illust_type,
                "xRestrict": work.x_restrict, "restrict": 0, "sl": 2,
                "url": detail["urls"]["small"], "tags": [t["tag"] for t in detail["tags"]["tags"]],
                "userId": str(work.user_id), "userName": detail["userName"],
                "width": 480, "height": 640, "pageCount": work.pages,
                "isMasked": detail["urls"]["small"] is None, "aiType": work.ai_type,
                "createDate": detail["createDate"], "updateDate": detail["createDate"]}
        return 200, {"error": False, "message": "", "body": {"works": works, "extraData": {}}}

    def urls(self, work: Work, page: int, with_mini: bool = True) -> dict:
        base, date, name = self.image_base, _date_path(work), _name(work)
        frame = "" if work.illust_type == 2 else f"_p{page}"
        urls = {"small": f"{base}/c/540x540_70/img-master/img/{date}/{name}{frame}_master1200.jpg",
                "regular": f"{base}/img-master/img/{date}/{name}{frame}_master1200.jpg",
                "original": f"{base}/img-original/img/{date}/{name}"
                            + ("_ugoira0.jpg" if work.illust_type == 2 else f"_p{page}.jpg")}
        if with_mini:
            urls.update(mini=urls["small"], thumb=urls["small"])
        else:
            urls["thumb_mini"] = urls["small"]
        return urls

    def detail(self, work: Work, logged_in: bool) -> dict:
        # R-18 needs a login, hidden works are never shown: urls all null
        visible = (work.x_restrict == 0 or logged_in) and not work.hidden
        urls = self.urls(work, 0)
        tags = [{"tag": t, "translation": {"en": en}} if en else {"tag": t}
                for t, en in tag_pairs(work, self.truth.artists[work.user_id])]
        return {"illustId": str(work.illust_id), "userId": str(work.user_id),
                "userName": self.truth.artists[work.user_id], "title": f"{work.subject} study",
                "illustType": work.illust_type, "xRestrict": work.x_restrict,
                "aiType": work.ai_type, "pageCount": work.pages, "width": 480, "height": 640,
                "createDate": "2024-05-01T00:00:00+00:00", "tags": {"tags": tags},
                "urls": urls if visible else {k: None for k in urls}}

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
