"""Title selection per ordering, and the title split lists shipped in data_manifests."""
from __future__ import annotations

import shutil

import pytest

from core.paths import project_root
from preprocess.manga109.datasets import select_titles
from preprocess.manga109.options import Manga109Options
from preprocess.manga109.splits import split_for


@pytest.fixture
def real_books(shared_fixtures, tmp_path):
    shutil.copyfile(shared_fixtures / "manga109/books.txt", tmp_path / "books.txt")
    return tmp_path


BOOKS_EIGHT = ["ARMS", "AisazuNihaIrarenai", "AkkeraKanjinchou", "Akuhamu", "AosugiruHaru",
               "AppareKappore", "Arisa", "BEMADER_P"]


def test_books_order_gives_the_release_order(real_books):
    options = Manga109Options.load("manga109-artist-pages")
    assert select_titles(real_books, options) == BOOKS_EIGHT


def test_casefold_order_swaps_in_bakuretsu(real_books):
    options = Manga109Options.load("manga109-artist-pages", title_order="casefold")
    chosen = select_titles(real_books, options)
    assert chosen == ["AisazuNihaIrarenai", "AkkeraKanjinchou", "Akuhamu", "AosugiruHaru",
                      "AppareKappore", "Arisa", "ARMS", "BakuretsuKungFuGirl"]
    assert set(chosen) == set(BOOKS_EIGHT) - {"BEMADER_P"} | {"BakuretsuKungFuGirl"}


def test_an_explicit_list_must_name_real_titles(real_books):
    options = Manga109Options.load("manga109-artist-pages", title_order="list",
                                   titles=["ARMS", "NoSuchTitle"])
    with pytest.raises(ValueError, match="NoSuchTitle"):
        select_titles(real_books, options)


def test_an_unknown_ordering_lists_the_choices():
    with pytest.raises(ValueError, match="casefold"):
        Manga109Options.load("manga109-artist-pages", title_order="random")


def read_list(path):
    return {line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def test_the_shipped_yanagisawa_lists_equal_the_authors(shared_fixtures):
    ours = project_root() / "data_manifests/manga109"
    theirs = shared_fixtures / "manga109/splits"
    assert read_list(ours / "yanagisawa_train_83.txt") == read_list(
        theirs / "yanagisawa_finetune_83.txt")
    assert read_list(ours / "yanagisawa_eval_11.txt") == read_list(theirs / "yanagisawa_eval_11.txt")


def test_title_lists_split_83_train_and_26_test_without_leaks(shared_fixtures):
    titles = [t for t in (shared_fixtures / "manga109/books.txt").read_text().split() if t]
    options = Manga109Options.load("manga109-faces")
    splits = {t: split_for(options, t, 0) for t in titles}
    train = {t for t, s in splits.items() if s == "train"}
    test = {t for t, s in splits.items() if s == "test"}
    assert len(train) == 83 and len(test) == 26 and not train & test
    assert test == read_list(shared_fixtures / "manga109/splits/yanagisawa_test_26.DERIVED.txt")
    eval_11 = read_list(shared_fixtures / "manga109/splits/yanagisawa_eval_11.txt")
    assert eval_11 <= test


@pytest.mark.parametrize("prefix,sizes", [("tsubota2018", {"train": 83, "val": 10, "test": 11}),
                                          ("coo2022", {"train": 89, "val": 10, "test": 10})])
def test_other_literature_splits_as_options(shared_fixtures, prefix, sizes):
    lists = {s: f"data_manifests/manga109/{prefix}_{s}.txt" for s in ("train", "val", "test")}
    options = Manga109Options.load("manga109-faces", split_lists=lists)
    titles = [t for t in (shared_fixtures / "manga109/books.txt").read_text().split() if t]
    splits = [split_for(options, t, 0) for t in titles]
    counts = {s: splits.count(s) for s in ("train", "val", "test")}
    assert counts["val"] == sizes["val"]
    assert counts["train"] == sizes["train"]
    # titles in none of the lists (e.g. Tsubota leaves some out) fall to test
    assert counts["train"] + counts["val"] + counts["test"] == len(titles)


def test_the_eval_subset_is_marked():
    from preprocess.manga109.splits import in_eval_subset

    options = Manga109Options.load("manga109-faces")
    assert in_eval_subset(options, "ARMS") is True  # test_eval in per_title.csv
    assert in_eval_subset(Manga109Options.load("manga109-artist-pages"), "ARMS") is None


def test_title_holdout_keeps_whole_titles_out(tmp_path):
    options = Manga109Options.load("manga109-artist-pages", split="title_holdout",
                                   holdout_titles=["Arisa"])
    assert {split_for(options, "Arisa", i) for i in range(20)} == {"test"}
    assert {split_for(options, "ARMS", i) for i in range(20)} == {"train"}
