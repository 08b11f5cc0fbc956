"""The annotation parser against the official dummy files and real public derived annotations."""
from __future__ import annotations

import re

import pytest

from preprocess.manga109.annotations import (AnnotationError, annotation_path, is_other,
                                             parse_annotation, read_books)

DUMMY_TITLES = ("TitleA", "TitleB", "TitleC_with_custom_tag")


def count_tags(text: str, tag: str) -> int:
    """An independent count: opening tags in the raw text."""
    return len(re.findall(rf"<{tag}[\s>/]", text))


@pytest.mark.parametrize("title", DUMMY_TITLES)
def test_dummy_files_parse_with_exact_element_counts(shared_fixtures, title):
    path = shared_fixtures / "manga109/manga109api_dummy/annotations" / f"{title}.xml"
    text = path.read_text(encoding="utf-8")
    book = parse_annotation(path)
    assert book.title == re.search(r"<book title=\"([^\"]+)\"", text).group(1)
    expected = {"pages": count_tags(text, "page"), "characters": count_tags(text, "character")}
    expected.update({kind: count_tags(text, kind) for kind in ("frame", "face", "body", "text")})
    assert book.counts() == expected


def test_title_a_by_hand(shared_fixtures):
    book = parse_annotation(shared_fixtures / "manga109/manga109api_dummy/annotations/TitleA.xml")
    assert book.characters["00000003"] == "女1"
    face = next(b for p in book.pages for b in p.boxes if b.id == "00000004")
    assert (face.kind, face.xmin, face.ymin, face.xmax, face.ymax, face.character) == \
        ("face", 880, 240, 940, 400, "00000003")
    text = next(b for p in book.pages for b in p.boxes if b.id == "0000000b")
    assert text.text == "え？"


def test_unknown_elements_do_not_break_parsing(shared_fixtures):
    book = parse_annotation(
        shared_fixtures / "manga109/manga109api_dummy/annotations/TitleC_with_custom_tag.xml")
    assert book.unknown_elements == 5
    assert book.counts()["body"] == 1


@pytest.mark.parametrize("name,pages,unknown", [
    ("Manga109Dialog_ARMS.xml", 81, 756),   # 756 speaker links, per_title.csv dialog_links
    ("COO_v2022.07.07_ARMS.xml", 81, None),
])
def test_real_public_annotations_share_the_page_schema(shared_fixtures, name, pages, unknown):
    book = parse_annotation(shared_fixtures / "manga109/annotations_public" / name)
    assert book.title == "ARMS"
    assert len(book.pages) == pages  # ARMS has 81 images in the 2021 release
    assert [p.index for p in book.pages] == list(range(pages))
    assert {(p.width, p.height) for p in book.pages} == {(1654, 1170)}
    if unknown is not None:
        assert book.unknown_elements == unknown


def test_books_txt_of_the_real_release(shared_fixtures):
    titles = read_books(shared_fixtures / "manga109")
    assert len(titles) == 109
    assert titles[:8] == ["ARMS", "AisazuNihaIrarenai", "AkkeraKanjinchou", "Akuhamu",
                          "AosugiruHaru", "AppareKappore", "Arisa", "BEMADER_P"]


@pytest.mark.parametrize("line", ["../../etc", "/etc/passwd", "a/b", ".hidden"])
def test_a_path_in_books_txt_is_refused_naming_it(tmp_path, line):
    (tmp_path / "books.txt").write_text(f"ARMS\n{line}\n")
    with pytest.raises(AnnotationError, match=re.escape(repr(line))):
        read_books(tmp_path)


def test_truncated_xml_names_the_file(tmp_path, shared_fixtures):
    text = (shared_fixtures / "manga109/manga109api_dummy/annotations/TitleA.xml").read_text()
    path = tmp_path / "Broken.xml"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(AnnotationError, match="Broken.xml: ParseError"):
        parse_annotation(path)


def test_an_entity_expansion_bomb_is_refused(tmp_path):
    path = tmp_path / "Bomb.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE book [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
                    '<book title="Bomb"><pages><page index="0" width="1" height="1">'
                    '<text id="1" xmin="0" ymin="0" xmax="1" ymax="1">&c;</text>'
                    '</page></pages></book>')
    with pytest.raises(AnnotationError, match="Bomb.xml: DTDForbidden"):
        parse_annotation(path)


def test_annotation_versions_are_checked():
    with pytest.raises(ValueError, match="v2020.12.18"):
        annotation_path("/x", "ARMS", "v1999")
    assert str(annotation_path("/x", "ARMS", "v2018.05.31")).endswith(
        "annotations.v2018.05.31/ARMS.xml")


@pytest.mark.parametrize("name,expected", [
    ("Other", True), ("Others", True), ("the other", True), ("Ｏｔｈｅｒｓ", True),
    ("The Others", True), ("Otherworld Knight", False), ("女1", False),
])
def test_other_characters_whatever_the_spelling(name, expected):
    assert is_other(name) is expected
