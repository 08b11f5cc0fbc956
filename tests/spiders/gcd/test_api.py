"""The real GCD API responses in ../shared/fixtures parse into the raw-store row."""
from __future__ import annotations

import json

import pytest

from spiders.gcd.api import (GcdParseError, api_id, cover_id_from_url, cover_url,
                             parse_api_issue)


def load(shared_fixtures, name):
    return json.loads((shared_fixtures / "gcd/api" / name).read_text())


def test_issue_242700(shared_fixtures):
    row = parse_api_issue(load(shared_fixtures, "api_issue_242700.json"))
    assert row == {
        "issue_id": 242700, "series_id": 13519, "series_name": "Green Lantern (2005 series)",
        "issue_number": "1", "publisher": "DC Comics", "publication_date": "July 2005",
        "on_sale_date": "2005-05-25", "cover_id": 224124,
        "cover_url": "https://files1.comics.org//img/gcd/covers_by_id/224/w400/224124.jpg",
        "characters_raw": "Green Lantern [Hal Jordan]", "genre": "superhero", "synopsis": None,
        "source_url": "https://www.comics.org/api/issue/242700/",
        "pencils": "Carlos Pacheco (credited) (signed as Pacheco [scratch])",
        "inks": "Jesús Merino (credited) (signed as Merino)",
        "colors": "Peter Steigerwald (credited) (signed as Peter S:)",
        "letters": None, "editing": None, "reason": None,
    }


def test_series_and_publisher_relations(shared_fixtures):
    series = load(shared_fixtures, "api_series_13519.json")
    assert api_id(series["api_url"], "series") == 13519
    assert api_id(series["publisher"], "publisher") == 54
    assert api_id(series["active_issues"][0], "issue") == 242700
    assert api_id(series["publisher"], "series") is None
    publisher = load(shared_fixtures, "api_publisher_54.json")
    assert (api_id(publisher["api_url"], "publisher"), publisher["name"]) == (54, "DC")


def test_cover_urls_round_trip():
    url = cover_url(224124)
    assert url == "https://files1.comics.org//img/gcd/covers_by_id/224/w400/224124.jpg"
    assert cover_id_from_url(url + "?1c4a5b") == 224124
    with pytest.raises(ValueError, match="400"):
        cover_url(224124, width=800)


def test_an_issue_without_cover_sequence_is_a_parse_error(shared_fixtures):
    issue = load(shared_fixtures, "api_issue_242700.json")
    issue["story_set"] = [s for s in issue["story_set"] if s["type"] != "cover"]
    with pytest.raises(GcdParseError, match="no cover sequence"):
        parse_api_issue(issue)
