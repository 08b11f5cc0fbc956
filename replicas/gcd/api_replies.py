"""The loopback GCD's API replies, field for field as gcd-django's apps/api/serializers.py writes
them (IssueSerializer, StorySerializer, SeriesSerializer, PublisherSerializer; revision named in
docs/gcd.md), with the values of the real replies in ../shared/fixtures/gcd/api as the model.

Differences from the real API are the replica's bugs, except values the truth does not hold
(prices, barcodes, notes): those are empty strings, as the serializers write missing text.
"""
from __future__ import annotations

from replicas.gcd.data import GcdTruth, Issue

API = "https://www.comics.org/api"
STORY_FIELDS = ("type", "title", "feature", "sequence_number", "page_count", "script", "pencils",
                "inks", "colors", "letters", "editing", "job_number", "genre", "first_line",
                "characters", "synopsis", "notes", "keywords")


def story(issue: Issue, kind: str, number: int, characters: str) -> dict:
    """StorySerializer: credits through show_creator_credit, "None" where no_<credit> is set."""
    values = {"type": kind, "sequence_number": number, "page_count": "1.000" if number == 0
              else "12.000", "pencils": issue.pencils, "inks": issue.inks, "colors": "None",
              "letters": "None", "editing": "None", "script": "None" if number == 0 else "?",
              "genre": issue.genre, "characters": characters, "feature": "",
              "synopsis": "" if number == 0 else "A comic story."}
    return {name: values.get(name, "") for name in STORY_FIELDS}


def issue_reply(truth: GcdTruth, issue: Issue, cover_url: str) -> dict:
    """IssueSerializer; `cover` is get_cover's w400 URL without a query ('' without a cover)."""
    series_name, publisher_id = truth.series[issue.series_id]
    stories = []
    if not issue.cover_only:
        if issue.has_cover_sequence:
            stories.append(story(issue, "cover", 0, issue.characters_raw))
        stories.append(story(issue, "comic story", 1, "Somebody Else; Another Person"))
    return {"api_url": f"{API}/issue/{issue.issue_id}/", "series_name": series_name,
            "descriptor": issue.number, "number": issue.number, "volume": "",
            "variant_name": "", "title": "", "publication_date": issue.publication_date,
            "key_date": "", "price": "", "page_count": None, "editing": "",
            "indicia_publisher": truth.publishers[publisher_id][1], "brand_emblem": "",
            "isbn": "", "barcode": "", "rating": "", "on_sale_date": issue.on_sale_date,
            "indicia_frequency": "", "notes": "", "variant_of": None,
            "series": f"{API}/series/{issue.series_id}/", "indicia_printer": "", "keywords": "",
            "story_set": stories, "cover": cover_url}


def series_reply(truth: GcdTruth, series_id: int) -> dict:
    """SeriesSerializer: active_issues as API URLs, issue_descriptors beside them."""
    name, publisher_id = truth.series[series_id]
    issues = truth.series_issues(series_id)
    return {"api_url": f"{API}/series/{series_id}/", "name": name, "country": "us",
            "language": "en", "active_issues": [f"{API}/issue/{i.issue_id}/" for i in issues],
            "issue_descriptors": [i.number for i in issues], "color": "color", "dimensions": "",
            "paper_stock": "", "binding": "", "publishing_format": "", "notes": "",
            "year_began": 1960, "year_ended": None, "publisher": f"{API}/publisher/{publisher_id}/"}


def publisher_reply(truth: GcdTruth, publisher_id: int) -> dict:
    """PublisherSerializer (the model's fields but created, deleted, external_link), the keys of
    the real reply for publisher 54."""
    name = truth.publishers[publisher_id][0]
    series = truth.publisher_series(publisher_id)
    return {"api_url": f"{API}/publisher/{publisher_id}/", "country": "us",
            "modified": "2026-01-01T00:00:00Z", "name": name, "year_began": 1960,
            "year_ended": None, "year_began_uncertain": False, "year_ended_uncertain": False,
            "year_overall_began": 1960, "year_overall_ended": None,
            "year_overall_began_uncertain": False, "year_overall_ended_uncertain": False,
            "notes": "", "url": "", "brand_count": 0, "indicia_publisher_count": 1,
            "series_count": len(series),
            "issue_count": sum(len(truth.series_issues(s)) for s in series)}
