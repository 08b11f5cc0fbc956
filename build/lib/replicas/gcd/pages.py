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


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def tw_pagination(page: int, total: int, size: int) -> str:
    """bits/tw_pagination_bar.html: arrows &#5176; / &#5171; around numbered links."""
    pages = _pages(total, size)
    if pages == 1:
        return (f'<div class="flex flex-1 justify-end"><ul class="flex items-center h-8 px-2">'
                f'<li> <span class="flex rounded">{page}</span> </li></ul></div>')
    cell = "flex items-center justify-center px-2 h-8 bg-blue-100 border border-gray-400"
    prev = (f'<a class="{cell} rounded-s-lg" href="?page={page - 1}">&#5176;</a>' if page > 1
            else f'<span class="{cell} rounded-s-lg">&#5176;</span>')
    after = (f'<a class="{cell} rounded-e-lg" href="?page={page + 1}">&#5171;</a>'
             if page < pages else f'<span class="{cell} rounded-e-lg">&#5171;</span>')
    numbers = "".join(f'<li><span class="{cell} bg-blue-300">{n}</span></li>' if n == page
                      else f'<li><a class="{cell}" href="?page={n}">{n}</a></li>'
                      for n in range(1, pages + 1))
    return (f'<div class="flex flex-1 justify-end"><div class="flex"><ul class="max-lg:hidden '
            f'flex items-center h-8 px-2"><li>{prev}</li>{numbers}<li>{after}</li></ul>'
            f'</div></div>')


def old_pagination(page: int, total: int, size: int) -> str:
    """bits/pagination_bar.html: "< Previous | 1 | 2 | Next >", links with ?style=&page=."""
    pages = _pages(total, size)
    prev = (f'<a href="?style=default&amp;page={page - 1}">&lt; Previous</a>' if page > 1
            else "&lt; Previous")
    after = (f'<a href="?style=default&amp;page={page + 1}">Next &gt;</a>' if page < pages
             else "Next &gt;")
    numbers = " | ".join(str(n) if n == page else f'<a href="?style=default&amp;page={n}">{n}</a>'
                         for n in range(1, pages + 1))
    return f'<div class="right pagination">{prev} | {numbers} | {after}</div>'


def issue_html(issue: Issue, series: str, publisher: tuple[str, str], cover: str) -> str:
    """The issue page body in the issue's markup; the cover sequence is the first story.

    Simplified renderings of gcd-django's templates/gcd/details/tw_issue.html (current) and
    issue.html (old), with the same tags, classes and ids around what the parser reads.
    """
    other = Issue(**{**issue.__dict__, "characters_raw": "Somebody Else; Another Person",
                     "teams": (), "characters": frozenset()})
    cover_story = (issue, "cover") if issue.has_cover_sequence else None
    stories = [(other, "comic story")]
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
    credits = "".join(
        f'<tr><td class="field-name-label"><a hx-get="/story/{story_id}/{label.lower()}/history/"'
        f' hx-target="body">{label}:</a></td><td><div>{html.escape(v)}</div></td></tr>'
        for label, v in (("Pencils", issue.pencils), ("Inks", issue.inks)))
    return (f'<div class="md:me-1"><a name="{story_id}"></a>'
            f'<h2 class="bg-gcd mt-1 font-normal rounded-t"><div class="flex"><div class="flex-1">'
            f'<span class="text-white px-1">{title}</span></div></div></h2>'
            f'<h3 class="text-black rounded-b font-normal bg-blue-100 px-1"><div class="flex">'
            f'<div class="flex-1"><span>\n  {kind} /\n  {1 if cover else 12}\n    page'
            f'{"" if cover else "s"}\n</span></div></div></h3>'
            f'<div class="ml-1"><table class="[&_tr]:border-none"><tbody>{credits}</tbody>'
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
    # issue.html with bits/series_issue_header.html: the cover story sits in div.cover
    header = (f'<h1 class="item_id"><div class="left" id="series_and_issue">'
              f'<span id="series_name"><a href="/series/{issue.series_id}/">'
              f'{html.escape(series)}</a></span> <a href="/issue/{issue.issue_id}/">'
              f'<span class="issue_number"><span class="p">#</span>{issue.number}</span></a>'
              f'</div><div class="right">({issue.publication_date})</div></h1>'
              f'<div class="item_id"><div class="left"><a href="/publisher/{issue.publisher_id}/">'
              f'{html.escape(publisher[0])}</a>, 1960 Series</div></div>')
    data = (f'<div class="control_body"><div id="control_container"><div id="control_center">'
            f'<dl id="issue_data_list"><dt> Price:<dd id="issue_price"> 0.12 USD'
            f'<dt> On-sale Date:<dd id="on_sale_date"> {issue.on_sale_date}</dl>'
            f'<dl><dt> Indicia Publisher:<dd id="issue_indicia_publisher"> '
            f'<a href="/indicia_publisher/{issue.publisher_id + 1}/">'
            f'{html.escape(publisher[1])}</a></dl><hr class="divider">')
    inside = _old_story(*cover_story, issue.issue_id * 10) if cover_story else ""
    box = (f'<div class="cover"><div class="coverContainer"><div class="coverContent">'
           f'<div id="cover_data">{inside}</div></div><div class="coverImage">'
           f'<a href="/issue/{issue.issue_id}/cover/4/?style=default">{_image_tag(cover)}</a>'
           f'<div class="issue_cover_links"><a href="/series/{issue.series_id}/covers/'
           f'?style=default">Cover gallery</a></div></div></div></div>')
    rest = "".join(f'<hr class="divider">{_old_story(s, kind, issue.issue_id * 10 + n + 1)}'
                   for n, (s, kind) in enumerate(stories))
    rail = (f'</div><div id="control_rail"><div class="change_history"><a href="/issue/'
            f'{issue.issue_id}/history/">Change History</a></div></div></div></div>')
    return header + data + box + f'<div id="story_data">{rest}</div>' + rail


def _old_story(issue: Issue, kind: str, story_id: int) -> str:
    """single_story.html: show_full_credits / show_credit / show_characters definition lists."""
    def pair(label: str, value: str, short: str = "") -> str:
        return (f'<dt class="credit_tag{short}"><span class="credit_label">{label}</span></dt>'
                f'<dd class="credit_def{short}"><span class="credit_value">{value}</span></dd>')
    title = "[no title indexed]" if kind == "cover" else "The Story"
    pages = "1\n            page" if kind == "cover" else "12\n            pages"
    return (f'<div class="single_story"><a name="{story_id}"></a>'
            f'<h2 class="sequence header title"><span class="title left">{title}</span></h2>'
            f'<h3 class="sequence_header feature"><span class="left"><span class="type">\n'
            f'          {kind} /\n          {pages}\n          </span></span></h3>'
            f'<dl class="credits">{pair("Pencils", html.escape(issue.pencils))}'
            f'{pair("Inks", html.escape(issue.inks))}</dl><hr class="content_header"></hr>'
            f'<dl class="contents">{pair("Genre", issue.genre, " short")}'
            f'{pair("Characters", html.escape(issue.characters_raw))}'
            f'{pair("Synopsis", f"A {kind}.")}</dl></div>')


def json_reply(status: int, body: dict) -> Reply:
    return Reply(status, json.dumps(body).encode(), "application/json")
