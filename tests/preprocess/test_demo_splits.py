"""No near-duplicate group straddles splits in the demo's releases whose stage picks the splits:
demo-shapes (image folder) and the Pixiv datasets, at the demo's sizes (GCD:
tests/preprocess/gcd/test_datasets.py). Manga109 pins its title splits: reported, not moved."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.definitions import read_definition
from preprocess.image_folder import (FolderOptions, folder_spec, plan_folder, render_file,
                                     split_of)
from preprocess.pixiv.datasets import plan as pixiv_plan, render as pixiv_render
from preprocess.pixiv.options import PixivOptions
from preprocess.release import build_release
from preprocess.splits import near_duplicate_links
from replicas.pixiv import generate_truth, write_raw_store
from replicas.shapes import generate_shapes


def summary(release: Path) -> dict:
    return json.loads((release / "near_duplicates.json").read_text())


def test_demo_shapes_keeps_near_duplicate_files_together(tmp_path):
    definition = read_definition("demo-shapes")
    root = tmp_path / "shapes"
    generate_shapes(root, **definition["generator"])
    options = FolderOptions.from_definition(definition)
    paths = sorted(root.glob("*/*"))
    files = [f"{p.parent.name}/{p.name}" for p in paths]
    links = near_duplicate_links(paths, files)
    # by file alone, some near-duplicate shapes would land on both sides: the grouping matters
    assert any(split_of(a, options.test_fraction) != split_of(b, options.test_fraction)
               for a, b in links)
    spec = folder_spec(root, "demo-shapes", "1", options)
    release = build_release(spec, plan_folder(root, "shapes", options), render_file,
                            releases_root=tmp_path / "releases", progress=False).path
    found = summary(release)
    assert found["pairs"] > 0 and found["pairs_across_splits"] == 0
    assert found["straddling_groups"] == [] and found["exclude_keys"] == []


@pytest.mark.parametrize("dataset", ["pixiv-artists", "pixiv-tags"])
def test_demo_pixiv_keeps_near_duplicate_illusts_together(tmp_path, dataset):
    raw = tmp_path / "raw"
    write_raw_store(generate_truth(), raw, logged_in=True)
    spec, items = pixiv_plan(raw, PixivOptions.load(dataset))
    release = build_release(spec, items, pixiv_render, releases_root=tmp_path / "releases",
                            progress=False).path
    found = summary(release)
    assert found["hashed_samples"] > 0 and found["pairs_across_splits"] == 0
    report, _ = pixiv_plan(raw, PixivOptions.load(dataset, near_duplicate_splits="report"))
    assert report.near_duplicate_radius == spec.near_duplicate_radius
