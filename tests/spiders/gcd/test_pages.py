"""The page parser on hand-written snippets shaped like gcd-django's templates render them.

Each snippet is written by hand (not copied) after the template named in its comment, in the
GrandComicsDatabase/gcd-django repository, trimmed to the parts around what the parser reads.
"""
from __future__ import annotations

import pytest

from spiders.gcd.api import GcdParseError
from spiders.gcd.pages import gallery_issue_ids, next_page, parse_issue_page, publisher_series_ids

URL = "https://www.comics.org/issue/18200/"
COVER = "https://files1.comics.org//img/gcd/covers_by_id/77/w200/77123.jpg?4f2"
EXPECTED = {
    "issue_id": 18200, "series_id": 1570, "series_name": "The Flash",
    "issue_number": "123", "publisher": "National Periodical Publications",
    "publication_date": "September 1961", "on_sale_date": "1961-07-27",
    "cover_id": 77123,
    "cover_url": "https://files1.comics.org//img/gcd/covers_by_id/77/w400/77123.jpg?4f2",
    "characters_raw": "Flash [Jay Garrick]; Mirror  Master", "genre": "superhero",
    "synopsis": "Two Flashes meet.", "source_url": URL, "pencils": "Carmine Infantino",
    "inks": "Joe Giella; Murphy Anderson", "colors": None, "letters": None, "editing": None}

# templates/gcd/details/tw_issue.html (header block, content_left) including
# tw_single_story.html, bits/story_creator_credits.html, bits/tw_single_credit.html,
# bits/tw_story_characters.html and bits/tw_character_list.html; the free-text characters
# field is `{{ story.characters }}` after the linked lists
CURRENT = f"""<html><head><title>
  GCD :: Issue :: The Flash #123
</title></head><body>
<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">
  <div class="flex-1 font-bold text-2xl self-start">
    <a href="/series/1570/">The Flash</a> (DC, 1959 series) #123
  </div>
  <div class="font-bold text-lg">
    September 1961
  </div>
</nav>
<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">
  <div class="flex-1 font-bold text-lg self-start">
    <a href="/publisher/54/">DC</a>, 1959 Series
  </div>
  <div><a href="/issue/18199/">&lt; Previous Issue</a></div>
</nav>
<div class="max-md:w-[calc(100vw-36px)] max-md:min-h-20">
  <div class="flex flex-wrap gap-x-4">
    <div><span class="font-bold">Price:</span> 0.10 USD</div>
    <div><span class="font-bold">On-sale Date:</span> 1961-07-27
    </div>
  </div>
  <span class="font-bold">Editing:</span> <a href="/creator/1/">Julius Schwartz</a>
</div>
<div class="flex">
  <div class="w-[100px] sm:w-[200px] mt-1 text-center">
    <a href="cover/4/"><img src="{COVER}" alt="The Flash #123" class="cover_img"></a>
    <a href="/series/1570/covers">Cover Gallery</a>&nbsp;
  </div>
  <div class="ps-2 flex-1">
<div class="md:me-1">
  <a name="50001"></a>
  <h2 class="bg-gcd mt-1 font-normal rounded-t"><div class="flex"><div class="flex-1">
        <span class="text-white px-1">Flash of Two Worlds!</span></div></div></h2>
  <h3 class="text-black visited:text-black rounded-b font-normal bg-blue-100 px-1">
    <div class="flex"><div class="flex-1">
        <span>
  cover /
  1
    page
        </span>
    </div></div>
  </h3>
  <div class="ml-1">
<table class="[&_tr]:border-none">
  <tbody>
<tr>
  <td class="field-name-label">
    <a hx-get="/story/50001/pencils/history/" hx-target="body">Pencils:</a>
  </td>
  <td><div><a href="/creator/2/">Carmine Infantino</a></div></td>
</tr>
<tr>
  <td class="field-name-label">
    <a hx-get="/story/50001/inks/history/" hx-target="body">Inks:</a>
  </td>
  <td><div><a href="/creator/3/">Joe Giella</a></div><div>Murphy Anderson</div></td>
</tr>
  </tbody>
</table>
  </div>
  <hr></hr>
  <div class="ml-1">
    <ul class="md:columns-2">
      <li class="break-inside-avoid-column"><span class="field-name-label">Genre:</span>superhero</li>
      <li></li>
    </ul>
    <ul><li></li><li></li></ul>
    <div class="field-name-label">Characters:</div>
    <a href="/group/7/"><b>Justice Society of America</b></a>
    <ul class="list-disc sm:columns-2 ps-8 lg:columns-3 gap-8">
<li class="break-inside-avoid-column"><a href="/character/9/">Hawkman</a>
</li>
    </ul>
    <ul class="list-disc ps-4 gap-8">
<li class="break-inside-avoid-column"><a href="/character/4/">Flash</a>
  [<a href="/character/5/">Barry Allen</a>]
</li>
    </ul>
      Flash [Jay Garrick]; Mirror  Master
    <dl>
      <dt class="field-name-label">Synopsis:</dt><dd>Two Flashes meet.</dd>
    </dl>
  </div>
</div>
  </div>
</div>
<h3 class="bg-blue-100 rounded px-1 mt-1 md:me-1"> Issue Data </h3>
<ul class="md:columns-2 ml-1">
<li><span class="font-bold">Indicia&nbsp;/&nbsp;Colophon Publisher:</span> <a href="/indicia_publisher/11/">National Periodical Publications</a></li>
</ul>
<div class="md:me-1">
  <a name="50002"></a>
  <h2 class="bg-gcd mt-1 font-normal rounded-t"><span class="text-white px-1">Another</span></h2>
  <h3 class="text-black rounded-b font-normal bg-blue-100 px-1"><span>
  comic story /
  12
    pages
  </span></h3>
</div>
</body></html>"""

# tw_single_story.html as first released: linked and free-text characters in one <dd>
# (`{{ story.show_characters_bare_value|linebreaksbr }}`, models/story.py show_characters)
EARLY_CHARACTERS = """
    <dl>
      <dt class="field-name-label">Characters:</dt>
      <dd><a href="/group/7/"><b>Justice Society of America</b></a>: <a href="/character/9/">Hawkman</a><br><a href="/character/4/">Flash</a> [<a href="/character/5/">Barry Allen</a>]; Flash [Jay Garrick]; Mirror  Master</dd>
      <dt class="field-name-label">Synopsis:</dt><dd>Two Flashes meet.</dd>
    </dl>"""

# templates/gcd/details/issue.html with bits/series_issue_header.html and single_story.html;
# credits from templatetags/credits.py (show_creator_credit, __format_credit), characters from
# models/story.py show_characters (linked names, then "; " and the free text)
OLD = f"""<html><head><title>GCD :: Issue :: The Flash #123</title></head><body>
<h1 class="item_id">
<div class="left" id="series_and_issue">
  <span id="series_name">
    <a href="/series/1570/">The Flash</a>
  </span>
  <a href="/issue/18200/"><span class="issue_number"><span class="p">#</span>123</span></a>
</div>
<div class="right">
  (September 1961)
</div>
</h1>
<div class="item_id"><div class="left"><a href="/publisher/54/">DC</a>, 1959 Series</div></div>
<div class="control_body"><div id="control_container"><div id="control_center">
      <dl id="issue_data_list">
        <dt> Price:
        <dd id="issue_price"> 0.10 USD
        <dt> On-sale Date:
        <dd id="on_sale_date"> 1961-07-27
      </dl>
      <dl>
        <dt> Indicia Publisher:
        <dd id="issue_indicia_publisher"> <a href="/indicia_publisher/11/">National Periodical Publications</a>
      </dl>
      <hr class="divider">
      <div class="cover">
        <div class="coverContainer">
          <div class="coverContent">
            <div id="cover_data">
    <div class="single_story">
      <a name="50001"></a>
      <h2 class="sequence header title"><span class="title left">Flash of Two Worlds!</span></h2>
      <h3 class="sequence_header feature">
        <span class="left"><span class="type">
          cover /
          1
            page
          </span></span>
      </h3>
      <dl class="credits">
<dt class="credit_tag"><span class="credit_label"><a hx-get="/story/50001/pencils/history/">Pencils</a></span></dt><dd class="credit_def"><span class="credit_value"><a href="/creator/2/">Carmine Infantino</a></span></dd>
<dt class="credit_tag"><span class="credit_label"><a hx-get="/story/50001/inks/history/">Inks</a></span></dt><dd class="credit_def"><span class="credit_value"><a href="/creator/3/">Joe Giella</a>; Murphy Anderson</span></dd>
      </dl>
      <hr class="content_header"></hr>
      <dl class="contents">
<dt class="credit_tag short"><span class="credit_label">Genre</span></dt><dd class="credit_def short"><span class="credit_value">superhero</span></dd>
<dt class="credit_tag"><span class="credit_label">Characters</span></dt><dd class="credit_def"><span class="credit_value"><a href="/group/7/"><b>Justice Society of America</b></a>: <a href="/character/9/">Hawkman</a><br><a href="/character/4/">Flash</a> [<a href="/character/5/">Barry Allen</a>]; Flash [Jay Garrick]; Mirror  Master</span></dd>
<dt class="credit_tag"><span class="credit_label">Synopsis</span></dt><dd class="credit_def"><span class="credit_value">Two Flashes meet.</span></dd>
      </dl>
    </div>
            </div>
          </div>
          <div class="coverImage">
            <a href="/issue/18200/cover/4/?style=default"><img src="{COVER}" class="cover_img"></a>
          </div>
        </div>
      </div>
      <div id="story_data"><hr class="divider"></div>
</div></div></div>
</body></html>"""


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


def test_next_page_in_both_bars():
    assert next_page(OLD_BAR) == "?style=default&page=3"
    assert next_page(TW_BAR) == "?page=3"
    assert next_page(LAST_TW_BAR) is None
    assert next_page(OLD_BAR.replace('<a href="?style=default&amp;page=3">Next &gt;</a>',
                                     "Next &gt;")) is None


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
