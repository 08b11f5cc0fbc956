"""Parse GCD's free-text characters field into characters and teams, in linear time.

Syntax (GCD indexing rules and real data): entries separated by ';' outside brackets;
`Name [identity; identity]` or `Team [Member [identity]; Member (note)]` (nested); notes in
`(...)` after a name or a team's closing bracket, themselves split on ';' and ','; legacy upper-case
prefixes (`VILLAIN:`, `GUESTS:`, `CAMEO FLASHBACKS:`) that apply to the entries after them.
Noise is recovered from and flagged, never allowed to swallow the rest of the field.

Every bracket is matched once, up front, with a stack; every later step walks index ranges using
that table, so a string of n characters costs O(n * nesting depth), never backtracking.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_DEPTH = 6  # real fields nest teams two or three deep; deeper brackets are read as identities
PREFIX = re.compile(r"\s*([A-Z][A-Z ]*[A-Z]):\s*")
OPENERS = {"[": "]", "(": ")"}


@dataclass(frozen=True)
class Entry:
    name: str
    identities: tuple[str, ...] = ()
    members: tuple["Entry", ...] = ()
    notes: tuple[str, ...] = ()
    role_prefix: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def is_team(self) -> bool:
        return bool(self.members)


@dataclass
class _Field:
    text: str
    match: dict[int, int | None] = field(default_factory=dict)
    flags: set[int] = field(default_factory=set)  # positions of stray closing brackets

    def __post_init__(self) -> None:
        stack: list[int] = []
        for i, char in enumerate(self.text):
            if char in OPENERS:
                stack.append(i)
            elif char in "])":
                opener = next((j for j in reversed(stack[-8:]) if OPENERS[self.text[j]] == char),
                              None)  # look a few levels down only: keeps the pass linear
                if opener is None:
                    self.flags.add(i)
                    continue
                while stack and stack[-1] != opener:
                    self.match[stack.pop()] = None  # an opener left unclosed inside
                stack.pop()
                self.match[opener] = i
        for i in stack:
            self.match[i] = None

    def split(self, lo: int, hi: int, separators: str) -> list[tuple[int, int]]:
        """Ranges between top-level separators; unmatched openers do not hide separators."""
        parts, start, i = [], lo, lo
        while i < hi:
            char = self.text[i]
            end = self.match.get(i) if char in OPENERS else None
            if end is not None and end < hi:
                i = end + 1
                continue
            if char in separators:
                parts.append((start, i))
                start = i + 1
            i += 1
        parts.append((start, hi))
        return [(a, b) for a, b in parts if self.text[a:b].strip()]


def clean(text: str) -> str:
    """HTML entities decoded, runs of whitespace collapsed."""
    return " ".join(html.unescape(text).split())


def parse_characters(raw: str, teams: frozenset[str] = frozenset()) -> list[Entry]:
    """The entries of one characters field; `teams` are names always read as teams."""
    text = clean(raw or "")
    parsed = _Field(text)
    entries, prefix = [], None
    for lo, hi in parsed.split(0, len(text), ";"):
        found = PREFIX.match(text, lo, hi)
        if found:
            prefix, lo = found.group(1).lower(), found.end()
            if not text[lo:hi].strip():
                continue
        entries.append(_entry(parsed, lo, hi, prefix, teams, 0))
    return entries


def _entry(parsed: _Field, lo: int, hi: int, prefix: str | None, teams, depth: int) -> Entry:
    text = parsed.text
    name, groups, notes, flags = [], [], [], []
    i = lo
    while i < hi:
        char = text[i]
        if char in OPENERS:
            end = parsed.match.get(i)
            if end is None or end >= hi:
                flags.append("unbalanced_bracket")
                end = hi  # recover: the group runs to the end of this entry only
            if char == "[":
                groups.append((i + 1, end))
            else:
                notes.extend(clean(text[a:b]) for a, b in parsed.split(i + 1, end, ";,"))
            i = end + 1
            continue
        if char in "])":
            flags.append("stray_closing_bracket")
        else:
            if groups and char.strip() and not "".join(name).strip():
                flags.append("leading_bracket")  # "[Power Man] Luke Cage"
            name.append(char)
        i += 1
    name_text = clean("".join(name))
    items = [item for a, b in groups for item in parsed.split(a, b, ";")]
    if len(groups) > 1:
        flags.append("repeated_brackets")
    nested = any(_has_group(parsed, a, b) for a, b in items)
    if nested and depth >= MAX_DEPTH:
        flags.append("too_deep")
    elif groups and (nested or name_text in teams):
        members = tuple(_entry(parsed, a, b, None, teams, depth + 1) for a, b in items)
        return Entry(name_text, (), members, tuple(notes), prefix, tuple(dict.fromkeys(flags)))
    identities = tuple(clean(text[c:d]) for a, b in items for c, d in parsed.split(a, b, ","))
    return Entry(name_text, identities, (), tuple(notes), prefix, tuple(dict.fromkeys(flags)))


def _has_group(parsed: _Field, lo: int, hi: int) -> bool:
    return any(parsed.text[i] in OPENERS for i in range(lo, hi))
