"""What a stage hands the release writer: samples, dropped items, and units of render work."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from core.keys import check_key

# changed / gone: a rebuild found the source bytes different / the source removed (404, 410)
STATUSES = ("success", "failed", "filtered", "duplicate", "takedown", "changed", "gone")


@dataclass(frozen=True)
class Sample:
    """One kept sample: encoded image bytes plus everything its .json and manifest row need.

    `labels` maps a label-set name to a label name (single-label), a list of names (multi-label)
    or None. `dedup` is the identity used to find duplicates (docs/contracts.md §3): usually the
    sha256 of the source bytes for whole-image samples, sha256 + box for crops, None to never
    dedup.
    """

    key: str
    split: str
    image: bytes
    labels: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    text: str | None = None
    source_sha256: str | None = None
    source_ids: Mapping[str, Any] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None
    original_width: int | None = None
    original_height: int | None = None
    dedup: str | None = None

    def __post_init__(self) -> None:
        check_key(self.key)
        if not isinstance(self.image, (bytes, bytearray)) or not self.image:
            raise ValueError(f"sample {self.key}: image must be non-empty encoded bytes")


@dataclass(frozen=True)
class Dropped:
    """One input item that is not in the shards, with the reason (a manifest row, never a crash)."""

    key: str
    split: str | None
    status: str
    reason: str
    labels: Mapping[str, Any] = field(default_factory=dict)
    source_sha256: str | None = None
    source_ids: Mapping[str, Any] = field(default_factory=dict)
    original_width: int | None = None
    original_height: int | None = None

    def __post_init__(self) -> None:
        check_key(self.key)
        if self.status not in STATUSES or self.status == "success":
            raise ValueError(f"item {self.key}: status {self.status!r} not one of {STATUSES[1:]}")
        if not self.reason:
            raise ValueError(f"item {self.key}: a dropped item needs a reason")


@dataclass(frozen=True)
class Unit:
    """One piece of render work (e.g. one page image and all its crops), planned before rendering.

    `keys` lists the (key, split) pairs the unit will produce, so the writer can size shards
    up front and skip units whose keys a resumed build already finished. `payload` must pickle:
    it is sent to a worker process and handed to the stage's render function.
    """

    id: str
    keys: Sequence[tuple[str, str]]
    payload: Any = None
