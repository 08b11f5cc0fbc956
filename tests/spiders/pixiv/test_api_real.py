"""The Pixiv parsing code on real saved replies (tests/spiders/pixiv/real, SOURCES.md there):
private works, R-18 seen logged in and out, PNG originals, multi-page works, null summaries,
replies without aiType, and the tag order of a detail against its summary."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from spiders.pixiv.api import (Filters, PixivApiError, illust_rows, rating_reason, stored_facts,
                               summaries, summary_facts, unchanged, work_ids)

REAL = Path(__file__).resolve().parent / "real"


def load(name: str) -> dict:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def test_every_real_file_is_listed_in_sources():
    listed = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in REAL.glob("*.json") if p.name not in listed) == []


def test_a_private_work_is_skipped_and_counted_unless_kept():
    detail = load("illust-65079382-private-png.json")
    assert detail["body"]["restrict"] == 2 and detail["body"]["urls"]["original"]
    assert illust_rows(detail, None, Filters()) == "restrict_2"
    (row,) = illust_rows(detail, None, Filters(keep_private=True, image_size="original"))
    assert (row["illust_id"], row["restrict"], row["ext"]) == (65079382, 2, "png")
    assert row["url"].endswith("65079382-fcbd96e49a310f5a081d56fb29757aad_p0.png")
    # its summary says the same: the crawl needs no detail to skip it
    summary = detail["body"]["userIllusts"]["65079382"]
    assert rating_reason(summary, Filters()) == "restrict_2"


def test_r18_seen_logged_in_gives_both_pages_with_the_pages_list():
    detail, pages = load("illust-67487303-r18-2pages.json"), load("pages-67487303.DERIVED.json")
    assert illust_rows(detail, pages, Filters()) == "x_restrict_1"
    rows = illust_rows(detail, pages, Filters(max_x_restrict=1))
    assert [(r["page"], r["ext"], r["x_restrict"]) for r in rows] == [(0, "jpg", 1), (1, "jpg", 1)]
    assert rows[1]["url"].endswith("/67487303_p1_master1200.jpg")
    assert rows[0]["tags"][:3] == ["R-18", "Fate/EXTRA", "ネロ・クラウディウス"]
    assert rows[0]["tags_en"][2:4] == ["Nero Claudius", "armpits"]


def test_r18_seen_logged_out_has_null_urls():
    detail = load("illust-67487303-r18-logged-out.DERIVED.json")
    assert illust_rows(detail, None, Filters()) == "x_restrict_1"
    assert illust_rows(detail, None, Filters(max_x_restrict=1)) == "no_image_urls"


def test_a_multi_page_manga():
    detail, pages = load("illust-67487303-manga.DERIVED.json"), load("pages-67487303.DERIVED.json")
    rows = illust_rows(detail, pages, Filters(max_x_restrict=1, image_size="original"))
    assert [(r["illust_type"], r["page"]) for r in rows] == [("manga", 0), ("manga", 1)]
    assert [r["url"].rsplit("/", 1)[1] for r in rows] == ["67487303_p0.jpg", "67487303_p1.jpg"]


def test_profile_all_without_manga():
    answer = load("profile-all-no-manga.json")
    assert answer["body"]["manga"] == []
    ids = work_ids(answer)
    assert len(ids) == 46 and ids == sorted(ids, reverse=True) and ids[0] == 74369837


def test_null_summaries_are_no_verdict():
    """works/latest: three summaries, every other id null; a null never reads as deleted."""
    found = summaries({"error": False, "message": "",
                       "body": {"works": load("works-latest-9153585.json")["body"]["illusts"]}})
    assert len(found) == 13 and sum(v is None for v in found.values()) == 10
    assert found[100036201] is None and found[100942014]["pageCount"] == 18


def test_a_summary_without_ai_type_compares_on_what_it_states():
    summary = load("works-latest-9153585.json")["body"]["illusts"]["100359634"]
    assert "aiType" not in summary and "ai_type" not in summary_facts(summary)
    stored = [{"page": 0, "tags": ["お品書き", "R-18"], "title": "C100お品書き",
               "illust_type": "illust", "x_restrict": 1, "ai_type": 0, "user_name": "haku89",
               "width": 5016, "height": 3541}]
    assert unchanged(summary, stored)  # aiType unknown to the summary, tags in another order
    assert not unchanged(summary, [{**stored[0], "title": "C100"}])


def test_detail_and_summary_of_one_work_compare_equal_whatever_the_tag_order():
    """The real detail lists its locked tags first; the same work's summary (userIllusts of a
    real reply) is taken as is, and reordered as summaries of about a third of works are."""
    detail = load("illust-67487303-r18-2pages.json")
    rows = illust_rows(detail, load("pages-67487303.DERIVED.json"), Filters(max_x_restrict=1))
    summary = detail["body"]["userIllusts"]["67487303"]
    assert unchanged(summary, rows)
    reordered = {**summary, "tags": list(reversed(summary["tags"]))}
    assert reordered["tags"] != rows[0]["tags"] and unchanged(reordered, rows)
    assert stored_facts(rows)["pages"] == summary["pageCount"] == 2
    retagged = {**summary, "tags": summary["tags"] + ["新タグ"]}
    assert not unchanged(retagged, rows)


@pytest.mark.parametrize("field,value", [("pageCount", 3), ("width", 530), ("xRestrict", 2)])
def test_a_changed_summary_fact_is_noticed(field, value):
    detail = load("illust-67487303-r18-2pages.json")
    rows = illust_rows(detail, load("pages-67487303.DERIVED.json"), Filters(max_x_restrict=1))
    assert not unchanged({**detail["body"]["userIllusts"]["67487303"], field: value}, rows)


def test_an_image_url_of_no_known_shape_is_refused_by_reason():
    detail = load("illust-65079382-private-png.json")
    detail["body"]["urls"]["regular"] = "https://i.pximg.net/img-master/img/2017/09/22/x"
    with pytest.raises(PixivApiError) as error:
        illust_rows(detail, None, Filters(keep_private=True))
    assert error.value.reason == "unparsable_image_url"
