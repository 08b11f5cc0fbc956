"""Parse GCD site pages (issue pages in both markups, cover galleries, publisher tables) into rows.

Pure functions over HTML text (parsel selectors, no network): the spider calls them for the live
site and the replica alike. The markup is the one the templates of GrandComicsDatabase/gcd-django
render; the issue page changed layout on 2025-03-18 and both layouts are read:

- current (Tailwind, templates/gcd/details/tw_issue.html + tw_single_story.html): every story is a
  `<div>` opening with `<a name="<story id>">` and an `<h2>` title; its `<h3>` reads
  "<type> / <n> pages", the cover sequence being type "cover" and coming first. Credits are
  `<tr><td class="field-name-label">Pencils:</td><td><div>name</div>...</td></tr>`
  (bits/story_creator_credits.html, bits/tw_single_credit.html); genre is
  `<li><span class="field-name-label">Genre:</span>value</li>` and synopsis
  `<dt class="field-name-label">Synopsis:</dt><dd>value</dd>` (templatetags/credits.py).
  Characters are `<div class="field-name-label">Characters:</div>`, the linked groups
  (`<a href="/group/<id>/"><b>name</b></a>` then a `<ul>` of members) and characters (`<ul>` of
  `<li><a href="/character/<id>/">`; bits/tw_story_characters.html, tw_character_list.html), then
  the free-text field as bare text before the story's `<dl>`. Earlier Tailwind versions put
  linked and free text together in `<dt class="field-name-label">Characters:</dt><dd>`. Header
  facts are `<span class="font-bold">Label:</span> value` in a `<div>` or `<li>`; the publication
  date is the right-hand `<div class="font-bold text-lg">` of the first header `<nav>`.
- old (templates/gcd/details/issue.html + single_story.html): stories are `div.single_story`, the
  cover one inside `div.cover` (`#cover_data`); fields are `dt.credit_tag > span.credit_label` /
  `dd.credit_def > span.credit_value`, characters rendered as linked names then "; " and the free
  text (models/story.py show_characters); the header is `h1.item_id` with `#series_name` and
  `span.issue_number`, the indicia publisher in `dd#issue_indicia_publisher`.

`characters_raw` is always the free-text characters field alone, as the API returns it.
"""
from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from spiders.gcd.api import CREDIT_FIELDS, GcdParseError, cover_id_from_url

ISSUE_ID = re.compile(r"/issue/(\d+)/?$")
SERIES_LINK = re.compile(r"/series/(\d+)/$")
LISTED_ISSUE = re.compile(r"^(?:https?://[^/]+)?/issue/(\d+)/?$")
LISTED_SERIES = re.compile(r"^(?:https?://[^/]+)?/series/(\d+)/?$")
WIDTH = re.compile(r"/w(100|200|400)/")
# a story block in both layouts: <div ...><a name="<story id>"></a><h2 ...>
STORY_BLOCKS = "//div[a[@name] and h2]"
OLD_COVER_BOXES = ("div.cover", "#cover_data", "#cover_credits")
NEXT_ARROW = "\u1433"  # &#5171;, the Tailwind pagination bar's "next" link text


def _text(node) -> str:
    """All text of a node, whitespace runs collapsed (what the page shows)."""
    return " ".join("".join(node.xpath(".//text()").getall()).split())


def _label(text: str) -> str:
    return text.strip().rstrip(":").strip().lower()


def _after_label(container, label) -> str:
    """The container's text without its leading label (`<li><span>Genre:</span>value</li>`)."""
    whole, head = _text(container), _text(label)
    return whole[len(head):].strip() if whole.startswith(head) else whole


def _is_text(node) -> bool:
    return isinstance(node.root, str)


# --- the free-text characters field -------------------------------------------------------

def _free_text_after_links(value) -> str:
    """The free-text part of a value that renders linked characters first, then the text.

    show_characters() writes groups as `<a>team</a>: <a>member</a>; ...<br>`, linked characters as
    `<a>name</a>` (civilian names in `[...]`, notes in `(...)`) joined by "; ", and appends the
    free text after "; " (directly after a group's `<br>` when no single character is linked).
    """
    nodes = value.xpath("node()")
    elements = [i for i, n in enumerate(nodes) if not _is_text(n)]
    if all(nodes[i].root.tag == "br" for i in elements):  # no links: only text (and linebreaks)
        return "\n".join(n.get().strip() for n in nodes if _is_text(n) and n.get().strip())
    last = elements[-1]
    tail = "".join(n.get() for n in nodes[last + 1:] if _is_text(n))
    if nodes[last].root.tag == "br":
        return tail.strip()
    return tail.split("; ", 1)[1].strip() if "; " in tail else ""


def _free_text_after_lists(label) -> str:
    """Tailwind: the bare text after the `Characters:` label and its lists, before the `<dl>`."""
    parts = []
    for node in label.xpath("following-sibling::node()"):
        if not _is_text(node) and node.root.tag == "dl":
            break
        if _is_text(node):
            parts.append(node.get())
    return "".join(parts).strip()


# --- story blocks -------------------------------------------------------------------------

def _story_type(block) -> str:
    """The sequence type from the `<h3>` line "[feature /] <type> / <n> pages"."""
    heading = block.xpath("./h3")
    typed = heading.css("span.type") or heading  # old layout: <span class="type">
    parts = [p.strip().lower() for p in _text(typed).split("/")] if typed else []
    return "cover" if "cover" in parts else (parts[0] if parts else "")


def _in_old_cover_box(block) -> bool:
    return any(block.xpath(f"ancestor::*[{_css_xpath(css)}]") for css in OLD_COVER_BOXES)


def _css_xpath(css: str) -> str:
    if css.startswith("#"):
        return f"@id='{css[1:]}'"
    tag, name = css.split(".")
    return f"self::{tag} and contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _cover_block(page: Selector):
    """The first story block, if it is the cover sequence (the views put the cover first)."""
    blocks = page.xpath(STORY_BLOCKS)
    if not blocks:
        return None
    first = blocks[0]
    return first if _story_type(first) == "cover" or _in_old_cover_box(first) else None


def _credit_value(cell) -> str:
    """A credit cell: one `<div>` per credit in the Tailwind table, joined as the API does."""
    parts = [_text(div) for div in cell.xpath("./div")]
    return "; ".join(p for p in parts if p) if parts else _text(cell)


def _current_fields(story) -> dict[str, str]:
    fields = {}
    for row in story.xpath(".//tr[td[1][contains(@class, 'field-name-label')]]"):
        cells = row.xpath("./td")
        if len(cells) >= 2:
            fields[_label(_text(cells[0]))] = _credit_value(cells[1])
    for label in story.xpath(".//li/span[contains(@class, 'field-name-label')][1]"):
        fields[_label(_text(label))] = _after_label(label.xpath(".."), label)
    for term in story.xpath(".//dt[contains(@class, 'field-name-label')]"):
        value = term.xpath("following-sibling::dd[1]")
        name = _label(_text(term))
        if name == "characters":  # earlier Tailwind: linked and free text in one <dd>
            fields[name] = _free_text_after_links(value[0]) if value else ""
        else:
            fields[name] = _text(value[0]) if value else ""
    for label in story.xpath(".//div[contains(@class, 'field-name-label')]"):
        if _label(_text(label)) == "characters":
            fields["characters"] = _free_text_after_lists(label)
    return fields


def _old_fields(story) -> dict[str, str]:
    fields = {}
    for term in story.css("dt.credit_tag"):
        name = _label(_text(term.css("span.credit_label") or term))
        value = term.xpath("following-sibling::dd[1]")
        shown = (value[0].css("span.credit_value") or value)[0] if value else None
        if shown is None:
            fields[name] = ""
        elif name == "characters":
            fields[name] = _free_text_after_links(shown)
        else:
            fields[name] = _text(shown)
    return fields


# --- header -------------------------------------------------------------------------------

def _labelled_facts(page: Selector) -> dict[str, str]:
    """`<span class="font-bold">Label:</span> value` in a div or li (Tailwind issue data)."""
    facts = {}
    for label in page.xpath("//div/span[contains(@class, 'font-bold') or "
                            "contains(@class, 'field-name-label')][1] | "
                            "//li/span[contains(@class, 'font-bold')][1]"):
        facts.setdefault(_label(_text(label)), _after_label(label.xpath(".."), label))
    for term in page.xpath("//dl/dt[not(@class)]"):  # old issue data: <dt> Label: <dd> value
        value = term.xpath("following-sibling::dd[1]")
        facts.setdefault(_label(_text(term)), _text(value[0]) if value else "")
    return facts


def _series_link(page: Selector):
    for link in page.css("#series_name a") or page.css("a[href*='/series/']"):
        if SERIES_LINK.search(link.attrib.get("href", "")):
            return link
    return None


def _issue_number(page: Selector) -> str | None:
    old = page.css("span.issue_number")
    if old:
        return _text(old[0]).lstrip("#").strip() or None
    # <title>GCD :: Issue :: {{ issue.short_name }}</title>: "<series> #<number>[ [variant]]"
    title = _text(page.css("title")[:1]) or _text(page.css("h1")[:1])
    if "#" not in title:
        return None
    return re.sub(r"\s*\[[^\]]*\]$", "", title.rsplit("#", 1)[-1]).strip() or None


def _publication_date(page: Selector, facts: dict[str, str]) -> str | None:
    current = page.css("nav div.text-lg:not(.flex-1)")
    old = page.css("h1.item_id div.right")
    text = _text(current[0]) if current else _text(old[0]).strip("()") if old else ""
    return text.strip() or facts.get("publication date") or None


def _header(page: Selector) -> dict[str, Any]:
    facts = _labelled_facts(page)
    series = _series_link(page)
    publisher = page.css("a[href*='/indicia_publisher/']")
    publisher_text = _text(publisher[0]) if publisher else (
        _text(page.css("#issue_indicia_publisher")[:1])
        or facts.get("indicia / colophon publisher") or facts.get("indicia publisher"))
    on_sale = _text(page.css("#on_sale_date")[:1]).replace("On-sale Date:", "").strip()
    return {"series_name": _text(series) if series is not None else None,
            "issue_number": _issue_number(page),
            "publisher": publisher_text or None,
            "publication_date": _publication_date(page, facts),
            "on_sale_date": (on_sale or facts.get("on-sale date") or "").rstrip("?").strip()
            or None}


def _ids(url: str, page: Selector) -> dict[str, Any]:
    series = _series_link(page)
    found = ISSUE_ID.search(url.split("?")[0].split("#")[0])
    series_id = SERIES_LINK.search(series.attrib["href"]).group(1) if series is not None else None
    return {"issue_id": int(found.group(1)) if found else None,
            "series_id": int(series_id) if series_id else None}


# --- public functions ---------------------------------------------------------------------

def large_cover_url(url: str | None) -> str | None:
    """The w400 URL (the largest public size) for any size of the same cover."""
    return WIDTH.sub("/w400/", url, count=1) if url else None


def parse_issue_page(html_text: str, url: str) -> dict[str, Any]:
    """One issues.parquet row (without fetch bookkeeping) from an issue page of either markup."""
    page = Selector(text=html_text)
    old = bool(page.css("div.single_story"))
    story = _cover_block(page)
    if story is None:
        raise GcdParseError(f"{url}: no cover sequence on the page")
    fields = _old_fields(story) if old else _current_fields(story)
    # the issue's own cover comes before any variant covers in both layouts
    image = page.css("img[src*='/covers_by_id/']::attr(src)").get()
    cover = large_cover_url(image)
    row = {**_ids(url, page), **_header(page),
           "cover_id": cover_id_from_url(cover), "cover_url": cover,
           "characters_raw": fields.get("characters", ""),
           "genre": fields.get("genre") or None, "synopsis": fields.get("synopsis") or None,
           "source_url": url, "markup": "old" if old else "current"}
    row.update({name: (fields.get(name) or None) for name in CREDIT_FIELDS})
    if row["issue_id"] is None:
        raise GcdParseError(f"{url}: not an issue page URL")
    return row


def _linked_ids(html_text: str, pattern: re.Pattern) -> list[int]:
    hrefs = Selector(text=html_text).css("a::attr(href)").getall()
    found = (pattern.match(h.strip()) for h in hrefs)
    return list(dict.fromkeys(int(m.group(1)) for m in found if m))


def gallery_issue_ids(html_text: str) -> list[int]:
    """Issue ids linked from a series covers gallery page, in page order, once each."""
    return _linked_ids(html_text, LISTED_ISSUE)


def gallery_covers(html_text: str) -> dict[int, str | None]:
    """{issue id: the cover image URL in its gallery cell (None: no cover)}, in page order.

    The URL carries gcd-django's cache-buster (`?<hash(cover.last_upload)>`): a replacement
    upload of a cover shows here as another query, without a request for the issue."""
    covers: dict[int, str | None] = {}
    for link in Selector(text=html_text).css("a"):
        found = LISTED_ISSUE.match((link.attrib.get("href") or "").strip())
        if found and covers.get(int(found.group(1))) is None:  # a text link may come first
            covers[int(found.group(1))] = link.css("img[src*='/covers_by_id/']::attr(src)").get()
    return covers


def publisher_series_ids(html_text: str) -> list[int]:
    return _linked_ids(html_text, LISTED_SERIES)


def next_page(html_text: str) -> str | None:
    """The href of the pagination's next link (`?page=N`), if any.

    Old bar (bits/pagination_bar.html): `<a href="?style=default&page=N">Next &gt;</a>`; Tailwind
    bar (bits/tw_pagination_bar.html): `<a class="... rounded-e-lg ..." href="?page=N">&#5171;</a>`.
    """
    for link in Selector(text=html_text).css("a[href*='page=']"):
        text, classes = _text(link), (link.attrib.get("class") or "").split()
        if (text.lower().startswith("next") or text == NEXT_ARROW or "next" in classes
                or link.attrib.get("rel") == "next"):
            return link.attrib["href"]
    return None
