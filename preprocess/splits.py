"""Deterministic splits from a group id: a seeded hash, so a group never moves between versions;
groups linked by near-duplicate images share one split (docs/near_duplicates.md)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, Sequence

from core import atomic
from preprocess.near_duplicates import DEFAULT_RADIUS, find_pairs
from preprocess.perceptual import Hashes, source_hashes

# Sources are linked a step wider than the release's radius (pHash distances are even): the
# written images are crops and resizes of them, a few bits away, and a pair the release finds
# must not have been a pair the plan missed.
LINK_MARGIN = 2
SOURCE_HASHES_FILE = "source-hashes.json"


def hash_point(seed: int, group: Any) -> float:
    """A number in [0, 1) fixed by (seed, group): uniform over groups, stable across runs."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()
    return int(digest[:13], 16) / 16 ** 13


def split_by_hash(group: Any, fractions: Iterable[tuple[str, float]], seed: int = 0) -> str:
    """The split whose cumulative fraction first exceeds the group's hash point."""
    point, total, name = hash_point(seed, group), 0.0, None
    for name, fraction in fractions:
        total += fraction
        if point < total:
            return name
    return name  # fractions summing to slightly under 1: the last split


def unify_splits(split_of_group: Mapping[Hashable, str],
                 linked: Iterable[tuple[Hashable, Hashable]]) -> dict[Hashable, str]:
    """Splits per group, where linked groups (near-duplicate images between them) share one: each
    connected component takes the split of its smallest group, so no link crosses splits."""
    parent = {group: group for group in split_of_group}

    def root(group):
        while parent[group] != group:
            parent[group] = parent[parent[group]]
            group = parent[group]
        return group

    for a, b in linked:
        ra, rb = root(a), root(b)
        if ra != rb:  # the smaller group, by sort order, becomes the component's root
            lo, hi = sorted((ra, rb), key=_order)
            parent[hi] = lo
    return {group: split_of_group[root(group)] for group in split_of_group}


def _order(group: Any) -> tuple[str, Any]:
    return (type(group).__name__, group)


class SourceHashCache:
    """Plan-time source hashes cached by (path, size, mtime) in one JSON file, so a refresh
    decodes no unchanged source again (as fingerprint.py's file sha256s); disposable."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.known, self.dirty = path, {}, False
        if path is not None and path.is_file():
            try:
                self.known = json.loads(path.read_text())
            except ValueError:
                self.known = {}

    def hashes(self, path: Path) -> Hashes | None:
        try:
            stat = os.stat(path)
        except OSError:  # missing or unreadable: the render reports it
            return None
        name = str(Path(path).resolve())
        entry = self.known.get(name)
        if entry and entry[:2] == [stat.st_size, stat.st_mtime_ns]:
            return Hashes(*entry[2:]) if entry[2] else None
        hashes = source_hashes(path)
        self.known[name] = [stat.st_size, stat.st_mtime_ns,
                            *((hashes.phash, hashes.dhash) if hashes else (None, None))]
        self.dirty = True
        return hashes

    def save(self) -> None:
        if self.path is not None and self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_json(self.path, self.known)


def near_duplicate_links(paths: Sequence[Path], groups: Sequence[Hashable],
                         radius: int = DEFAULT_RADIUS, cache_dir: Path | None = None
                         ) -> list[tuple[Hashable, Hashable]]:
    """(group, group) pairs of different groups with near-duplicate source images between them.

    The source files are hashed here, at plan time, from 1/8-scale greyscale decodes
    (perceptual.source_hashes), cached in `cache_dir`/source-hashes.json when given; a file that
    cannot be decoded links nothing (the render reports it)."""
    cache = SourceHashCache(Path(cache_dir) / SOURCE_HASHES_FILE if cache_dir else None)
    hashed, phashes, dhashes = [], [], []
    for path, group in zip(paths, groups):
        hashes = cache.hashes(path)
        if hashes is None:  # unreadable or undecodable: the render reports it
            continue
        hashed.append(group)
        phashes.append(hashes.phash)
        dhashes.append(hashes.dhash)
    cache.save()
    return hash_links(phashes, dhashes, hashed, radius)


def hash_links(phashes: Sequence[str], dhashes: Sequence[str], groups: Sequence[Hashable],
               radius: int = DEFAULT_RADIUS) -> list[tuple[Hashable, Hashable]]:
    """(group, group) pairs of different groups with near-duplicate hashes between them (a group
    may own several hashes: a page's crops)."""
    pairs = find_pairs(phashes, dhashes, radius + LINK_MARGIN)
    return sorted({(groups[i], groups[j]) for i, j in zip(pairs.i.tolist(), pairs.j.tolist())
                   if groups[i] != groups[j]}, key=lambda pair: (_order(pair[0]), _order(pair[1])))
