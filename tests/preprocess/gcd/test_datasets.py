"""gcd-covers and gcd-team-<team> from a raw store written from the replica's ground truth."""
from __future__ import annotations

import json
import tarfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from preprocess.gcd.datasets import plan, render, split_of
from preprocess.gcd.labels import cover_labels, slug
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.teams import load_names
from preprocess.release import Dropped, Unit, build_release
from replicas.gcd import generate_truth, write_raw_store

TRUTH = generate_truth(publishers=2, series_per_publisher=4, issues_per_series=6, broken=1)
# splits by series alone here; near-duplicate grouping: test_near_duplicate_series_share_a_split
SPLITS = {"split_fractions": {"train": 0.6, "val": 0.2, "test": 0.2},
          "near_duplicate_splits": "report"}


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gcd") / "raw" / "gcd"
    write_raw_store(TRUTH, root)
    return root


def samples(release: Path) -> dict[str, dict]:
    """key -> {ext: bytes} over every shard, read with plain tarfile."""
    out: dict[str, dict] = {}
    for shard in sorted(release.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar.getmembers():
                key, ext = member.name.split(".", 1)
                out.setdefault(key, {})[ext] = tar.extractfile(member).read()
    return out


def test_covers_release_matches_the_truth(raw, tmp_path):
    spec, items = plan(raw, GcdOptions.load("gcd-covers", **SPLITS), load_names())
    kept = [i for i in TRUTH.issues.values() if i.has_cover_sequence]
    assert len(items) == len(kept) and all(isinstance(i, Unit) for i in items)
    counts = Counter(c for i in kept for c in i.characters)
    assert set(spec.label_sets["characters"]) == {c for c, n in counts.items() if n >= 2}
    assert spec.label_sets["teams"] == ("Fantastic Four", "Justice League")
    assert spec.label_sets["publisher"] == ("DC Comics", "Marvel Comics Group")
    release = build_release(spec, items, render, releases_root=tmp_path, workers=1,
                            progress=False).path
    got = samples(release)
    assert len(got) == len(kept)
    series_splits: dict[int, set] = {}
    for issue in kept:
        sample = got[f"gcd-i{issue.issue_id}-c{issue.cover_id}"]
        meta = json.loads(sample["json"])
        assert set(meta["characters_all"]) == issue.characters
        assert set(meta["teams_all"]) == {t for t, _ in issue.teams}
        labels = json.loads(sample["labels.json"])
        assert sum(labels["characters"]) == len([c for c in issue.characters
                                                 if counts[c] >= 2])
        assert meta["split"] == split_of(issue.series_id, SPLITS["split_fractions"], 0)
        series_splits.setdefault(issue.series_id, set()).add(meta["split"])
        assert sample["jpg"][:3] == b"\xff\xd8\xff"
    assert all(len(s) == 1 for s in series_splits.values())  # a series never spans splits
    card = json.loads((release / "dataset.json").read_text())
    assert "CC BY-SA 4.0" in card["license"] and "comics.org" in card["attribution"]


def test_team_release_labels_the_members_on_the_cover(raw, tmp_path):
    options = GcdOptions.load("gcd-team", **SPLITS)
    spec, items = plan(raw, options, load_names(), team="Justice League")
    assert spec.dataset == "gcd-team-justice-league"
    with_team = [i for i in TRUTH.issues.values()
                 if i.has_cover_sequence and dict(i.teams).get("Justice League")]
    assert sorted(u.id for u in items) == sorted(f"gcd-i{i.issue_id}-c{i.cover_id}"
                                                 for i in with_team)
    release = build_release(spec, items, render, releases_root=tmp_path, workers=1,
                            progress=False).path
    members = spec.label_sets["members"]
    for issue in with_team:
        sample = samples(release)[f"gcd-i{issue.issue_id}-c{issue.cover_id}"]
        vector = json.loads(sample["labels.json"])["members"]
        assert {m for m, on in zip(members, vector) if on} == \
            dict(issue.teams)["Justice League"] & set(members)


def test_missing_and_refused_covers_are_failed_rows(raw, tmp_path):
    copy = tmp_path / "raw" / "gcd"
    copy.mkdir(parents=True)
    table = pd.read_parquet(raw / "issues.parquet")
    table.loc[0, "cover_status"] = "cloudflare_challenge"
    table.loc[0, "cover_sha256"] = None
    table.to_parquet(copy / "issues.parquet", index=False)
    (copy / "covers").symlink_to(raw / "covers")
    spec, items = plan(copy, GcdOptions.load("gcd-covers"), load_names())
    dropped = [i for i in items if isinstance(i, Dropped)]
    assert [(d.key, d.status, d.reason) for d in dropped] == [
        (f"gcd-i{table.loc[0, 'issue_id']}-c{table.loc[0, 'cover_id']}", "failed",
         "cover_cloudflare_challenge")]


def test_rebalance_cap_and_weights(raw):
    names = load_names()
    spec, items = plan(raw, GcdOptions.load("gcd-covers", rebalance="cap", label_cap=3), names)
    assert any(isinstance(i, Dropped) and i.reason == "label_cap" for i in items)
    seen: Counter = Counter()
    for item in sorted(items, key=lambda i: i.id if isinstance(i, Unit) else i.key):
        labels = item.payload["labels"] if isinstance(item, Unit) else item.labels
        own = [f"{n}:{v}" for n in ("characters", "teams") for v in labels[n]] or ["<none>"]
        full = all(seen[label] >= 3 for label in own)
        assert isinstance(item, Dropped) == full  # dropped exactly when all its labels are full
        if not full:
            seen.update(own)
    spec, items = plan(raw, GcdOptions.load("gcd-covers", rebalance="weights"), names)
    weights = [u.payload["meta"]["sampling_weight"] for u in items]
    assert abs(sum(weights) / len(weights) - 1) < 1e-4 and min(weights) > 0


def test_invalid_choices_list_the_allowed_values():
    with pytest.raises(ValueError, match=r"\['none', 'cap', 'weights'\]"):
        GcdOptions.load("gcd-covers", rebalance="oversample")
    with pytest.raises(ValueError, match="sum to 1"):
        GcdOptions.load("gcd-covers", split_fractions={"train": 0.9, "test": 0.2})


def test_labels_of_a_field_go_through_the_aliases():
    labels = cover_labels("Justice League of America [Superman [Kal-El]; Batman]; Kal-El; "
                          "Robin]", load_names())
    assert labels.teams == ("Justice League",)
    assert labels.members == {"Justice League": ("Batman", "Superman")}
    assert labels.characters == ("Batman", "Robin", "Superman")
    assert labels.flags == ("stray_closing_bracket",)
    assert slug("Legion of Super-Heroes") == "legion-of-super-heroes"


def test_a_metadata_only_release_holds_ids_urls_and_labels(raw, tmp_path):
    from share.publish import publish

    options = GcdOptions.load("gcd-covers", **SPLITS)
    spec, items = plan(raw, options, load_names())
    from dataclasses import replace
    release = build_release(replace(spec, share="metadata-only"), items, render,
                            releases_root=tmp_path / "releases", workers=1, progress=False).path
    lock = json.loads(publish(release, tmp_path / "locks", tmp_path / "published").read_text())
    assert lock["metadata_only"] and not [n for n in lock["files"] if n.endswith(".tar")]
    shared = pd.read_parquet(tmp_path / "published" / "gcd-covers" / "1" / "manifest.parquet")
    kept = {i.issue_id: i for i in TRUTH.issues.values() if i.has_cover_sequence}
    rows = shared[shared["status"] == "success"]
    assert len(rows) == len(kept)
    for row in rows.itertuples():
        ids = json.loads(row.source_ids)
        issue = kept[ids["issue_id"]]
        assert ids["cover_id"] == issue.cover_id and ids["series_id"] == issue.series_id
        assert ids["cover_url"].endswith(f"/covers_by_id/{issue.cover_id // 1000}/w400/"
                                         f"{issue.cover_id}.jpg")
        assert ids["source_url"].endswith(f"/issue/{issue.issue_id}/")
        assert json.loads(row.labels)["teams"] == sorted(t for t, _ in issue.teams)


@pytest.mark.parametrize("mode", ["group", "report"])
def test_near_duplicate_series_share_a_split(raw, tmp_path, mode):
    """The replica's covers share one template: near-duplicates link series. "group" keeps every
    linked series in one split (no pair across splits on the card); "report" splits by series
    alone and lists the straddling pairs."""
    options = GcdOptions.load("gcd-covers", **{**SPLITS, "near_duplicate_splits": mode})
    spec, items = plan(raw, options, load_names())
    path = build_release(spec, items, render, releases_root=tmp_path, progress=False).path
    summary = json.loads((path / "near_duplicates.json").read_text())
    manifest = pd.read_parquet(path / "manifest.parquet")
    kept = manifest[manifest["status"] == "success"]
    assert kept["phash"].str.fullmatch("[0-9a-f]{16}").all()
    assert summary["groups"] >= 2 and summary["pairs"] > 0
    series = {json.loads(ids)["series_id"] for ids in kept["source_ids"]}
    split_per_series = kept.groupby(kept["source_ids"].map(
        lambda ids: json.loads(ids)["series_id"]))["split"].nunique()
    assert (split_per_series == 1).all() and len(series) == len(TRUTH.series)
    if mode == "group":
        assert summary["pairs_across_splits"] == 0 and summary["exclude_keys"] == []
        assert "pairs across splits: 0" in (path / "README.md").read_text()
    else:
        assert summary["pairs_across_splits"] > 0
        pairs = pd.read_parquet(path / "near_duplicates.parquet")
        across = pairs[(pairs["scope"] == "release") & (pairs["split_a"] != pairs["split_b"])]
        assert len(across) == summary["pairs_across_splits"]
        assert set(summary["exclude_keys"]) <= set(across["key_a"]) | set(across["key_b"])
