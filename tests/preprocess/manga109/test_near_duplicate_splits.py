"""Manga109's random_page split keeps pages linked by near-duplicate crops in one split (the
demo replica's frames repeat within a title: by image alone, 62 panel pairs straddled splits);
title splits stay pinned and are reported (docs/near_duplicates.md)."""
from __future__ import annotations

import json

import pytest

from preprocess.manga109.datasets import plan, render
from preprocess.manga109.linking import crop_hashes
from preprocess.manga109.options import Manga109Options
from preprocess.release import Dropped, Unit, build_release
from preprocess.splits import hash_links
from replicas.manga109 import generate_release


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("m109")
    generate_release(root, titles=9, spreads=8)  # the demo's replica
    return root


def page_links(items) -> tuple[list, dict]:
    """Links between pages by their crops' plan-time hashes, and each page's split."""
    owners, phashes, dhashes, split_of = [], [], [], {}
    for unit in (i for i in items if isinstance(i, Unit)):
        path, _, _, crops = unit.payload
        page = (crops[0].meta["title"], crops[0].meta["image_index"])
        assert {split for _, split in unit.keys} == {c.split for c in crops} == {crops[0].split}
        split_of[page] = crops[0].split
        for phash, dhash in crop_hashes(path, crops):
            owners.append(page)
            phashes.append(phash)
            dhashes.append(dhash)
    return hash_links(phashes, dhashes, owners), split_of


@pytest.mark.parametrize("name", ["manga109-artist-pages", "manga109-artist-panels"])
def test_random_page_splits_keep_near_duplicate_pages_together(root, tmp_path, name):
    _, by_image = plan(root, Manga109Options.load(name, near_duplicate_splits="report"))
    links, split_of = page_links(by_image)
    assert any(split_of[a] != split_of[b] for a, b in links)  # the grouping has work to do

    spec, items = plan(root, Manga109Options.load(name))
    links, grouped = page_links(items)
    assert links and all(grouped[a] == grouped[b] for a, b in links)
    moved = {page for page in grouped if grouped[page] != split_of[page]}
    assert moved and set(grouped.values()) == {"train", "test"}  # both splits still filled
    for drop in (i for i in items if isinstance(i, Dropped) and i.split is not None):
        page = (drop.source_ids.get("title"), drop.source_ids.get("image"))
        if page in grouped:  # a page's dropped rows follow its split
            assert drop.split == grouped[page]

    release = build_release(spec, items, render, releases_root=tmp_path, progress=False).path
    summary = json.loads((release / "near_duplicates.json").read_text())
    assert summary["pairs"] > 0 and summary["pairs_across_splits"] == 0  # the release's hashes
    assert summary["straddling_groups"] == [] and summary["exclude_keys"] == []
