"""Where inkset reads and writes: one work dir (INKSET_HOME) holding every output (DESIGN §1)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkDirs:
    """The working directories under INKSET_HOME; nothing here is tracked by git."""

    home: Path

    @property
    def raw(self) -> Path:
        return self.home / "data" / "raw"

    @property
    def cache(self) -> Path:  # HTTP cache, Scrapy JOBDIRs, parsed-annotation caches
        return self.home / "data" / "cache"

    @property
    def prefect(self) -> Path:
        return self.home / "data" / "prefect"

    @property
    def releases(self) -> Path:
        return self.home / "releases"

    @property
    def published(self) -> Path:  # metadata-only exports made by `inkset publish`
        return self.home / "published"

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def reports(self) -> Path:
        return self.home / "reports"


def work_dirs(home: str | os.PathLike | None = None) -> WorkDirs:
    """The work dirs for `home`, else $INKSET_HOME, else the current directory."""
    chosen = home or os.environ.get("INKSET_HOME") or "."
    return WorkDirs(Path(chosen).resolve())


def project_root() -> Path:
    """The source checkout (where data_manifests/ lives)."""
    return Path(__file__).resolve().parent.parent
