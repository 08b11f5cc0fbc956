"""The datasets planned on the official parser's dummy release (../shared/fixtures, the real
schema, a custom tag, and a file whose <book title> differs from its books.txt name)."""
from __future__ import annotations

import shutil

import pytest
from PIL import Image

from preprocess.manga109.annotations import parse_annotation
from preprocess.manga109.datasets import plan
from preprocess.manga109.options import Manga109Options
from preprocess.release import Dropped, Unit


@pytest.fixture(scope="module")
def dummy_root(shared_fixtures, tmp_path_factory):
    """The dummy release plus a JPEG of the declared size for every page of every title."""
    source = shared_fixtures / "manga109" / "manga109api_dummy"
    root = tmp_path_factory.mktemp("m109") / "dummy"
    shutil.copytree(source, root)
    titles = (root / "books.txt").read_text(encoding="utf-8").split()
    for title in titles:
        book = parse_annotation(root / "annotations" / f"{title}.xml")
        (root / "images" / title).mkdir(parents=True)
        for page in book.pages:
            Image.new("L", (page.width, page.height), 255).save(
                root / "images" / title / f"{page.index:03d}.jpg")
    return root, titles


def test_keys_and_labels_use_the_books_txt_title(dummy_root):
    root, titles = dummy_root
    # the third file declares <book title="TitleC">: the release's own name is the books.txt one
    assert parse_annotation(root / "annotations" / f"{titles[2]}.xml").title == "TitleC"
    spec, items = plan(root, Manga109Options.load("manga109-artist-pages", titles=tuple(titles),
                                                  title_order="list", title_count=3))
    units = [i for i in items if isinstance(i, Unit)]
    keys = [key for unit in units for key, _ in unit.keys]
    assert {k.split("-")[1] for k in keys} == set(titles)
    assert not [i for i in items if isinstance(i, Dropped) and i.status == "failed"]
    assert list(spec.label_sets["artist"]) == titles
    # one unit per image: 5 + 3 + 3 images, each 1654x1170 as declared
    images = sum(len(parse_annotation(root / "annotations" / f"{t}.xml").pages) for t in titles)
    assert len(units) == images == 11
    assert {unit.id.split("-i")[0] for unit in units} == set(titles)


@pytest.mark.parametrize("name", ["manga109-artist-panels", "manga109-faces"])
def test_panels_and_faces_plan_on_the_dummy_release(dummy_root, name):
    root, titles = dummy_root
    spec, items = plan(root, Manga109Options.load(name, titles=tuple(titles), title_order="list",
                                                  title_count=3, min_faces_per_character=1))
    assert not [i for i in items if isinstance(i, Dropped) and i.status == "failed"]
    keys = [key for i in items if isinstance(i, Unit) for key, _ in i.keys]
    small = [i.key for i in items if isinstance(i, Dropped) and i.reason == "frame_too_small"]
    # TitleA's 5 frames (four under the minimum side, each a row with its reason) and 3 faces;
    # the custom tags of TitleC are no boxes
    if name == "manga109-artist-panels":
        assert (keys, len(small)) == (["m109-TitleA-frame-00000007"], 4)
    else:
        assert len(keys) == 3 and not small
    assert {k.split("-")[1] for k in keys + small} == {"TitleA"}
