"""The page parser on hand-written pages shaped like gcd-django's templates render them.

Each page is written by hand (not copied, not saved from comics.org) after templates of the
GrandComicsDatabase/gcd-django repository, trimmed to the parts around what the parser reads: the
two issue pages and a characters block are files in pages/ (pages/README.md names their templates),
the short pagination and gallery snippets stay inline after the template named in their comment.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from spiders.gcd.api import GcdParseError
from spiders.gcd.pages import gallery_issue_ids, next_page, parse_issue_page, publisher_series_ids

PAGES = Path(__file__).parent / "pages"


def read_page(name: str) -> str:
    """The text of pages/<name>.html."""
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


URL = "https://www.comics.org/issue/18200/"
EXPECTED = {
    "issue_id": 18200, "series_id": 1570, "series_name": "The Flash",
    "issue_number": "123", "publisher": "National Periodical Publications",
    "publication_date": "September 1961", "on_sale_date": "1961-07-27",
    "cover_id": 77123,
    "cover_url": "https://files1.comics.org//img/gcd/covers_by_id/77/w400/77123.jpg?4f2",
    "characters_raw": "Flash [Jay Garrick]; Mirror  Master", "genre": "superhero",
    "synopsis": "Two Flashes meet.", "source_url": URL, "pencils": "Carmine Infantino",
    "inks": "Joe Giella; Murphy Anderson", "colors": None, "letters": None, "editing": None,
    "reason": None}

CURRENT = read_page("issue_current_markup")  # templates/gcd/details/tw_issue.html
# the characters and synopsis of CURRENT as tw_single_story.html first rendered them
EARLY_CHARACTERS = read_page("characters_in_one_definition")
OLD = read_page("issue_old_markup")  # templates/gcd/details/issue.html


def test_current_layout():
    assert parse_issue_page(CURRENT, URL) == {**EXPECTED, "markup": "current"}


def test_current_layout_with_characters_in_one_definition():
    start = CURRENT.index('<div class="field-name-label">Characters:</div>')
    end = CURRENT.index("</dl>", start) + len("</dl>")
    page = CURRENT[:start] + EARLY_CHARACTERS + CURRENT[end:]
    assert parse_issue_page(page, URL) == {**EXPECTED, "markup": "current"}


def test_old_layout():
    assert parse_issue_page(OLD, URL) == {**EXPECTED, "markup": "old"}


@pytest.mark.parametrize("page", [CURRENT.replace("cover /", "comic story /"),
                                  OLD.replace('<div class="cover">', '<div>')
                                  .replace('id="cover_data"', "")
                                  .replace("cover /", "comic story /")])
def test_no_cover_sequence(page):
    with pytest.raises(GcdParseError, match="no cover sequence"):
        parse_issue_page(page, URL)


def test_free_text_only_and_links_only():
    """Old pages without linked characters, and linked ones without free text."""
    plain = OLD.replace(OLD[OLD.index('<a href="/group/7/">'):OLD.index("Flash [Jay")], "")
    assert parse_issue_page(plain, URL)["characters_raw"] == "Flash [Jay Garrick]; Mirror  Master"
    linked = OLD.replace("; Flash [Jay Garrick]; Mirror  Master", "")
    assert parse_issue_page(linked, URL)["characters_raw"] == ""


# bits/pagination_bar.html (old) and bits/tw_pagination_bar.html (current)
OLD_BAR = """<div class="right pagination">
    <a href="?style=default&amp;page=1">&lt; Previous</a> |
    <a href="?style=default&amp;page=1">1</a> | 2 | <a href="?style=default&amp;page=3">3</a> |
    <a href="?style=default&amp;page=3">Next &gt;</a>
    <form method="GET" style="display:inline"><input type="text" name="page"></form></div>"""
TW_BAR = """<div class="flex flex-1 justify-end"><div class="flex">
  <ul class="max-lg:hidden flex items-center h-8 px-2"><li><a class="flex px-2 rounded-s-lg" href="?page=1">&#5176;</a></li><li><a class="flex px-2" href="?page=1">1</a></li><li><span class="flex px-2 bg-blue-300">2</span></li><li><a class="flex px-2" href="?page=3">3</a></li><li><a class="flex px-2 rounded-e-lg" href="?page=3">&#5171;</a></li></ul>
</div></div>"""
LAST_TW_BAR = """<ul><li><a class="flex rounded-s-lg" href="?page=2">&#5176;</a></li>
<li><span class="flex bg-blue-300">3</span></li><li><span class="flex rounded-e-lg">&#5171;</span></li></ul>"""


# the "next" glyphs of every bar gcd-django has had: the text bar (5ffdc8a), the arrow bar
# (0457f1d, &#128898;), the arrow seen on real older pages (&#9658;) and the Tailwind bar (&#5171;)
GLYPH_BARS = [OLD_BAR] + [OLD_BAR.replace("Next &gt;", glyph)
                          for glyph in ("&#128898;", "&#9658;", "&#5171;")]


@pytest.mark.parametrize("bar", GLYPH_BARS + [TW_BAR])
def test_next_page_is_the_link_to_page_n_plus_1_whatever_its_glyph(bar):
    page_two = "https://www.comics.org/series/1570/covers/?page=2"
    assert next_page(bar, page_two) in ("?style=default&page=3", "?page=3")
    assert next_page(bar, page_two.replace("2", "3")) is None  # no ?page=4 link
    assert next_page(bar, page_two.replace("?page=2", "")) is None  # page 1: no ?page=2 link
    assert next_page(bar.replace("page=3", "page=7"), page_two) is None


def test_next_page_on_the_last_page_and_without_a_link():
    assert next_page(LAST_TW_BAR, "https://www.comics.org/publisher/54/?page=3") is None
    unlinked = OLD_BAR.replace('<a href="?style=default&amp;page=3">Next &gt;</a>', "Next &gt;")
    assert next_page(unlinked, "/series/1/covers/?style=default&page=2") == \
        "?style=default&page=3"  # the numbered link to page 3 is still there
    assert next_page(unlinked.replace('<a href="?style=default&amp;page=3">3</a>', "3"),
                     "/series/1/covers/?page=2") is None


def test_gallery_and_publisher_links():
    # templates/gcd/details/covers.html: the issue link around each cover, zoom links beside
    gallery = """<table id="covers"><tr>
      <td class="cover_grid"><a href="/issue/18200/"><img src="x.jpg"></a><br/>
      <span class="cover_links">Zoom: <a href="/issue/18200/cover/2/?style=default">Medium</a>
      <a href="/issue/18200/cover/4/?style=default">Large</a></span></td>
      <td class="cover_grid"><a href="/issue/18201/"><img src="y.jpg"></a></td></tr></table>"""
    assert gallery_issue_ids(gallery) == [18200, 18201]
    # templates/gcd/details/tw_publisher.html: the cover of an issue, then the series table
    publisher = """<a href="/issue/5/cover/4/">c</a><a href="/issue/5/">The Flash #1</a>
      <a href="/publisher/54/issues/">900</a><table><tr><td><a href="/series/1570/">The Flash</a>
      </td></tr><tr><td><a href="/series/1571/covers/">x</a><a href="/series/1572/">Other</a>
      </td></tr></table>"""
    assert publisher_series_ids(publisher) == [1570, 1572]


def test_gallery_covers_and_a_replaced_upload():
    from spiders.gcd.api import cover_replaced
    from spiders.gcd.pages import gallery_covers
    host = "https://files1.comics.org//img/gcd/covers_by_id/224"
    gallery = f"""<table id="covers"><tr>
      <td class="cover_grid"><a href="/issue/18200/"><img src="{host}/w100/224124.jpg?6047"
      class="cover_img"></a><br/><span class="cover_links">Zoom: <a
      href="/issue/18200/cover/2/?style=default">Medium</a></span></td>
      <td class="cover_grid"><a href="/issue/18201/"><img src="/static/no_cover.png"></a></td>
      </tr></table>"""
    assert gallery_covers(gallery) == {18200: f"{host}/w100/224124.jpg?6047", 18201: None}
    stored = "http://127.0.0.1:9//img/gcd/covers_by_id/224/w400/224124.jpg?6047"
    assert not cover_replaced(stored, f"{host}/w100/224124.jpg?6047")  # size, host: same upload
    assert cover_replaced(stored, f"{host}/w100/224124.jpg?9911")      # another upload
    assert cover_replaced(stored, f"{host}/w100/224125.jpg?6047")      # another cover
    assert not cover_replaced(stored.split("?")[0], f"{host}/w100/224124.jpg?9911")  # unknown
    assert not cover_replaced(stored, None)
