"""The release card, viewer data, histogram and Hugging Face header, on small real builds."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from PIL import Image

from preprocess.release import card_figures, conventions, label_names
from preprocess.release.verify import verify_release


def viewer_data(release_dir):
    text = (release_dir / "viewer_data.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.INKSET_VIEW = ").rstrip().rstrip(";"))


def test_histogram_counts_full_labels_one_bar_each(tmp_path):
    # bug 1: both ids cut to 18 characters read `InkTitle02:0000000`; they were one bar
    counts = {"character": Counter({"InkTitle02:00000001": 5, "InkTitle02:00000003": 2,
                                    "InkTitle02:00000017": 1})}
    drawn = card_figures.write_histogram(tmp_path / "h.png", counts)
    ticks = [text for text, _ in drawn["character"]]
    assert [n for _, n in drawn["character"]] == [5, 2, 1]
    assert len(set(ticks)) == 3 and all(len(t) <= 18 for t in ticks)
    assert Image.open(tmp_path / "h.png").format == "PNG"


def test_short_unique_keeps_distinct_texts_distinct():
    texts = [f"VeryLongMangaTitleNumber{i:02d}:character" for i in range(12)]
    shown = label_names.short_unique(texts, 18)
    assert len(set(shown)) == 12 and max(map(len, shown)) <= 18
    assert label_names.short_unique(["short", "Batman"]) == ["short", "Batman"]


def test_display_names_from_metadata_unique():
    samples = [({"c": "T1:01", "t": ["猫"]}, {"character_id": "01", "character_name": "Mother",
                                              "tags": ["猫"], "tags_en": ["cat"]}),
               ({"c": "T2:01"}, {"character_id": "01", "character_name": "Mother"})]
    names = label_names.display_names({"c": ["T1:01", "T2:01", "T3:09"], "t": ["猫"]}, samples)
    assert names["t"] == {"猫": "猫 (cat)"}
    assert names["c"] == {"T1:01": "Mother [T1:01]", "T2:01": "Mother [T2:01]", "T3:09": "T3:09"}


def test_named_release_card_and_viewer_show_names(named_release):
    data = viewer_data(named_release)
    assert data["splits"] == ["train", "val", "test"]
    assert data["label_sets"] == {"character": ["浦島", "Momotaro"],
                                  "tags": ["猫 (cat)", "剣 (sword)", "青空 (blue sky)"]}
    assert len(data["rows"]) == 27 and all(row[4] for row in data["rows"])
    page = (named_release / "card.html").read_text(encoding="utf-8")
    assert "浦島" in page and "青空 (blue sky)" in page and "\\u" not in page
    assert "inkset.css" in page and "viewer.html" in page
    # label-by-split counts: 9 samples a split, characters alternate (5 of 浦島, 4 of Momotaro)
    assert re.search(r"<td>浦島</td><td class='num'>5</td><td class='num'>5</td>"
                     r"<td class='num'>5</td><td class='num'>15</td>", page)


def test_new_pages_are_checksummed_and_verify(named_release):
    listed = conventions.read_checksums(named_release)
    for name in ("card.html", "viewer.html", "viewer.js", "viewer_data.js", "inkset.css",
                 "thumbs-000000.jpg", "sample_grid.png", "label_histogram.png"):
        assert name in listed, name
    verify_release(named_release)


def test_sample_grid_covers_every_class(release):
    page = (release.path / "card.html").read_text(encoding="utf-8")
    grid = page.split("<div class='grid'>")[1].split("</div><h2>")[0]
    captions = re.findall(r"<div class='tile'><img[^>]*>([^<]*)</div>", grid)
    assert sorted(captions) == ["circle", "cross", "square", "triangle"]


@pytest.mark.slow
def test_hf_datasets_loads_every_split_with_declared_features(named_release, tmp_path):
    # bug 4: parse_flags is [] in the first samples, ["ambiguous_team"] later
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(named_release), cache_dir=str(tmp_path))
    assert {s: loaded[s].num_rows for s in loaded} == {"train": 9, "val": 9, "test": 9}
    for split in ("train", "val", "test"):
        flags = [row["parse_flags"] for row in loaded[split]["json"]]
        assert flags == [[]] * 6 + [["ambiguous_team"]] * 3
    assert loaded["test"].features["cls"].names == ["InkTitle02:00000001", "InkTitle02:00000003"]
    assert loaded["val"][0]["labels.json"]["tags"] == [1, 0, 0]
