"""The GCD parsers on real saved comics.org pages and API replies, and on pages rendered from
gcd-django's current templates (provenance of every file: real/SOURCES.md).

Each case here failed before issue 20's fixes: the gallery read no cover URL (the image sits in
the /issue/<id>/cover/4/ link), the publisher crawl stopped after page 1 (a &#9658; "next"),
a cover-only issue gave no row, and a "?" credit differed between page and API mode.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from spiders.gcd.api import NO_STORIES, normalise_credit, parse_api_issue
from spiders.gcd.pages import (gallery_covers, gallery_issue_ids, next_page, parse_issue_page,
                               publisher_series_ids)

REAL = Path(__file__).parent / "real"
SITE = "https://www.comics.org"
HOST = "https://files1.comics.org//img/gcd/covers_by_id/519"
# the six Batgirl (2008) cells of the real gallery: issue id, cover id, cache-buster
BATGIRL = [(534982, 519026, "8559449954247618860"), (534983, 519027, "-4535849069510442227"),
           (534984, 519028, "-4688170184506187026"), (534985, 519029, "2435884450965418283"),
           (534986, 519030, "-2030435674335192744"), (534987, 519031, "-3950936550788182662")]


def read(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def test_real_old_gallery_gives_every_cover_url():
    covers = gallery_covers(read("old_gallery_series_31350.excerpt.html"))
    assert covers == {issue: f"{HOST}/w100/{cover}.jpg?{stamp}" for issue, cover, stamp in BATGIRL}


def test_current_gallery_gives_every_cover_url_and_its_next_page():
    page = read("current_gallery_series_31350_page_1.rendered.html")
    assert gallery_covers(page) == {issue: f"{HOST}/w200/{cover}.jpg?{stamp}"
                                    for issue, cover, stamp in BATGIRL[:3]}
    assert gallery_issue_ids(page) == [issue for issue, _, _ in BATGIRL[:3]]
    url = f"{SITE}/series/31350/covers/"
    assert next_page(page, url) == "?page=2"
    assert next_page(page, url + "?page=2") is None


def test_real_publisher_page_follows_its_arrow_and_skips_the_alphabet():
    page = read("old_publisher_54_page_1.excerpt.html")
    assert "&#9658;" in page and "?page=a_1" in page  # the real bar: letters, numbers, arrow
    assert next_page(page, f"{SITE}/publisher/54/") == "?page=2"
    assert next_page(page, f"{SITE}/publisher/54/?page=1") == "?page=2"
    assert next_page(page, f"{SITE}/publisher/54/?page=80") is None
    assert publisher_series_ids(page) == [3161, 3370, 82437, 6133]


def test_current_publisher_page_follows_its_bar():
    page = read("current_publisher_54_page_1.rendered.html")
    assert next_page(page, f"{SITE}/publisher/54/") == "?page=2"
    assert next_page(page, f"{SITE}/publisher/54/?page=7") is None  # the arrow is not page 8
    assert publisher_series_ids(page) == [3161, 3370, 82437]  # not the featured issue's links


def test_real_old_issue_page():
    row = parse_issue_page(read("old_issue_370657.excerpt.html"), f"{SITE}/issue/370657/")
    assert row == {
        "issue_id": 370657, "series_id": 97, "series_name": "Action Comics",
        "issue_number": "854", "publisher": "DC Comics", "publication_date": "Mid October 2007",
        "on_sale_date": "2007-08-15", "cover_id": 354709,
        "cover_url": "https://files1.comics.org//img/gcd/covers_by_id/354/w400/354709.jpg"
                     "?6387868523781056401",
        "characters_raw": "Superman; K-Monkey; Jimmy Olsen", "genre": "superhero",
        "synopsis": None, "source_url": f"{SITE}/issue/370657/", "markup": "old",
        "reason": None, "pencils": "Brad Walker (signed)",
        "inks": "John Livesay [as Liv] (signed)", "colors": "Pete Pantazis [as Pete] (signed)",
        "letters": None,  # the page shows "?": unknown, stored as the API mode stores it
        "editing": None}  # the issue's editing credit is not the cover's


def test_current_variant_issue_page_gives_the_api_row(shared_fixtures):
    """Issue 242700 (a variant: "1 [Direct Sales ...]") by page and by the real API reply."""
    page = parse_issue_page(read("current_issue_242700.rendered.html"), f"{SITE}/issue/242700/")
    api = parse_api_issue(json.loads(
        (shared_fixtures / "gcd/api/api_issue_242700.json").read_text()))
    assert page["markup"] == "current" and page["issue_number"] == "1"
    same = ("issue_id", "series_id", "issue_number", "publisher", "publication_date",
            "on_sale_date", "cover_id", "characters_raw", "genre", "synopsis", "pencils", "inks",
            "colors", "letters", "editing", "reason")
    assert {k: page[k] for k in same} == {k: api[k] for k in same}
    assert page["pencils"] == "Carlos Pacheco (credited) (signed as Pacheco [scratch])"
    assert api["letters"] is None  # the reply's "None": no letterer


@pytest.mark.parametrize("value, stored", [("?", None), ("None", None), ("", None), (None, None),
                                           ("  ", None), ("Brad Walker ?", "Brad Walker ?"),
                                           ("Jesús  Merino", "Jesús Merino")])
def test_one_credit_normalisation_for_both_modes(value, stored):
    assert normalise_credit(value) == stored


def test_a_question_mark_credit_is_the_same_row_by_page_and_by_api():
    page = parse_issue_page(read("old_issue_370657.excerpt.html"), f"{SITE}/issue/370657/")
    reply = {"api_url": f"{SITE}/api/issue/370657/", "series": f"{SITE}/api/series/97/",
             "number": "854", "cover": page["cover_url"].split("?")[0],
             "story_set": [{"type": "cover", "pencils": "Brad Walker (signed)",
                            "inks": "John Livesay [as Liv] (signed)",
                            "colors": "Pete Pantazis [as Pete] (signed)", "letters": "?",
                            "editing": "None", "genre": "superhero",
                            "characters": "Superman; K-Monkey; Jimmy Olsen", "synopsis": ""}]}
    api = parse_api_issue(reply)
    credits = ("pencils", "inks", "colors", "letters", "editing")
    assert [page[c] for c in credits] == [api[c] for c in credits]
    assert api["letters"] is None


def test_real_cover_only_api_issue_keeps_its_row():
    """A real reply with `story_set: []` (Grayven's fixture): the cover is fetched all the same."""
    row = parse_api_issue(json.loads(read("api_issue_2698986_cover_only.json")))
    assert row["reason"] == NO_STORIES == "no_stories_indexed"
    assert (row["issue_id"], row["series_id"], row["cover_id"]) == (2698986, 219801, 1743127)
    assert row["cover_url"] == \
        "https://files1.comics.org//img/gcd/covers_by_id/1743/w400/1743127.jpg"
    assert row["issue_number"] == "1"  # the reply has a descriptor but no `number`
    assert (row["characters_raw"], row["genre"], row["pencils"]) == ("", None, None)


def test_cover_only_issue_page_gives_the_api_row():
    page = parse_issue_page(read("current_issue_cover_only.rendered.html"),
                            f"{SITE}/issue/2698986/")
    api = parse_api_issue(json.loads(read("api_issue_2698986_cover_only.json")))
    same = ("issue_id", "series_id", "issue_number", "publisher", "publication_date",
            "on_sale_date", "cover_id", "characters_raw", "genre", "pencils", "reason")
    assert {k: page[k] for k in same} == {k: api[k] for k in same}


def test_a_reply_without_stories_or_cover_is_refused():
    from spiders.gcd.api import GcdParseError
    reply = json.loads(read("api_issue_2698986_cover_only.json"))
    with pytest.raises(GcdParseError, match="no cover sequence and no cover"):
        parse_api_issue({**reply, "cover": ""})
