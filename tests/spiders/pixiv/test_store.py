"""The raw store's journal: torn lines ignored, merged once, ids known; crawl options checked."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from core.paths import work_dirs
from spiders.pixiv.crawl import CrawlOptions, crawl_command, jobdir_for, read_user_ids
from spiders.pixiv.store import journal_path, known_illusts, merge_journal


def rows(illust_id, pages=1):
    return [{"illust_id": illust_id, "page": p, "user_id": 7, "sha256": f"{illust_id}-{p}"}
            for p in range(pages)]


def test_journal_merge_ignores_a_torn_line_and_duplicates(tmp_path):
    path = tmp_path / "illusts.parquet"
    pd.DataFrame(rows(1)).to_parquet(path, index=False)
    journal_path(path).write_text(json.dumps(rows(2, pages=2)) + "\n" + json.dumps(rows(1)) + "\n"
                                  + json.dumps(rows(3))[:20])  # killed mid-write
    assert known_illusts(path) == {1, 2}
    assert merge_journal(path) == 2
    table = pd.read_parquet(path)
    assert list(zip(table["illust_id"], table["page"])) == [(1, 0), (2, 0), (2, 1)]
    assert not journal_path(path).exists()
    assert merge_journal(path) == 0 and known_illusts(path) == {1, 2}


def test_user_ids_file_skips_comments(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# artists\n123\n\n456  # note\n")
    assert read_user_ids(users) == [123, 456]


def test_the_fast_profile_is_for_loopback_only(tmp_path):
    options = CrawlOptions(users=(1,), profile="fast-loopback")
    command = crawl_command(options, "http://127.0.0.1:8000/ajax", tmp_path / "s.json", {})
    assert "DOWNLOAD_DELAY=0" in command and "users=1" in command
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        crawl_command(options, "https://www.pixiv.net/ajax", tmp_path / "s.json", {})
    polite = crawl_command(CrawlOptions(users=(1,)), "https://www.pixiv.net/ajax",
                           tmp_path / "s.json", {})
    assert not any(part.startswith("DOWNLOAD_DELAY") for part in polite)


@pytest.mark.parametrize("override,message", [
    ({"image_size": "huge"}, "image_size must be one of"),
    ({"profile": "turbo"}, "profile must be one of"),
    ({"ugoira": "gif"}, "ugoira must be one of"),
])
def test_crawl_options_list_allowed_values(override, message):
    with pytest.raises(ValueError, match=message):
        CrawlOptions.load(**override)
    assert CrawlOptions.load().cap == 200 and CrawlOptions.load().profile == "polite"


def test_each_crawl_has_its_own_jobdir(tmp_path):
    dirs = work_dirs(tmp_path)
    one, same = CrawlOptions(users=(1, 2)), CrawlOptions(users=(1, 2), profile="fast-loopback")
    assert jobdir_for(one, dirs) == jobdir_for(same, dirs)  # the profile is how, not what
    assert jobdir_for(one, dirs) != jobdir_for(CrawlOptions(users=(1, 3)), dirs)
    assert jobdir_for(one, dirs) != jobdir_for(CrawlOptions(users=(1, 2), cap=5), dirs)
