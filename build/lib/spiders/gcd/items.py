"""The GCD crawl's item: one issue and its cover, a row of raw/gcd/issues.parquet
(docs/contracts.md §2).

Pipelines are chosen per spider through `custom_settings["ITEM_PIPELINES"]`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class GcdIssueItem:
    """One GCD issue and its cover: a row of raw/gcd/issues.parquet once the pipelines ran."""

    issue_id: int
    series_id: int | None = None
    series_name: str | None = None
    issue_number: str | None = None
    publisher: str | None = None
    publication_date: str | None = None
    on_sale_date: str | None = None
    cover_id: int | None = None
    cover_url: str | None = None
    characters_raw: str = ""
    pencils: str | None = None
    inks: str | None = None
    colors: str | None = None
    letters: str | None = None
    editing: str | None = None
    genre: str | None = None
    synopsis: str | None = None
    source_url: str = ""
    markup: str = ""               # current | old | api: which parser read the row
    http_status: int = 200
    fetched_at: str = ""
    cover_sha256: str | None = None
    cover_status: str = "pending"  # stored | uptodate | no_cover | gone | <failure reason>
    status: str | None = None      # "gone": the issue was removed from the site (see reason)
    reason: str | None = None
    file_urls: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict, **extra) -> "GcdIssueItem":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in {**row, **extra}.items() if k in names})

    def row(self) -> dict:
        """The parquet row: everything but the FilesPipeline fields."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("file_urls", "files")}
