"""The plan fingerprint: what a release would contain, hashed before any rendering.

Keys, splits, payloads (labels, metadata, options), the source bytes a payload points at, the
planned drops, the definition and the takedowns: equal fingerprints mean an identical release.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

from core import atomic

from .samples import Dropped, Unit
from .spec import ReleaseSpec, definition_hash


class _FileHashes:
    """sha256 of files, cached by (path, size, mtime): a no-change refresh reads no image twice."""

    def __init__(self, cache_path: Path | None) -> None:
        self.path = cache_path
        self.known: dict[str, list] = {}
        if cache_path and cache_path.is_file():
            try:
                self.known = json.loads(cache_path.read_text())
            except ValueError:  # a cache is disposable
                self.known = {}
        self.dirty = False

    def digest(self, path: str) -> str:
        stat = os.stat(path)
        entry = self.known.get(path)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        self.known[path] = [stat.st_size, stat.st_mtime_ns, sha]
        self.dirty = True
        return sha

    def save(self) -> None:
        if self.path and self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_json(self.path, self.known)


def _canonical(value: Any, files: _FileHashes) -> Any:
    """JSON-ready form of a payload; a string naming an existing file becomes its sha256 too."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v, files) for k, v in sorted(value.items(), key=str)}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v, files) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v, files) for v in value]
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str) and len(value) < 4096 and os.sep in value and os.path.isfile(value):
        return {"file": value, "sha256": files.digest(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def plan_fingerprint(spec: ReleaseSpec, units: Iterable[Unit], drops: Iterable[Dropped],
                     cache_path: Path | None = None) -> str:
    """sha256 over the release's plan; the version itself is left out."""
    files = _FileHashes(cache_path)
    digest = hashlib.sha256()
    head = {"definition": definition_hash(spec.definition), "takedown": sorted(spec.takedown),
            "splits": list(spec.splits), "label_sets": _canonical(dict(spec.label_sets), files),
            "image_ext": spec.image_ext}
    digest.update(json.dumps(head, sort_keys=True).encode())
    for unit in units:
        line = [unit.id, [list(k) for k in unit.keys], _canonical(unit.payload, files)]
        digest.update(json.dumps(line, sort_keys=True, default=str).encode() + b"\n")
    for drop in drops:
        line = [drop.key, drop.split, drop.status, drop.reason,
                _canonical(dict(drop.labels), files), drop.source_sha256]
        digest.update(json.dumps(line, sort_keys=True, default=str).encode() + b"\n")
    files.save()
    return digest.hexdigest()
