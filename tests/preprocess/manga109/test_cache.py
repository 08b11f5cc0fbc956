"""Parsed annotations are cached by file hash and read back equal to a fresh parse."""
from __future__ import annotations

import shutil

from preprocess.manga109 import cache
from preprocess.manga109.annotations import parse_annotation


def test_the_cache_round_trips_and_follows_the_file(shared_fixtures, tmp_path, monkeypatch):
    source = shared_fixtures / "manga109/manga109api_dummy/annotations/TitleA.xml"
    path = tmp_path / "TitleA.xml"
    shutil.copyfile(source, path)
    fresh = cache.load_book(path, "current", tmp_path / "cache")
    assert fresh == parse_annotation(path)
    calls = []
    monkeypatch.setattr(cache, "parse_annotation", lambda p: calls.append(p) or fresh)
    assert cache.load_book(path, "current", tmp_path / "cache") == fresh
    assert calls == []  # served from the parquet
    path.write_text(path.read_text().replace('name="女1"', 'name="女2"'))
    cache.load_book(path, "current", tmp_path / "cache")
    assert calls == [path]  # a changed file is parsed again
    assert len(list((tmp_path / "cache/manga109/current").glob("TitleA-*.parquet"))) == 2
