"""The dataset registry: every data_manifests/ definition names its source; the stages, the
refresh, the replicas and the demo list their datasets from it (docs/contracts.md §6)."""
from __future__ import annotations

import shutil

import pytest

from core.definitions import (DefinitionError, datasets_by_source, datasets_of, manifests_dir,
                              registry)


@pytest.fixture
def defs(tmp_path, monkeypatch):
    """A copy of data_manifests/ as the user's own definitions folder (INKSET_MANIFESTS)."""
    shutil.copytree(manifests_dir(), tmp_path / "defs")
    monkeypatch.setenv("INKSET_MANIFESTS", str(tmp_path / "defs"))
    return tmp_path / "defs"


def test_the_checkout_lists_each_dataset_under_its_source():
    assert datasets_by_source() == {
        "image-folder": ("demo-shapes",), "gcd": ("gcd-covers", "gcd-team"),
        "manga109": ("manga109-artist-pages", "manga109-artist-panels", "manga109-faces"),
        "pixiv": ("pixiv-artists", "pixiv-tags")}
    # a variant is built only when named: listed with variants=True, never by default
    assert datasets_of("pixiv", variants=True) == (
        "pixiv-artists", "pixiv-artists-quadrants", "pixiv-tags")
    assert {e.name for e in registry()} >= {"pixiv-artists-quadrants"}
    assert not {e.name for e in registry()} & {"gcd-crawl", "pixiv-crawl", "schedules",
                                               "takedowns"}  # no `dataset` key: not datasets
    assert datasets_of("danbooru") == ()


def test_a_new_definition_with_a_source_joins_its_source(defs):
    text = (defs / "gcd-covers.toml").read_text()
    (defs / "gcd-capes.toml").write_text(text.replace('dataset = "gcd-covers"',
                                                      'dataset = "gcd-capes"'))
    assert datasets_of("gcd") == ("gcd-capes", "gcd-covers", "gcd-team")
    from flows.refresh import datasets_to_refresh
    from replicas.releases import replica_datasets

    assert datasets_to_refresh(["gcd"]) == {"gcd": ["gcd-capes", "gcd-covers", "gcd-team"]}
    assert {"gcd-team-justice-league", "gcd-team-fantastic-four"} <= set(replica_datasets())


def test_a_definition_without_a_source_names_its_file(defs):
    path = defs / "pixiv-tags.toml"
    path.write_text(path.read_text().replace('source = "pixiv"\n', ""))
    with pytest.raises(DefinitionError, match=f"{path}: a dataset definition names its source"):
        datasets_by_source()


def test_a_variant_of_an_unknown_dataset_names_its_file(defs):
    path = defs / "pixiv-artists-quadrants.toml"
    path.write_text(path.read_text().replace('variant_of = "pixiv-artists"',
                                             'variant_of = "gcd-covers"'))
    with pytest.raises(DefinitionError, match=f"{path}:5: variant_of 'gcd-covers' is no "
                                              f"dataset of source 'pixiv'; those are: "
                                              f"pixiv-artists, pixiv-artists-quadrants"):
        datasets_of("pixiv")


def test_a_release_records_its_definition_without_the_registry_keys():
    """`source` and `variant_of` place a definition, they build nothing: the recorded definition
    (and its hash, which a refresh compares) stays that of the content."""
    from preprocess.gcd.options import GcdOptions
    from preprocess.manga109.options import Manga109Options
    from preprocess.pixiv.options import PixivOptions

    for options in (GcdOptions.load("gcd-covers"), Manga109Options.load("manga109-faces"),
                    PixivOptions.load("pixiv-artists-quadrants")):
        assert not {"source", "variant_of"} & set(options.definition)


def test_every_stage_reads_its_options_through_one_loader(defs):
    """read_options: lists become tuples, overrides land in the recorded definition, and a
    required option that is missing names the file (not a KeyError from deep inside)."""
    from preprocess.manga109.options import Manga109Options

    options = Manga109Options.load("manga109-faces", size=[32, 48])
    assert options.size == (32, 48)
    assert options.definition["options"]["size"] == [32, 48]
    assert "source" not in options.definition
    path = defs / "manga109-faces.toml"
    path.write_text("\n".join(line for line in path.read_text().splitlines()
                              if not line.startswith("size")))
    with pytest.raises(DefinitionError, match=r"manga109-faces\.toml: \[options\] needs size"):
        Manga109Options.load("manga109-faces")
