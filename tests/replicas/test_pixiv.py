"""The Pixiv replica serves the real site's shapes: the shared parsing code reads it exactly."""
from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from replicas.pixiv import PixivReplica, generate_truth
from spiders.pixiv.api import REFERER, Filters, PixivApiError, illust_rows, work_ids

TRUTH = generate_truth(artists=3, works_per_artist=12)


@pytest.fixture(scope="module")
def site():
    with PixivReplica(TRUTH) as replica:
        yield replica


def get(url, **headers):
    return requests.get(url, headers=headers, timeout=10)


def rows_of(site, work_id, **cookies):
    detail = get(f"{site.api_base}/ajax/illust/{work_id}?lang=en", **cookies).json()
    pages = get(f"{site.api_base}/ajax/illust/{work_id}/pages").json()
    return illust_rows(detail, pages, Filters())


def test_profiles_list_every_work_newest_first(site):
    for user_id in TRUTH.artists:
        ids = work_ids(get(f"{site.api_base}/ajax/user/{user_id}/profile/all").json())
        expected = sorted((w.illust_id for w in TRUTH.works.values()
                           if w.user_id == user_id and not w.deleted), reverse=True)
        assert ids == expected


def test_every_work_gives_its_rows_or_its_reason(site):
    for user_id in TRUTH.artists:
        kept = {w.illust_id: w for w in TRUTH.kept(user_id)}
        rows = 0
        for work in (w for w in TRUTH.works.values() if w.user_id == user_id):
            if work.deleted:
                with pytest.raises(PixivApiError):
                    rows_of(site, work.illust_id)
                continue
            outcome = rows_of(site, work.illust_id)
            if work.illust_id in kept:
                assert [r["page"] for r in outcome] == list(range(work.pages))
                rows += len(outcome)
            else:
                expected = ("x_restrict_1" if work.x_restrict else
                            f"restrict_{work.restrict}" if work.restrict else "ai_generated"
                            if work.ai_type == 2 else "ugoira" if work.illust_type == 2
                            else "no_image_urls")
                assert outcome == expected
        assert rows == sum(w.pages for w in kept.values())


def test_restricted_works_hide_their_urls_without_a_login(site):
    work = next(w for w in TRUTH.works.values() if w.x_restrict)
    body = get(f"{site.api_base}/ajax/illust/{work.illust_id}").json()["body"]
    assert set(body["urls"].values()) == {None}
    body = get(f"{site.api_base}/ajax/illust/{work.illust_id}", Cookie="PHPSESSID=x").json()["body"]
    assert body["urls"]["regular"].startswith(site.image_base)


def test_images_need_a_pixiv_referer(site):
    work = next(w for w in TRUTH.works.values() if w.hashed_name)
    (row,) = rows_of(site, work.illust_id)
    assert f"{work.illust_id}-" in row["url"]  # the hashed file-name form
    assert get(row["url"]).status_code == 403
    assert get(row["url"], Referer="https://evil.example/").status_code == 403
    answer = get(row["url"], Referer=REFERER)
    assert answer.status_code == 200
    assert Image.open(io.BytesIO(answer.content)).size == (480, 640)


def test_bursts_get_429_with_retry_after():
    with PixivReplica(TRUTH, min_interval=5.0, retry_after=7) as site:
        first = get(f"{site.api_base}/robots.txt")
        second = get(f"{site.api_base}/robots.txt")
    assert first.status_code == 200 and "Disallow: /admin/" in first.text
    assert second.status_code == 429 and second.headers["Retry-After"] == "7"


def test_artists_and_subjects_are_learnable(tmp_path):
    """Nearest centroid on tiny thumbnails: artists far above chance, from half the works."""
    import numpy as np

    from replicas.pixiv import draw

    truth = generate_truth(artists=4, works_per_artist=24, seed=2)
    works = [w for u in truth.artists for w in truth.kept(u) if not w.blank]

    def features(work):
        image = Image.open(io.BytesIO(draw(work, 0))).resize((16, 16))
        return np.asarray(image, dtype=float).ravel() / 255

    train = [w for w in works if w.illust_id % 2 == 0]
    test = [w for w in works if w.illust_id % 2 == 1]
    centroids = {u: np.mean([features(w) for w in train if w.user_id == u], axis=0)
                 for u in truth.artists}
    hits = sum(min(centroids, key=lambda u: np.linalg.norm(features(w) - centroids[u]))
               == w.user_id for w in test)
    assert hits / len(test) >= 0.9  # chance is 0.25


def test_each_subject_draws_its_own_shape():
    """The subject tags (and the character tags that follow them) must be learnable from pixels:
    the same work drawn as each subject differs pairwise over a good part of the mark's box."""
    import itertools
    from dataclasses import replace

    import numpy as np

    from replicas.pixiv import draw
    from replicas.pixiv.data import SUBJECT_FILL, SUBJECTS

    work = next(w for w in generate_truth(artists=1, works_per_artist=12, seed=3).works.values()
                if not w.blank and w.pages == 1)

    def mark(subject):  # the pixels of the mark's fill colour (JPEG noise allowed)
        image = np.asarray(Image.open(io.BytesIO(draw(replace(work, subject=subject), 0))),
                           dtype=int)
        return (np.abs(image - SUBJECT_FILL[subject]) < 30).all(2)

    marks = {s: mark(s) for s in SUBJECTS}
    box_area = 160 * 160
    assert len(set(SUBJECT_FILL.values())) == len(SUBJECTS)
    for a, b in itertools.combinations(SUBJECTS, 2):
        differing = (marks[a] ^ marks[b]).sum()  # the shapes differ, whatever their colours
        assert differing > 0.15 * box_area, (a, b, differing)
    # the whole mark lies inside the centred 480x480 square that pixiv-tags crops to
    rows = np.nonzero(marks["sword"].any(1))[0]
    assert 0.9 * box_area < marks["sword"].sum() < 1.1 * box_area
    assert rows.min() >= 80 and rows.max() < 560
