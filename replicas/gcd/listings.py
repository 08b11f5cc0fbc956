"""The loopback GCD's listings: cover galleries and publisher pages in both layouts, with bars.

Each builder follows a gcd-django template (GrandComicsDatabase/gcd-django, revisions named in
docs/gcd.md "Replica pages and their templates"), with the template's tags, classes, links and
link text; page chrome (menus, ads, scripts) and cells the crawl never reads are left out.
- current gallery: views/details.py `series_covers` renders gcd/search/tw_list_sortable.html, its
  nav bar gcd/search/tw_list_header.html (+ bits/tw_pagination_bar.html), and CoverSeriesTable
  (models/cover.py) through bits/tw_sortable_grid.html: one `<div>` per cover, a `<div>` per cell;
  the cover cell is `<a href="{cover.get_absolute_url}">{get_image_tag(cover, '', 2)}</a>`
  (/issue/<id>/cover/4/, the w200 image), the issue cell a text link to /issue/<id>/.
- old gallery: details/covers.html (td.cover_grid: the image in the /issue/<id>/cover/4/ link,
  the issue number a text link) with bits/pagination_bar.html's arrow bar (&#128898;).
- current publisher: details/tw_publisher.html (tw_pagination_bar in the header nav, the
  featured cover, the series table); old publisher: details/publisher.html
  (table#publisher_detail_listing) with the "Next &gt;" bar of bits/pagination_bar.html.
"""
from __future__ import annotations

import html

CELL = "flex items-center justify-center px-2 h-8 link-with-text-color bg-blue-100 border " \
       "border-gray-400"


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def tw_pagination(page: int, total: int, size: int) -> str:
    """bits/tw_pagination_bar.html: &#5176; / numbers / &#5171; (the desktop list and the
    small-screen arrows), then the "Go" form."""
    pages = page_count(total, size)
    if pages == 1:
        return (f'<div class="flex justify-end h:21 sm:h-14 lg:h-8 items-center"><div class="flex">'
                f'<ul class="max-lg:hidden flex items-center h-8 px-2"><li> <span class="{CELL} '
                f'rounded" style="text-decoration: none">{page}</span> </li></ul></div></div>')

    def arrow(target: int, glyph: str, side: str, live: bool) -> str:
        if live:
            return (f'<a class="{CELL} rounded-{side}-lg hover:bg-blue-300 hover:no-underline" '
                    f'href="?page={target}">{glyph}</a>')
        return (f'<span class="{CELL} rounded-{side}-lg" style="text-decoration: none">'
                f'{glyph}</span>')

    prev = arrow(page - 1, "&#5176;", "s", page > 1)
    after = arrow(page + 1, "&#5171;", "e", page < pages)
    numbers = "".join(
        f'<li><span class="{CELL.replace("bg-blue-100", "bg-blue-300")} hover:no-underline">'
        f'{n}</span></li>' if n == page else
        f'<li><a class="{CELL} hover:bg-blue-300 hover:no-underline" href="?page={n}">{n}</a>'
        f'</li>' for n in range(1, pages + 1))
    return (f'<div class="flex justify-end h:21 sm:h-14 lg:h-8 items-center"><div class="flex">'
            f'<ul class="max-lg:hidden flex items-center h-8 px-2"><li>{prev}</li>{numbers}'
            f'<li>{after}</li></ul>'
            f'<ul class="max-sm:hidden lg:hidden flex items-center h-8 px-2"><li>{prev}</li>'
            f'{after}</li></ul>'
            f'<ul class="flex justify-end items-center h-15 sm:h-8"><li><form method="GET">'
            f'<input type="text"  class="border border-gray-400 rounded" name="page" size="3">'
            f'<input type="submit" class="px-2 py-0 h-7 bg-blue-100" value="Go"></form>'
            f'<span class="lg:hidden px-3 items-center">{pages} pages</span></li></ul>'
            f'</div></div>')


def arrow_pagination(page: int, total: int, size: int) -> str:
    """bits/pagination_bar.html (revision 0457f1d): &#128896; / numbers / &#128898; buttons."""
    pages = page_count(total, size)
    if pages == 1:
        return (f'<div class="right pagination"><ul>&lt; Previous | {page} | Next &gt;'
                f'<li><form method="GET" style="display:inline"></form></li></ul></div>')
    prev = (f'<li><a class="btn btn-default btn-sm btn-arrow-right" href="?page={page - 1}">'
            f'&#128896;</a>' if page > 1 else
            '<span class="btn btn-default btn-sm" style="text-decoration: none">&#128896;</span>'
            '</li>')
    numbers = "".join(
        f'<li><span class="btn btn-default btn-sm btn-selected" style="text-decoration: none">'
        f'{n}</span></li>' if n == page else
        f'<li><a class="btn btn-default btn-sm" href="?page={n}">{n}</a></li>'
        for n in range(1, pages + 1))
    after = (f'<li><a class="btn btn-default btn-sm" href="?page={page + 1}">&#128898;</a>'
             if page < pages else
             '<span class="btn btn-default btn-sm" style="text-decoration: none">&#128898;'
             '</span></li>')
    return f'<div class="right pagination"><ul>{prev}{numbers}{after}</ul></div>'


def next_text_pagination(page: int, total: int, size: int) -> str:
    """bits/pagination_bar.html (revision 5ffdc8a): "&lt; Previous | 1 | 2 | Next &gt;"."""
    pages = page_count(total, size)
    if pages == 1:
        return f'<div class="right pagination">&lt; Previous | {page} | Next &gt;</div>'
    prev = (f'<a href="?style=default&amp;page={page - 1}">&lt; Previous</a>' if page > 1
            else "&lt; Previous")
    after = (f'<a href="?style=default&amp;page={page + 1}">Next &gt;</a>' if page < pages
             else "Next &gt;")
    numbers = " | ".join(str(n) if n == page else f'<a href="?style=default&amp;page={n}">{n}</a>'
                         for n in range(1, pages + 1))
    return f'<div class="right pagination">{prev} | {numbers} | {after}</div>'


def current_gallery(series_id: int, series: str, publisher_id: int, publisher: str,
                    cells: list[dict], page: int, total: int, size: int) -> str:
    """tw_list_sortable.html + tw_list_header.html + CoverSeriesTable in tw_sortable_grid.html.

    `cells`: dicts with issue_id, descriptor, image (the w200 URL), publication_date,
    on_sale_date. The heading stands in for series.full_name_with_link(publisher=True)."""
    start = (page - 1) * size + 1
    heading = (f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 '
               f'lg:px-3"><div class="flex-1 font-bold text-lg">{start} to '
               f'{start + len(cells) - 1} of {total} covers for <a href="/series/{series_id}/">'
               f'{html.escape(series)}</a> (<a href="/publisher/{publisher_id}/">'
               f'{html.escape(publisher)}</a>)</div>{tw_pagination(page, total, size)}</nav>')
    disclaimer = (f'<div class="flex items-center"><div class="flex-1"><a href="/series/'
                  f'{series_id}/status"> Index Status</a> / <a href="/series/{series_id}/scans">'
                  f'Cover Scan Status</a> ({total} covers for {total} issues available).</div>'
                  f'</div>')
    header = ('<table class="border"><thead class="bg-blue-100"><tr class="flex flex-row">'
              + "".join(f'<th class="px-2"><a class="visited:text-link-gcd" href="?sort={key}">'
                        f'{label}</a></th>' for key, label in (
                            ("issue", "Issue"), ("publication_date", "Publication Date"),
                            ("on_sale_date", "On-sale")))
              + '</tr></thead></table>')
    rows = "".join(
        f'<div class="w-[154px] md:w-[204px] shadow-md p-[2px] flex flex-col">'
        f'<div><a href="/issue/{c["issue_id"]}/cover/4/"><img src="{c["image"]}" alt="" '
        f'class="cover_img"/></a></div>'
        f'<div><a href="/issue/{c["issue_id"]}/">{html.escape(c["descriptor"])}</a></div>'
        f'<div>{c["publication_date"]}</div><div>{c["on_sale_date"]}</div>'
        f'<div class="mt-auto"><btn class="btn-blue-editing"><a href="/edit_covers/'
        f'{c["issue_id"]}/">Add / Replace Cover</a></btn></div></div>' for c in cells)
    grid = (f'<div><div class="sm:justify-center">{header}<div class="flex flex-wrap gap-4 '
            f'max-sm:px-1 px-2">{rows}</div></div></div>')
    return heading + disclaimer + grid + heading


def old_gallery(series_id: int, series: str, cells: list[dict], page: int, total: int,
                size: int, width: int = 5) -> str:
    """details/covers.html: table#covers, `table_width` cells a row, the bar above and below."""
    bar = arrow_pagination(page, total, size)
    tds = [f'<td class="cover_grid"><a href="/issue/{c["issue_id"]}/cover/4/"><img src="'
           f'{c["image"]}" alt="" class="cover_img"/></a><br><div class="cover_caption">'
           f'<span class="cover_number"><a href="/issue/{c["issue_id"]}/">Issue '
           f'{html.escape(c["descriptor"])}</a></span><br><span class="cover_date">'
           f'{c["publication_date"]}</span><br><a href="/edit_covers/{c["issue_id"]}/">'
           f'Add/replace cover</a></div></td>' for c in cells]
    rows = "</tr><tr>".join("".join(tds[i:i + width]) for i in range(0, len(tds), width))
    header = (f'<h1 class="item_id"><div class="left"><a href="/series/{series_id}/">'
              f'{html.escape(series)}</a></div>{bar}</h1>')
    info = (f'<div id="info_links"><a href="/series/{series_id}/status"> Index Status</a> '
            f'&nbsp; / &nbsp;<a href="/series/{series_id}/scans">Cover Scan Status</a> ('
            f'{total} covers for {total} issues available).<br>A click on the cover leads to the '
            f'large cover view, a click on the issue number to the issue data.</div>')
    return (header + info + f'<div class="left"><table id="covers"><tr>{rows}</tr></table>'
            f'</div><div class="right"></div><div class="item_id">{bar}</div>')


def current_publisher(publisher_id: int, name: str, series: list[tuple[int, str]],
                      featured: dict | None, page: int, total: int, size: int) -> str:
    """details/tw_publisher.html: the header nav with the bar, the featured cover, the series."""
    nav = (f'<nav class="flex items-center justify-between flex-wrap bg-blue-100 px-1 lg:px-2">'
           f'<div class="flex-1 font-bold text-2xl self-start">{html.escape(name)}</div>'
           f'{tw_pagination(page, total, size)}</nav>')
    cover = ""
    if featured:
        cover = (f'<table><tr><td class="align-top"><div class="w-[100px] sm:w-[200px] mt-1">'
                 f'<a href="/issue/{featured["issue_id"]}/cover/4/"><img src="'
                 f'{featured["image"]}" alt="" class="cover_img"/></a><a href="/issue/'
                 f'{featured["issue_id"]}/">{html.escape(featured["descriptor"])}<br></a></div>'
                 f'</td><td class="align-top"><ul class="md:columns-2"><li><span class="font-bold">'
                 f'Number of Series:</span> {total}</li><li><span class="font-bold">Number of '
                 f'Issues:</span> <a href="/publisher/{publisher_id}/issues/">?</a></li></ul>'
                 f'</td></tr></table>')
    rows = "".join(f'<tr><td><a href="/series/{sid}/">{html.escape(title)}</a></td>'
                   f'<td>1960</td></tr>' for sid, title in series)
    return (nav + cover + f'<table class="sortable_listing"><thead><tr><th>Series</th>'
            f'<th>Year</th></tr></thead><tbody>{rows}</tbody></table>')


def old_publisher(publisher_id: int, name: str, series: list[tuple[int, str]], page: int,
                  total: int, size: int) -> str:
    """details/publisher.html: dl.pub_data, table#publisher_detail_listing, the text bar."""
    bar = next_text_pagination(page, total, size)
    rows = "".join(
        f'<tr class="{("listing_even", "listing_odd")[n % 2]}"><td> <a href="/series/{sid}/">'
        f'{html.escape(title)}</a> </td><td> 1960<td style="text-align: right"> ? issues</td>'
        f'<td><a href="/series/{sid}/covers/">Gallery</a></td></tr>'
        for n, (sid, title) in enumerate(series))
    return (f'<h1 class="item_id"><div class="left">{html.escape(name)}</div>{bar}</h1>'
            f'<div class="control_body"><dl class="pub_data"><dt> Country:<dd> United States'
            f'</dl></div><table id="publisher_detail_listing" class="listing"><tr>'
            f'<th> Series </th><th> Year </th><th> #&nbsp;Issues </th><th> Covers </th></tr>'
            f'{rows}</table><div class="item_id">{bar}</div>')
