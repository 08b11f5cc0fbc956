"""Where inkset reads and writes: one work dir (INKSET_HOME) holding every output
(docs/contracts.md §1)."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import InksetError


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


def check_writable(folder: str | os.PathLike) -> Path:
    """Create `folder` if needed and prove a file can be written there, or say why not."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise InksetError(f"output folder {folder} is not writable: "
                          f"{error.strerror or error}") from None
    return folder
