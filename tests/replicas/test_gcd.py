"""The GCD replica's pages, API and images, read with the spider's own parsers (no Scrapy run)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from preprocess.gcd.characters import parse_characters
from preprocess.gcd.teams import load_names
from replicas.gcd import GcdReplica, generate_truth
from spiders.gcd.api import GcdParseError, parse_api_issue
from spiders.gcd.pages import (gallery_covers, next_page, parse_issue_page,
                               publisher_series_ids)
from spiders.gcd.pipelines import refusal_reason

TRUTH = generate_truth(publishers=2, series_per_publisher=2, issues_per_series=7, broken=1)


def get(url: str, **headers) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture(scope="module")
def site():
    with GcdReplica(TRUTH, page_size=3, challenge=frozenset({min(
            i.cover_id for i in TRUTH.issues.values())})) as replica:
        yield replica


def test_both_markups_parse_to_the_truth(site):
    markups = set()
    for issue in TRUTH.issues.values():
        url = f"{site.base}/issue/{issue.issue_id}/"
        html = get(url)[1].decode()
        if not issue.has_cover_sequence:
            with pytest.raises(GcdParseError, match="no cover sequence"):
                parse_issue_page(html, url)
            continue
        row = parse_issue_page(html, url)
        markups.add(row["markup"])
        assert (row["issue_id"], row["series_id"], row["cover_id"]) == (
            issue.issue_id, issue.series_id, issue.cover_id)
        assert row["characters_raw"] == issue.characters_raw
        assert (row["genre"], row["pencils"], row["inks"], row["colors"]) == (
            issue.genre, issue.pencils, issue.inks, None)
        assert row["issue_number"] == issue.number
        assert row["cover_url"] == site.cover_url(issue, 400)
        api = parse_api_issue(json.loads(get(f"{site.base}/api/issue/{issue.issue_id}/"
                                             "?format=json")[1]))
        assert api["characters_raw"] == row["characters_raw"]
        assert (api["cover_id"], api["series_id"]) == (row["cover_id"], row["series_id"])
    assert markups == {"current", "old"}


def test_characters_fields_mean_what_the_truth_says():
    """Every generated field, noise included, parses to the truth's names and teams."""
    names = load_names()

    def walk(entries):
        for entry in entries:
            yield entry
            yield from walk(entry.members)

    for issue in generate_truth(publishers=2, series_per_publisher=3,
                                issues_per_series=20).issues.values():
        entries = list(walk(parse_characters(issue.characters_raw, names.teams)))
        people = {names.canonical_name(e.name) for e in entries if not e.is_team}
        teams = {names.canonical_name(e.name) for e in entries if e.is_team}
        assert people == issue.characters, issue.characters_raw
        assert teams == {team for team, _ in issue.teams}, issue.characters_raw


def test_listings_paginate_in_both_layouts(site):
    """Every publisher page and gallery, current and old layout, followed page by page as the
    spider does: each series and issue once, each gallery cell with its issue's cover URL."""
    layouts = set()
    for publisher in TRUTH.publishers:
        url = f"{site.base}/publisher/{publisher}/"
        page = get(url)[1].decode()
        assert publisher_series_ids(page) == TRUTH.publisher_series(publisher)
        assert next_page(page, url) is None  # two series, three a page
        layouts.add(site.layout("publisher", publisher))
    for series_id in TRUTH.series:
        seen, url = {}, f"{site.base}/series/{series_id}/covers/"
        while url:
            page = get(url)[1].decode()
            seen.update(gallery_covers(page))
            follow = next_page(page, url)
            url = f"{site.base}/series/{series_id}/covers/{follow}" if follow else None
        issues = TRUTH.series_issues(series_id)  # 7 issues, 3 pages
        assert list(seen) == [i.issue_id for i in issues]
        assert list(seen.values()) == [site.cover_url(i, 200) for i in issues]
        layouts.add(site.layout("series", series_id))
    assert layouts == {"current", "old"}


def test_a_cover_only_issue_gives_one_row_by_page_and_by_api():
    truth = generate_truth(publishers=2, series_per_publisher=1, issues_per_series=2,
                           cover_only=2)
    with GcdReplica(truth) as replica:
        rows = []
        for issue in truth.issues.values():
            url = f"{replica.base}/issue/{issue.issue_id}/"
            page = parse_issue_page(get(url)[1].decode(), url)
            api = parse_api_issue(json.loads(get(f"{replica.base}/api/issue/"
                                                 f"{issue.issue_id}/?format=json")[1]))
            rows.append((issue, page, api))
    assert sum(i.cover_only for i, _, _ in rows) == 2
    markups = set()
    for issue, page, api in rows:
        reason = "no_stories_indexed" if issue.cover_only else None
        same = ("issue_id", "series_id", "issue_number", "cover_id", "characters_raw", "genre",
                "pencils", "inks", "colors", "reason")
        assert {k: page[k] for k in same} == {k: api[k] for k in same}
        assert (page["reason"], page["cover_id"]) == (reason, issue.cover_id)
        if issue.cover_only:
            markups.add(page["markup"])
            assert (page["characters_raw"], page["pencils"], page["genre"]) == ("", None, None)
    assert markups == {"current", "old"}


@pytest.mark.parametrize("kind, real", [("issue", "api_issue_242700.json"),
                                        ("series", "api_series_13519.json"),
                                        ("publisher", "api_publisher_54.json")])
def test_api_replies_have_the_real_replies_fields(site, shared_fixtures, kind, real):
    """The replica's /api/<kind>/<id>/ has the keys (and story keys) of the real reply."""
    truth = {"issue": TRUTH.issues, "series": TRUTH.series, "publisher": TRUTH.publishers}[kind]
    number = min(truth)
    reply = json.loads(get(f"{site.base}/api/{kind}/{number}/?format=json")[1])
    expected = json.loads((shared_fixtures / "gcd/api" / real).read_text())
    assert list(reply) == list(expected)
    if kind == "issue":
        assert [list(s) for s in reply["story_set"]][:1] == [list(expected["story_set"][0])]
        assert "?" not in reply["cover"]  # IssueSerializer.get_cover: no cache-buster


def test_images_robots_and_challenge(site):
    issues = sorted(TRUTH.issues.values(), key=lambda i: i.cover_id)
    status, body, headers = get(site.cover_url(issues[1]))
    assert status == 200 and refusal_reason(status, {}, body) is None
    status, body, headers = get(site.cover_url(issues[0]))
    assert status == 403 and headers["cf-mitigated"] == "challenge"
    assert refusal_reason(status, {b"cf-mitigated": b"challenge"}, body) == "cloudflare_challenge"
    assert refusal_reason(200, {}, b"<html>") == "not_a_jpeg"
    assert b"Disallow: /*history/" in get(f"{site.base}/robots.txt")[1]
    wrong_folder = site.cover_url(issues[1]).replace(f"/{issues[1].cover_id // 1000}/", "/1/")
    assert get(wrong_folder)[0] == 404


def test_covers_are_learnable_from_their_marks():
    """A nearest-colour detector at each character's cell finds who is on the cover."""
    import io

    import numpy as np
    from PIL import Image

    from replicas.gcd.data import ALL_NAMES, _colour, draw_cover

    right = total = 0
    for issue in list(TRUTH.issues.values())[:12]:
        pixels = np.asarray(Image.open(io.BytesIO(draw_cover(issue))).convert("RGB"), float)
        for cell, name in enumerate(ALL_NAMES):
            x, y = 12 + (cell % 5) * 78 + 30, 90 + (cell // 5) * 125 + 50
            patch = np.median(pixels[y - 4:y + 5, x - 4:x + 5].reshape(-1, 3), axis=0)
            seen = np.abs(patch - np.array(_colour(name))).max() < 30
            right += seen == (name in issue.characters)
            total += 1
    assert right / total >= 0.95


def test_covers_do_not_depend_on_the_hash_seed():
    """Characters are a frozenset: drawn in set order, covers (and the demo GCD releases built
    from them) changed with PYTHONHASHSEED. Two processes with other seeds draw the same bytes."""
    import os
    import subprocess
    import sys

    script = ("import hashlib; from replicas.gcd.data import draw_cover, generate_truth; "
              "t = generate_truth(issues_per_series=4); print(hashlib.sha256(b''.join("
              "draw_cover(i) for i in t.issues.values())).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3")}
    assert len(digests) == 1 and len(digests.pop()) == 65
