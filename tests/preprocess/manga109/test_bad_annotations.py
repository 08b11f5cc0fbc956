"""Bad Manga109 annotations (issue 25 §7): checked before any build. A `<book title>` that is
not its books.txt title builds under the books.txt title; a box id that cannot be a key is a
failed row."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from preprocess.manga109.datasets import plan, render
from preprocess.manga109.options import Manga109Options
from preprocess.manga109.root import check_annotations, check_root
from preprocess.release import build_release
from replicas.manga109 import generate_release


@pytest.fixture
def root(tmp_path):
    generate_release(tmp_path / "m109", titles=2, spreads=1)
    return tmp_path / "m109"


def rename_box(xml_path, kind: str, new_id: str) -> str:
    """Give the first `kind` box of page 1 the id `new_id`; its old id."""
    text = xml_path.read_text()
    start = text.index('<page index="1"')
    found = re.compile(rf'<{kind} id="([^"]+)"').search(text, start)
    xml_path.write_text(text[:found.start(1)] + new_id + text[found.end(1):])
    return found.group(1)


def keys(items) -> set[str]:
    """Every key planned: the units' and the dropped rows'."""
    return {k for i in items for k, _ in (i.keys if hasattr(i, "keys") else [(i.key, None)])}


@pytest.mark.parametrize("dataset, kind", [("manga109-artist-panels", "frame"),
                                           ("manga109-faces", "face")])
def test_a_bad_box_id_is_a_failed_row(root, tmp_path, dataset, kind):
    overrides = {"min_faces_per_character": 1} if kind == "face" else {}
    options = Manga109Options.load(dataset, **overrides)
    _, before = plan(root, options)
    old = rename_box(root / "annotations" / "InkTitle00.xml", kind, "../../etc/x y")
    check_annotations(check_root(root), "current", None)  # not a reason to stop
    spec, items = plan(root, options)
    if kind == "frame":  # built: the row reaches the manifest
        result = build_release(spec, items, render, releases_root=tmp_path / "out",
                               progress=False)
        manifest = pd.read_parquet(result.path / "manifest.parquet").set_index("key")
    else:
        manifest = pd.DataFrame([{"key": i.key, "status": i.status, "error_message": i.reason}
                                 for i in items if not hasattr(i, "keys")]).set_index("key")
    bad = manifest[manifest["error_message"].fillna("").str.startswith("bad_box_id")]
    assert list(bad["error_message"]) == ["bad_box_id: '../../etc/x y' is not 1-64 of "
                                          "[A-Za-z0-9_-]"]
    assert list(bad["status"]) == ["failed"]
    assert bad.index[0].startswith(f"m109-InkTitle00-{kind}-x")
    # every other item is planned as before; the renamed box's own key is gone
    assert keys(items) - {bad.index[0]} == keys(before) - {f"m109-InkTitle00-{kind}-{old}"}


def test_a_book_title_unlike_books_txt_builds_under_the_books_txt_title(root, tmp_path, caplog):
    """The official parser's own test release has such a file (TitleC_with_custom_tag.xml says
    TitleC): keys, labels and splits follow books.txt, and the difference is logged."""
    xml = root / "annotations" / "InkTitle01.xml"
    xml.write_text(xml.read_text().replace('<book title="InkTitle01">',
                                           '<book title="Imposter">'))
    check_annotations(check_root(root), "current", None)  # not a reason to stop
    spec, items = plan(root, Manga109Options.load("manga109-artist-pages"))
    assert "InkTitle01: <book title='Imposter'> differs from its books.txt name" in caplog.text
    result = build_release(spec, items, render, releases_root=tmp_path / "out", progress=False)
    manifest = pd.read_parquet(result.path / "manifest.parquet")
    built = manifest[manifest["key"].str.startswith("m109-InkTitle01")]
    assert len(built) > 0 and set(built["status"]) == {"success"}
    assert not manifest["key"].str.contains("Imposter").any()
