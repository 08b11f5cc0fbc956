"""The Pixiv crawl's item: one illust with all its pages, so a work is stored whole or not at all."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PixivIllustItem:
    """Rows of one illust (one per page, docs/contracts.md §2) and the image URLs to fetch."""

    rows: list[dict]
    file_urls: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)

    @property
    def illust_id(self) -> int:
        return int(self.rows[0]["illust_id"])

    @property
    def user_id(self) -> int:
        return int(self.rows[0]["user_id"])
