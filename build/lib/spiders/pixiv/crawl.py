"""Run one Pixiv crawl as a subprocess of `spiders.run`, with its options and politeness profile."""
from __future__ import annotations

import hashlib
import os
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

from core.definitions import check_keys, choose, manifests_dir, read_definition
from core.paths import WorkDirs, work_dirs
from spiders.pixiv.api import AJAX
from spiders.subprocess_crawl import (FAST_PROFILE, NO_DELAY_JITTER, run_spider, spider_command,
                                      stats_path_for)

IMAGE_SIZES = ("regular", "original")
UGOIRA = ("skip", "first_frame")
# Settings per profile. fast-loopback lifts every delay: only for the replica on 127.0.0.1.
PROFILES = {
    "polite": {},
    FAST_PROFILE: {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                      **NO_DELAY_JITTER},
}


@dataclass(frozen=True)
class CrawlOptions:
    users: tuple[int, ...]
    cap: int = 200
    image_size: str = "regular"
    ugoira: str = "skip"
    max_x_restrict: int = 0
    keep_ai: bool = False
    profile: str = "polite"

    @classmethod
    def load(cls, name: str = "pixiv-crawl", **overrides) -> "CrawlOptions":
        defined = read_definition(name)
        check_keys(name, "", defined, [f.name for f in fields(cls)] + ["users_file"])
        raw = {**defined, **overrides}
        users = raw.pop("users", None)
        users_file = raw.pop("users_file", None)
        if users is None:
            users = read_user_ids(manifests_dir() / users_file) if users_file else ()
        options = cls(users=tuple(int(u) for u in users), **raw)
        choose("image_size", options.image_size, IMAGE_SIZES)
        choose("ugoira", options.ugoira, UGOIRA)
        choose("profile", options.profile, tuple(PROFILES))
        choose("max_x_restrict", options.max_x_restrict, (0, 1, 2))
        if options.cap < 1:
            raise ValueError(f"cap must be positive, not {options.cap}")
        return options


def read_user_ids(path: Path) -> list[int]:
    ids = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            ids.append(int(text))
    return ids


def crawl_plan(options: CrawlOptions, api_base: str, home: str | None = None) -> str:
    """What `run_crawl(options, api_base)` would fetch and how politely, without a request."""
    from spiders.pixiv.spider import PixivArtistSpider
    from spiders.plan import plan_text, politeness

    dirs = work_dirs(home)
    rows = [("api", api_base), ("users", options.users), ("works per user (cap)", options.cap),
            ("image size", options.image_size), ("ugoira", options.ugoira),
            ("max x_restrict", options.max_x_restrict), ("keep AI works", options.keep_ai),
            ("logged in", "yes ($PHPSESSID)" if os.environ.get("PHPSESSID") else "no"),
            ("profile", options.profile), ("rows", dirs.raw / "pixiv" / "illusts.parquet"),
            ("images", dirs.raw / "pixiv" / "images")]
    return plan_text("pixiv crawl", rows, politeness(PixivArtistSpider, PROFILES[options.profile]))


def crawl_command(options: CrawlOptions, api_base: str, stats_path: Path,
                  settings: dict[str, str]) -> list[str]:
    arguments = {"users": ",".join(map(str, options.users)), "cap": options.cap,
                 "api_base": api_base, "image_size": options.image_size,
                 "ugoira": options.ugoira, "max_x_restrict": options.max_x_restrict,
                 "keep_ai": options.keep_ai}
    return spider_command("pixiv", options.profile, api_base, stats_path, arguments,
                          {**PROFILES[options.profile], **settings})


def jobdir_for(options: CrawlOptions, dirs: WorkDirs) -> Path:
    """One JOBDIR per crawl (users and options): a paused crawl resumes only into the same one."""
    digest = hashlib.sha1(repr(astuple(replace(options, profile=""))).encode()).hexdigest()
    return dirs.cache / "jobs" / f"pixiv-{len(options.users)}users-{digest[:12]}"


def run_crawl(options: CrawlOptions, api_base: str = AJAX, home: str | None = None,
              settings: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Crawl in a subprocess; returns its stats (finish_reason, pixiv/skipped/<reason>, ...),
    also kept under runs/crawls/. spiders.run keeps JOBDIR for a paused crawl, drops it once
    finished or after a kill."""
    if not options.users:
        raise ValueError("no Pixiv user ids to crawl: list them in data_manifests/pixiv/users.txt")
    dirs = work_dirs(home)
    stats_path = stats_path_for(dirs, "pixiv")
    # logged in, restricted works answer with URLs: never serve one state's cache to the other
    cache = "http-pixiv-login" if os.environ.get("PHPSESSID") else "http-pixiv"
    base = {"JOBDIR": str(jobdir_for(options, dirs)), "HTTPCACHE_DIR": str(dirs.cache / cache),
            "FILES_STORE": str(dirs.raw / "pixiv" / "images"),
            "PIXIV_ROWS": str(dirs.raw / "pixiv" / "illusts.parquet")}
    command = crawl_command(options, api_base, stats_path, {**base, **(settings or {})})
    return run_spider(command, stats_path, dirs, timeout)


def with_users(options: CrawlOptions, users) -> CrawlOptions:
    return replace(options, users=tuple(int(u) for u in users))
