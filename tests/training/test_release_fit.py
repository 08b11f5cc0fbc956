"""A release that cannot train an experiment stops with one line before any work (issue 22 bug 2:
illust2vec on gcd-covers trained 76 s and then died with KeyError: 'map_general')."""
from __future__ import annotations

import pytest

from core.errors import UsageError
from flows import cli
from training.config import load_config
from training.release_view import open_release
from training.runner import check_release


@pytest.mark.parametrize("experiment, missing", [
    ("illust2vec", "no multi-label set 'general'"),
    ("gcd-team", "no multi-label set"),
    ("manga-mmtl", "no single-label set 'character'"),
])
def test_a_release_without_what_the_experiment_reads_is_refused(small_pages, experiment,
                                                                 missing):
    release = open_release(small_pages)  # manga109-artist-pages: one .cls set, "artist"
    with pytest.raises(UsageError, match=f"does not fit {experiment}: {missing}"):
        check_release(load_config(experiment), release)


def test_a_fitting_release_passes(small_pages):
    check_release(load_config("artist-pages"), open_release(small_pages))


def test_the_cli_says_it_in_one_line_and_makes_no_run_dir(small_pages, tmp_path, monkeypatch,
                                                          capsys):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.delenv("INKSET_DEBUG", raising=False)
    status = cli.main(["train", "illust2vec", "--release", str(small_pages)])
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("inkset: error: ") and error.count("\n") == 1, error
    assert "does not fit illust2vec" in error and "trains on pixiv-tags releases" in error
    assert not (tmp_path / "runs").exists()
