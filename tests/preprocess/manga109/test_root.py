"""A Manga109 root is checked before any work; the newer downloads' dated annotation folders are
recognised and the one read is named in the card; a page that is not a JPEG is a manifest row."""
from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from core.definitions import DefinitionError
from preprocess.manga109.datasets import plan
from preprocess.manga109.options import Manga109Options
from preprocess.manga109.root import RootError, check_root
from preprocess.release import Dropped
from replicas.manga109 import generate_release


@pytest.fixture(scope="module")
def small_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("m109")
    generate_release(root, titles=2, spreads=1)
    return root


def test_dated_folders_beside_annotations_are_recognised(small_root, tmp_path):
    root = tmp_path / "download"
    shutil.copytree(small_root, root)
    for dated in ("annotations.v2018.05.31", "annotations.v2020.12.18"):
        shutil.copytree(root / "annotations", root / dated)
    layout = check_root(root)
    assert layout.annotation_folder == "annotations"
    assert layout.annotation_folders == ("annotations", "annotations.v2018.05.31",
                                         "annotations.v2020.12.18")
    assert check_root(root, "v2018.05.31").annotation_folder == "annotations.v2018.05.31"
    spec, _ = plan(root, Manga109Options.load("manga109-faces", split="title_hash"))
    assert spec.source_snapshot["annotation_folder"] == "annotations"
    assert spec.source_snapshot["annotation_folders_found"] == list(layout.annotation_folders)


def test_only_dated_folders_reads_the_newest_and_says_so(small_root, tmp_path):
    root = tmp_path / "dated-only"
    shutil.copytree(small_root, root)
    shutil.copytree(root / "annotations", root / "annotations.v2018.05.31")
    (root / "annotations").rename(root / "annotations.v2020.12.18")
    spec, items = plan(root, Manga109Options.load("manga109-artist-pages"))
    assert spec.source_snapshot["annotation_folder"] == "annotations.v2020.12.18"
    _, same = plan(small_root, Manga109Options.load("manga109-artist-pages"))
    assert [i.id for i in items if not isinstance(i, Dropped)] == \
        [i.id for i in same if not isinstance(i, Dropped)] != []


def test_a_missing_books_txt_names_the_root(small_root, tmp_path):
    root = tmp_path / "no-books"
    shutil.copytree(small_root, root)
    (root / "books.txt").unlink()
    with pytest.raises(RootError, match=f"{root} has no books.txt: it is not a Manga109 root"):
        plan(root, Manga109Options.load("manga109-faces"))


def test_a_page_that_is_not_a_jpeg_is_a_failed_row(small_root, tmp_path):
    root = tmp_path / "png-page"
    shutil.copytree(small_root, root)
    title = (root / "books.txt").read_text().split()[0]
    page = root / "images" / title / "000.jpg"
    buffer = io.BytesIO()
    Image.open(page).save(buffer, "PNG")
    page.write_bytes(buffer.getvalue())
    _, items = plan(root, Manga109Options.load("manga109-artist-panels"))
    rows = [i for i in items if isinstance(i, Dropped) and i.reason == "not_jpeg"]
    assert rows and {r.status for r in rows} == {"failed"}
    assert {r.source_ids["image"] for r in rows} == {0}


def test_an_unknown_key_names_the_file_and_line(tmp_path, monkeypatch):
    from core.definitions import manifests_dir

    shutil.copytree(manifests_dir(), tmp_path / "defs")
    path = tmp_path / "defs" / "manga109-faces.toml"
    lines = path.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("min_face_side"))
    path.write_text(path.read_text().replace("min_face_side", "min_face_sides", 1))
    monkeypatch.setenv("INKSET_MANIFESTS", str(tmp_path / "defs"))
    with pytest.raises(DefinitionError, match=f"{path}:{number}: unknown key 'min_face_sides' "
                                              f"in \\[options\\]; known keys: "):
        Manga109Options.load("manga109-faces")
