"""The loopback GCD's HTML: issue pages in both markups, pagination bars, JSON replies.

Simplified renderings of gcd-django's templates with the same tags, classes and ids around what
the parser reads (spiders/gcd/pages.py).
"""
from __future__ import annotations

import html
import json
import zlib

from replicas.common import Reply
from replicas.gcd.data import ALL_NAMES, Issue

def page_reply(title: str, body: str) -> Reply:
    text = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>GCD :: {title}"
            f"</title></head><body>{body}</body></html>")
    return Reply(200, text.encode())


def issue_html(issue: Issue, series: str, publisher: tuple[str, str], cover: str) -> str:
    """The issue page body in the issue's markup; the cover sequence is the first story.

    Simplified renderings of gcd-django's templates/gcd/details/tw_issue.html (current) and
    issue.html (old), with the same tags, classes and ids around what the parser reads.
    """
    other = Issue(**{**issue.__dict__, "characters_raw": "Somebody Else; Another Person",
                     "teams": (), "characters": frozenset()})
    cover_story = (issue, "cover") if issue.has_cover_sequence and not issue.cover_only else None
    stories = [] if issue.cover_only else [(other, "comic story")]
    if issue.markup == "new":
        return _new_issue(issue, series, publisher, cover, cover_story, stories)
    return _old_issue(issue, series, publisher, cover, cover_story, stories)


def _image_tag(cover: str) -> str:
    return f'<img src="{cover}" alt="Cover" class="cover_img" width="200">'


def _new_issue(issue: Issue, series: str, publisher: tuple[str, str], cover: str,
               cover_story, stories) -> str:
    # tw_issue.html: header navs, then the cover image beside the cover story, issue data,
    # then the other stories
    header = (
        f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">'
        f'<div class="flex-1 font-bold text-2xl self-start"><a href="/series/{issue.series_id}/">'
        f'{html.escape(series)}</a> #{issue.number}</div>'
        f'<div class="font-bold text-lg">{issue.publication_date}</div></nav>'
        f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">'
        f'<div class="flex-1 font-bold text-lg self-start"><a href="/publisher/'
        f'{issue.publisher_id}/">{html.escape(publisher[0])}</a>, 1960 Series</div></nav>')
    data = (f'<div class="max-md:w-[calc(100vw-36px)] max-md:min-h-20">'
            f'<div class="flex flex-wrap gap-x-4"><div><span class="font-bold">Price:</span> '
            f'0.12 USD</div><div><span class="font-bold">On-sale Date:</span> '
            f'{issue.on_sale_date}</div></div><span class="font-bold">Editing:</span> ?</div>')
    beside = ""
    if cover_story:
        beside = (f'<div class="ps-2 flex-1">{_new_story(*cover_story, 0, cover=True)}</div>')
    image = (f'<div class="flex"><div class="w-[100px] sm:w-[200px] mt-1 text-center">'
             f'<a href="cover/4/">{_image_tag(cover)}</a>'
             f'<a href="/series/{issue.series_id}/covers">Cover Gallery</a>&nbsp;</div>'
             f'{beside}</div>')
    issue_data = (f'<h3 class="bg-blue-100 rounded px-1 mt-1 md:me-1"> Issue Data </h3>'
                  f'<ul class="md:columns-2 ml-1"><li><span class="font-bold">Indicia&nbsp;/'
                  f'&nbsp;Colophon Publisher:</span> <a href="/indicia_publisher/'
                  f'{issue.publisher_id + 1}/">{html.escape(publisher[1])}</a></li></ul>')
    rest = "".join(_new_story(s, kind, n + 1) for n, (s, kind) in enumerate(stories))
    links = (f'<ul class="ps-1 max-md:hidden text-sm"><li> <a href="/series/{issue.series_id}/'
             f'covers">Series Cover Gallery</a></ul>'
             f'<a href="/issue/{issue.issue_id}/history/">Change History</a>')
    return header + data + image + issue_data + rest + links


def _new_story(issue: Issue, kind: str, number: int, cover: bool = False) -> str:
    """tw_single_story.html with story_creator_credits.html and tw_story_characters.html."""
    story_id = issue.issue_id * 10 + number
    title = "[no title indexed]" if cover else "The Story"
    # bits/story_creator_credits.html + bits/tw_single_credit.html (revision 2b8720c)
    credits = "".join(
        f'<tr>\n  <td class="font-bold pe-1 align-top">\n    <a hx-get="/story/{story_id}/'
        f'{label.lower()}/history/" hx-target="body" hx-swap="beforeend" \n    style="cursor: '
        f'pointer; color: #2727eb;">{label}:</a>\n  </td>\n  <td><div>{html.escape(v)}</div>'
        f'</td>\n</tr>' for label, v in (("Pencils", issue.pencils), ("Inks", issue.inks)))
    return (f'<div class="md:me-1"><a name="{story_id}"></a>'
            f'<h2 class="bg-gcd mt-1 font-normal rounded-t"><div class="flex"><div class="flex-1">'
            f'<span class="text-white px-1">{title}</span></div></div></h2>'
            f'<h3 class="text-black rounded-b font-normal bg-blue-100 px-1"><div class="flex">'
            f'<div class="flex-1"><span>\n  {kind} /\n  {1 if cover else 12}\n    page'
            f'{"" if cover else "s"}\n</span></div></div></h3>'
            f'<div class="ml-1"><table class="[&_:is(th,td):where(:nth-child(1),)]:text-right '
            f'[&_tr]:border-none"><tbody>{credits}</tbody>'
            f'</table></div><hr></hr><div class="ml-1"><ul class="md:columns-2">'
            f'<li class="break-inside-avoid-column"><span class="field-name-label">Genre:</span>'
            f'{issue.genre}</li><li></li></ul><ul><li></li></ul>{_new_characters(issue)}'
            f'<dl><dt class="field-name-label">Synopsis:</dt><dd>A {kind}.</dd></dl></div></div>')


def _new_characters(issue: Issue) -> str:
    """Linked groups with their members, linked characters, then the free-text field."""
    def person(name: str) -> str:
        return (f'<li class="break-inside-avoid-column"><a href="/character/'
                f'{ALL_NAMES.index(name)}/">{html.escape(name)}</a>\n</li>')

    grouped = {m for _, members in issue.teams for m in members}
    groups = "".join(
        f'<a href="/group/{zlib.crc32(team.encode()) % 9999}/"><b>{html.escape(team)}</b></a>'
        f'<ul class="list-disc sm:columns-2 ps-8 lg:columns-3 gap-8">'
        + "".join(person(m) for m in sorted(members)) + "</ul>" for team, members in issue.teams)
    solos = sorted(issue.characters - grouped)
    people = ('<ul class="list-disc sm:columns-2 lg:columns-3 ps-4 gap-8">'
              + "".join(person(n) for n in solos) + "</ul>") if solos else ""
    return (f'<div class="field-name-label">Characters:</div>{groups}{people}\n      '
            f'{html.escape(issue.characters_raw)}\n    ')


def _old_issue(issue: Issue, series: str, publisher: tuple[str, str], cover: str,
               cover_story, stories) -> str:
    """issue.html with bits/series_issue_header.html, as the real saved page of issue 370657
    (tests/spiders/gcd/real/) shows it: the cover story sits in div.cover / #cover_data."""
    header = (f'<h1 class="item_id">\n<div class="left" id="series_and_issue">\n  '
              f'<span id="series_name">\n    <a href="/series/{issue.series_id}/">'
              f'{html.escape(series)}</a>\n  </span>\n      <span class="issue_number">'
              f'#{issue.number}</span>\n</div>\n<div class="right">\n  '
              f'({issue.publication_date})\n</div>\n</h1>\n<div class="item_id" '
              f'style="min-height: 2em">\n  <div class="item_data flex_left">\n  <a href='
              f'"/publisher/{issue.publisher_id}/">{html.escape(publisher[0])}</a>,\n  '
              f'1960 Series\n  </div>\n</div>')
    data = (f'<div class="control_body">\n  <div id="control_container">\n    '
            f'<div id="control_center">\n      <dl id="issue_data_list">\n        '
            f'<dt> Price</dt>\n        <dd id="issue_price"> 0.12 USD</dd>\n        '
            f'<dt> On-sale date</dt>\n        <dd id="on_sale_date">\n        '
            f'{issue.on_sale_date}</dd>\n        <dt> Indicia&nbsp;/&nbsp;Colophon Publisher'
            f'</dt>\n        <dd id="issue_indicia_publisher"> <a href="/indicia_publisher/'
            f'{issue.publisher_id + 1}/">{html.escape(publisher[1])}</a></dd>\n      </dl>\n'
            f'      <hr class="divider">')
    inside = _old_story(*cover_story, issue.issue_id * 10) if cover_story else ""
    box = (f'<div class="cover">\n        <div class="coverContainer">\n          '
           f'<div class="coverContent">\n            <div id="cover_data">{inside}</div>\n'
           f'          </div>\n          <div class="coverImage">\n            <a href="/issue/'
           f'{issue.issue_id}/cover/4">{_image_tag(cover)}</a>\n            <div class='
           f'"issue_cover_links">\n<div class="left">\n              View: <a href="/issue/'
           f'{issue.issue_id}/cover/4">Large</a>\n              <br>\n              <a href='
           f'"/edit_covers/{issue.issue_id}/">Edit cover</a>\n</div>\n<div class="right">\n'
           f'              <a href="/series/{issue.series_id}/covers/?page=1">Cover gallery</a>'
           f'\n</div>\n            </div>\n          </div>\n        </div> <!-- coverContainer'
           f' -->\n      </div> <!-- cover -->')
    rest = "".join(_old_story(s, kind, issue.issue_id * 10 + n + 1)
                   for n, (s, kind) in enumerate(stories))
    rail = (f'\n    </div> <!-- control_center -->\n    <div id="control_rail">\n      '
            f'<div id="change_history" class="edit_footer">\n        <a href="/issue/'
            f'{issue.issue_id}/history/">View Change History</a>\n      </div>\n    </div>\n'
            f'  </div> <!-- control_container -->\n</div> <!-- control_body -->')
    return header + data + box + f'\n      <div id="story_data">{rest}\n      </div>' + rail


def _old_story(issue: Issue, kind: str, story_id: int) -> str:
    """single_story.html as the real page of issue 370657 shows it: `dl.credits` of
    show_full_credits, `dl.contents` of show_credit (genre "short") and show_characters."""
    def pair(label: str, value: str, short: str = "") -> str:
        return (f'\n          <dt class="credit_tag{short}"><span class="credit_label">{label}'
                f'</span></dt><dd class="credit_def{short}"><span class="credit_value">{value}'
                f'</span></dd>')
    title = "[no title indexed]" if kind == "cover" else "The Story"
    pages = "1\n          \n            page" if kind == "cover" else \
        "12\n          \n            pages"
    return (f'\n    <div class="single_story">\n      <a name="{story_id}"></a>\n      '
            f'<h2 class="sequence header title">\n        <span class="title left">{title}'
            f'</span>\n      </h2>\n      <h3 class="sequence_header feature">\n        '
            f'<span class="left">\n          <span class="type">\n          <!-- needs to be '
            f'stuck together to get display spacing right. -->\n          \n          {kind} / '
            f'\n          {pages}\n          \n          </span>\n        </span>\n      '
            f'</h3>\n      <dl class="credits">{pair("Pencils", html.escape(issue.pencils))}'
            f'{pair("Inks", html.escape(issue.inks))}\n      </dl>\n        <hr class='
            f'"content_header"></hr>\n        <dl class="contents">'
            f'{pair("Genre", issue.genre, " short")}'
            f'{pair("Characters", html.escape(issue.characters_raw))}'
            f'{pair("Synopsis", f"A {kind}.")}\n        </dl>\n    </div>\n')


def json_reply(status: int, body: dict) -> Reply:
    return Reply(status, json.dumps(body).encode(), "application/json")
