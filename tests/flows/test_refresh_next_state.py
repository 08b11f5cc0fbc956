"""Refresh against a replica that changes (issue 13): new works, a deleted work and a changed tag
set show in changes.json exactly as the replica's ground truth says; a refresh after that
downloads no image bytes and makes no version."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

ARTISTS, WORKS = 1, 7  # the smallest replica with a work to delete and one to retag


def truth_pages(state: int) -> dict[str, set[str]]:
    """{sample key: the work's tags} of the pages the datasets keep, in replica `state`."""
    from replicas.pixiv import replica_truth, tag_pairs
    truth = replica_truth(ARTISTS, WORKS, state)
    return {f"pixiv-{w.illust_id}-p{p}": {t for t, _ in tag_pairs(w, truth.artists[u])}
            for u in truth.artists for w in truth.kept(u) if not w.blank for p in range(w.pages)}


def flat_deltas(changes: dict, skip: str = "rating") -> Counter:
    return Counter({label: n for name, deltas in changes["label_deltas"].items() if name != skip
                    for label, n in deltas.items()})


@pytest.mark.slow
def test_refresh_sees_new_deleted_and_retagged_works(prefect_harness, tmp_path, monkeypatch):
    from flows.refresh import refresh_flow
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))

    def refresh(state):
        return refresh_flow(["pixiv"], replica={"artists": ARTISTS, "works": WORKS,
                                                "state": state}, workers=1)
    first = refresh(0)
    assert sorted(first["new"]) == ["pixiv-artists", "pixiv-tags"] and first["image_bytes"] > 0
    second = refresh(1)  # the replica's next state
    before, after = truth_pages(0), truth_pages(1)
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    retagged = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert len(added) == 2 and len(removed) == 1 and len(retagged) == 1  # the replica's edits
    # only the new works' bytes: one detail per known work, no image of it
    from replicas.pixiv import draw, replica_truth
    works = replica_truth(ARTISTS, WORKS, 1).works
    assert second["image_bytes"] == sum(len(draw(works[int(k.split("-")[1])], 0)) for k in added)
    for name in ("pixiv-artists", "pixiv-tags"):
        changes = json.loads((Path(second["new"][name]) / "changes.json").read_text())
        assert changes["previous_version"] == Path(first["new"][name]).name
        assert (changes["added"], changes["removed"], changes["changed_image"]) == \
            (added, removed, [])
        if name == "pixiv-artists":  # tags are no label here
            assert changes["changed"] == [] and changes["label_deltas"] == {"artist": {"1000": 1}}
            continue
        assert changes["changed"] == changes["changed_labels"] == retagged
        expected = Counter()
        for key in added + retagged:
            expected.update(after[key])
        for key in removed + retagged:
            expected.subtract(before[key])
        assert flat_deltas(changes) == {t: n for t, n in expected.items() if n}
    raw = pd.read_parquet(tmp_path / "data" / "raw" / "pixiv" / "illusts.parquet")
    gone = raw[raw["status"] == "gone"]
    assert [f"pixiv-{i}-p{p}" for i, p in zip(gone["illust_id"], gone["page"])] == removed
    assert set(gone["reason"]) == {"deleted"}
    assert not raw.astype(str).duplicated().any()

    third = refresh(1)
    assert third["new"] == {} and third["image_bytes"] == 0
    assert third["crawls"]["pixiv"]["replica/image_requests"] == 0
    # robots.txt, the profile and one page of summaries, whose tags are in another order than
    # the details' for every third work (compared as sets: no detail for them); a detail (and
    # its /pages) only for the works whose summary is null: no verdict there. No image at all.
    from replicas.pixiv import null_summary, reordered_summary
    unsummarised = [w for w in works.values() if not w.deleted and null_summary(w.illust_id)]
    later = replica_truth(ARTISTS, WORKS, 1)
    stored = [w for u in later.artists for w in later.kept(u)]
    assert unsummarised and any(reordered_summary(w.illust_id) and not null_summary(w.illust_id)
                                for w in stored)
    assert third["crawls"]["pixiv"]["downloader/request_count"] == 3 + sum(
        1 + (w.pages > 1) for w in unsummarised)
    assert len(pd.read_parquet(tmp_path / "data" / "raw" / "pixiv" / "illusts.parquet")) == len(raw)


@pytest.mark.slow
def test_refresh_sees_one_more_manga109_title(prefect_harness, tmp_path, monkeypatch):
    from flows.refresh import refresh_flow
    from replicas.manga109 import title_names
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))

    def refresh(titles):
        return refresh_flow(["manga109-faces"], replica={"titles": titles, "spreads": 8},
                            workers=1)
    first = refresh(4)  # from 4 titles on, the generator's quirks stay on titles 1-3
    second = refresh(5)
    v1, v2 = (Path(r["new"]["manga109-faces"]) for r in (first, second))
    changes = json.loads((v2 / "changes.json").read_text())
    new_title = title_names(5)[-1]
    manifest = pd.read_parquet(v2 / "manifest.parquet")
    kept = manifest[manifest["status"] == "success"]
    of_new = {k for k, s in zip(kept["key"], kept["source_ids"]) if new_title in s}
    # and the faces of characters (spelt alike across titles) that were too rare before
    old = pd.read_parquet(v1 / "manifest.parquet").set_index("key")
    rare = {k for k in kept["key"] if k in old.index
            and old.at[k, "error_message"] == "rare_character"}
    assert of_new and changes["added"] == sorted(of_new | rare)
    assert (changes["removed"], changes["changed"], changes["previous_version"]) == \
        ([], [], v1.name)
    third = refresh(5)
    assert third["new"] == {} and third["unchanged"] == ["manga109-faces"]


GCD = {"series_per_publisher": 2, "issues_per_series": 6}  # two publishers: 24 issues


def gcd_truth_covers(state: int) -> dict[str, tuple]:
    """{sample key: (cover upload, labels)} of the covers gcd-covers keeps in replica `state`."""
    from spiders.gcd.crawl import GcdCrawlOptions
    from replicas.gcd import replica_truth
    settings = {**GcdCrawlOptions.load().replica, **GCD}
    challenges = settings.pop("challenges")
    truth = replica_truth(state, **settings)
    challenged = sorted(i.cover_id for i in truth.issues.values())[:challenges]
    return {f"gcd-i{i.issue_id}-c{i.cover_id}": (i.cover_upload, {
        "characters": sorted(i.characters), "teams": sorted(t for t, _ in i.teams),
        "genre": [i.genre], "publisher": [truth.publishers[i.publisher_id][1]]})
        for i in truth.issues.values() if i.has_cover_sequence and i.cover_id not in challenged}


@pytest.mark.slow
def test_refresh_sees_new_replaced_and_removed_gcd_issues(prefect_harness, tmp_path, monkeypatch):
    from flows.refresh import refresh_flow
    from replicas.gcd import GcdReplica, replica_truth
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))

    def refresh(state):
        return refresh_flow(["gcd-covers"], replica={"state": state, **GCD}, workers=1)
    first = refresh(0)
    assert list(first["new"]) == ["gcd-covers"] and first["image_bytes"] > 0
    second = refresh(1)  # the replica's next state
    before, after = gcd_truth_covers(0), gcd_truth_covers(1)
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    replaced = sorted(k for k in set(before) & set(after) if before[k][0] != after[k][0])
    assert len(added) == 2 and len(removed) == 1 and len(replaced) == 1  # the replica's edits
    changes = json.loads((Path(second["new"]["gcd-covers"]) / "changes.json").read_text())
    assert changes["previous_version"] == Path(first["new"]["gcd-covers"]).name
    assert (changes["added"], changes["removed"], changes["changed"], changes["changed_image"],
            changes["changed_labels"]) == (added, removed, replaced, replaced, [])
    expected: dict[str, Counter] = {}
    for keys, sign in ((added, 1), (removed, -1)):
        for key in keys:
            labels = (after if sign > 0 else before)[key][1]
            for name, values in labels.items():
                expected.setdefault(name, Counter()).update({v: sign for v in values})
    assert changes["label_deltas"] == {name: {k: n for k, n in sorted(c.items()) if n}
                                       for name, c in sorted(expected.items())
                                       if any(c.values())}
    # bytes of the new covers and of the replaced upload only: known covers are not fetched
    site = GcdReplica(replica_truth(1, **{**_replica_settings(), **GCD}))
    cover_of = {f"gcd-i{i.issue_id}-c{i.cover_id}": i.cover_id for i in site.truth.issues.values()}
    assert second["image_bytes"] == sum(len(site.cover_bytes(cover_of[k])) for k in
                                        added + replaced)
    crawl = second["crawls"]["gcd"]
    assert (crawl["gcd/rechecked"], crawl["gcd/gone"], crawl["gcd/covers/replaced"]) == (1, 1, 1)
    raw = pd.read_parquet(tmp_path / "data" / "raw" / "gcd" / "issues.parquet")
    gone = raw[raw["status"] == "gone"]
    assert [f"gcd-i{i}-c{c}" for i, c in zip(gone["issue_id"], gone["cover_id"])] == removed
    assert set(gone["reason"]) == {"deleted"} and not raw["issue_id"].duplicated().any()

    third = refresh(1)
    assert third["new"] == {} and third["image_bytes"] == 0
    assert third["crawls"]["gcd"]["replica/image_requests"] == 0
    assert "gcd/rechecked" not in third["crawls"]["gcd"]  # a gone issue is asked for once
    # the same rows; only the challenged cover's issue was tried again (and written again)
    again = pd.read_parquet(tmp_path / "data" / "raw" / "gcd" / "issues.parquet")
    tried = again["cover_status"] == "cloudflare_challenge"
    assert tried.sum() == 1 and again[~tried].equals(raw[~tried])


def _replica_settings() -> dict:
    from spiders.gcd.crawl import GcdCrawlOptions
    settings = dict(GcdCrawlOptions.load().replica)
    settings.pop("challenges")
    return settings
