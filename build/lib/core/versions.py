"""Release versions: dated (`YYYY.MM.DD[.N]`, UTC), immutable, ordered; the `latest` pointer file;
`resolve_release("NAME[@VERSION]")` for every stage that reads a release."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from core import atomic
from core.errors import UsageError
from core.paths import work_dirs

CARD_FILE = "dataset.json"
LATEST = "latest"
NEXT = "next"  # a spec with this version is built as the next dated version, if anything changed


def version_key(version: str) -> tuple:
    """Sort key: numeric parts compare as numbers, so `1` < `2026.12.03` < `2026.12.03.1`."""
    parts = version.split(".")
    if all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts))
    return (1, tuple(parts))  # a hand-named version sorts after numbered ones, by name


def complete_versions(dataset_dir: Path) -> list[str]:
    """Versions whose dataset.json exists (written last, so the release is whole), oldest first."""
    if not dataset_dir.is_dir():
        return []
    return sorted((p.name for p in dataset_dir.iterdir() if (p / CARD_FILE).is_file()),
                  key=version_key)


def latest_version(dataset_dir: Path) -> str | None:
    """The version `latest` names when it names a complete release, else the newest complete one."""
    pointer = dataset_dir / LATEST
    if pointer.is_file():
        named = pointer.read_text().strip()
        if named and (dataset_dir / named / CARD_FILE).is_file():
            return named
    versions = complete_versions(dataset_dir)
    return versions[-1] if versions else None


def latest_versions(releases_root: Path) -> dict[str, str | None]:
    """Each dataset folder under `releases_root` -> its latest complete version (None: none yet)."""
    if not releases_root.is_dir():
        return {}
    return {d.name: latest_version(d) for d in releases_root.iterdir() if d.is_dir()}


def write_latest(dataset_dir: Path, version: str) -> None:
    """Point `latest` at `version` (atomic rename), unless it already names a newer one."""
    current = latest_version(dataset_dir)
    if current is None or version_key(version) >= version_key(current):
        atomic.write_text(dataset_dir / LATEST, version + "\n")


def repair_latest(dataset_dir: Path) -> str | None:
    """Move `latest` up to the newest complete version (a build killed between its card and the
    pointer leaves a whole release the pointer does not name yet); returns what it names."""
    versions = complete_versions(dataset_dir)
    pointer = dataset_dir / LATEST
    named = pointer.read_text().strip() if pointer.is_file() else None
    # the pointer file itself, not latest_version(): that falls back to the newest complete
    # version, so a missing pointer (killed before its first write) would never be written
    if versions and named != versions[-1]:
        write_latest(dataset_dir, versions[-1])
    return latest_version(dataset_dir)


def next_version(dataset_dir: Path, today: dt.date | None = None) -> str:
    """Today's UTC date, or `.1`, `.2` ... when a complete release already has it."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    base = today.strftime("%Y.%m.%d")
    taken = set(complete_versions(dataset_dir))
    newest = max(taken, key=version_key, default=None)
    if newest and version_key(newest) > version_key(base) and newest.count(".") >= 2:
        base = ".".join(newest.split(".")[:3])  # a clock set back must not reorder history
    candidate, counter = base, 0
    while candidate in taken or (newest and version_key(candidate) <= version_key(newest)):
        counter += 1
        candidate = f"{base}.{counter}"
        if counter > 10_000:
            raise RuntimeError(f"{dataset_dir}: no free version after {newest}")
    return candidate


def resolve_release(dataset: str, version: str | None = None,
                    releases_root: Path | None = None) -> Path:
    """The release dir of `NAME`, `NAME@VERSION` or (NAME, VERSION); a release path as given.

    NAME alone resolves `releases/NAME/latest`. Raises UsageError naming what is missing.
    """
    given = Path(dataset)
    # a path with a folder in it (dataset names have none) is taken as given: check_release then
    # says what it is (no such folder, a file, no card) rather than "no such dataset"
    if version is None and ((given / CARD_FILE).is_file() or len(given.parts) > 1):
        return given
    if version is None and "@" in dataset:
        dataset, version = dataset.split("@", 1)
    root = Path(releases_root) if releases_root else work_dirs().releases
    dataset_dir = root / dataset
    known = complete_versions(dataset_dir)
    if not known:
        raise UsageError(f"no complete release of dataset {dataset!r} in {root}")
    if version in (None, "", LATEST):
        return dataset_dir / latest_version(dataset_dir)
    if version not in known:
        raise UsageError(f"dataset {dataset!r} has no complete version {version!r} "
                         f"(known: {', '.join(known)})")
    return dataset_dir / version
