"""Every Pixiv fixture parses into the right rows or the right skip reason."""
from __future__ import annotations

import json

import pytest

from spiders.pixiv.api import Filters, PixivApiError, illust_rows, image_ext, work_ids


def load(shared_fixtures, name):
    return json.loads((shared_fixtures / "pixiv" / name).read_text(encoding="utf-8"))


def test_a_one_page_illust(shared_fixtures):
    (row,) = illust_rows(load(shared_fixtures, "test-image-info-32039274.json"), None, Filters())
    assert row["illust_id"] == 32039274 and row["user_id"] == 341433 and row["page"] == 0
    assert (row["user_name"], row["title"]) == ("Nardack", "新しいお姫様")
    assert (row["width"], row["height"], row["x_restrict"], row["ai_type"]) == (642, 900, 0, 0)
    assert row["url"].endswith("/img-master/img/2012/12/11/00/23/25/32039274_p0_master1200.jpg")
    assert row["tags"][:4] == ["MAYU", "VOCALOID", "VOCALOID3", "なにこれかわいい"]
    assert row["tags_en"][:4] == ["", "", "", "incredibly cute"]
    assert len(row["tags"]) == len(row["tags_en"])
    (original,) = illust_rows(load(shared_fixtures, "test-image-info-32039274.json"), None,
                              Filters(image_size="original"))
    assert original["url"].endswith("/img-original/img/2012/12/11/00/23/25/32039274_p0.jpg")


def test_no_tags(shared_fixtures):
    (row,) = illust_rows(load(shared_fixtures, "test-image-no_tags-9175987.json"), None,
                         Filters())
    assert (row["tags"], row["tags_en"], row["illust_id"]) == ([], [], 9175987)


def test_ugoira_is_skipped_by_default_or_first_frame(shared_fixtures):
    detail = load(shared_fixtures, "test-image-ugoira-46281014.json")
    assert illust_rows(detail, None, Filters()) == "ugoira"
    (row,) = illust_rows(detail, None, Filters(ugoira="first_frame", image_size="original"))
    assert row["url"].endswith("46281014_ugoira0.jpg") and row["illust_type"] == "ugoira"


@pytest.mark.parametrize("name,message", [("test-image-error-123.json", ""),
                                          ("ajax-error.json", "An unknown error occurred")])
def test_error_envelopes(shared_fixtures, name, message):
    with pytest.raises(PixivApiError) as error:
        illust_rows(load(shared_fixtures, name), None, Filters())
    assert error.value.reason == "api_error" and message in str(error.value)


def test_profile_all_lists_ids_newest_first(shared_fixtures):
    data = load(shared_fixtures, "all-26357.json")
    ids = work_ids(data)
    expected = sorted({int(i) for i in data["body"]["illusts"]} |
                      {int(i) for i in data["body"]["manga"]}, reverse=True)
    assert ids == expected and len(ids) == 64 + 17
    assert len(work_ids(data, include_manga=False)) == 64


def test_the_pages_list_is_authoritative(shared_fixtures):
    detail = load(shared_fixtures, "test-image-info-32039274.json")
    pages = load(shared_fixtures, "pages-100412238.json")
    detail["body"]["pageCount"] = 2  # pretend multi-page: the /pages list decides the pages
    rows = illust_rows(detail, pages, Filters(image_size="original"))
    assert [(r["page"], r["ext"], r["width"], r["height"]) for r in rows] == [(0, "png", 2476, 3541)]


@pytest.mark.parametrize("field,value,reason", [
    ("xRestrict", 1, "x_restrict_1"), ("xRestrict", 2, "x_restrict_2"),
    ("aiType", 2, "ai_generated"),
])
def test_filters_give_reasons(shared_fixtures, field, value, reason):
    detail = load(shared_fixtures, "test-image-info-32039274.json")
    detail["body"][field] = value
    assert illust_rows(detail, None, Filters()) == reason


def test_null_urls_of_restricted_works(shared_fixtures):
    detail = load(shared_fixtures, "test-image-info-32039274.json")
    detail["body"]["urls"] = {k: None for k in detail["body"]["urls"]}
    assert illust_rows(detail, None, Filters()) == "no_image_urls"


@pytest.mark.parametrize("url,ext", [
    ("https://i.pximg.net/img-original/img/2022/08/11/23/46/14/100412238_p0.png", "png"),
    ("https://i.pximg.net/img-master/img/2022/08/11/23/46/14/100412238_p3_master1200.jpg", "jpg"),
    ("https://i.pximg.net/img-original/img/2022/08/11/23/46/14/"
     "100412238-0123456789abcdef0123456789abcdef_p1.gif", "gif"),
])
def test_image_names_in_both_forms(url, ext):
    assert image_ext(url) == ext


def test_user_info(shared_fixtures):
    from spiders.pixiv.api import user_info

    assert user_info(load(shared_fixtures, "user-9153585.json")) == {
        "user_id": 9153585, "user_name": "haku89"}


COVERED = {"ajax-error.json", "all-26357.json", "pages-100412238.json", "test-image-error-123.json",
           "test-image-info-32039274.json", "test-image-no_tags-9175987.json",
           "test-image-ugoira-46281014.json", "user-9153585.json"}


def test_every_fixture_file_has_a_test(shared_fixtures):
    assert {p.name for p in (shared_fixtures / "pixiv").glob("*.json")} == COVERED
