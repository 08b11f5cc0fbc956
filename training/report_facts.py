"""What a report reads from the release a run trained on: readable label names (from the release
viewer's data), whether the release is a synthetic replica, and test images by key."""
from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path
from typing import Iterable

from PIL import Image

VIEWER_DATA = "viewer_data.js"
LOOPBACK = re.compile(r"https?://(127\.0\.0\.1|localhost|\[::1\])[:/]")


def label_display_names(release_path: Path) -> dict[str, str]:
    """{label: readable name} over every label set: `猫 (cat)` for `猫`, a character's name for
    `Title:id`; empty where the release predates the viewer (names then stay as they are)."""
    path = Path(release_path)
    if not (path / VIEWER_DATA).is_file() or not (path / "labels.json").is_file():
        return {}
    text = (path / VIEWER_DATA).read_text(encoding="utf-8")
    shown = json.loads(text[text.index("{"):text.rindex("}") + 1])["label_sets"]
    labels = json.loads((path / "labels.json").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for name, entry in labels.items():
        for label, text in zip(entry["names"], shown.get(name, [])):
            if text != label:
                found.setdefault(str(label), text)
    return found


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def replica_evidence(release_path: Path) -> str | None:
    """Why this release is a synthetic replica (generated or crawled from a loopback stand-in of
    the site), or None where nothing says so."""
    path = Path(release_path)
    if "replica" in str(path):
        return f"its path {path} is under a replicas folder"
    card = json.loads((path / "dataset.json").read_text(encoding="utf-8"))
    for text in _strings([card.get("source_snapshot", {}), card.get("description", ""),
                          card.get("license", "")]):
        if "replica" in text.lower() or "generated" in text.lower():
            return f"its source record says so ({text[:80]})"
    for split in card.get("shards", {}).values():
        for name in split[:1]:
            with tarfile.open(path / name) as tar:
                member = next((m for m in tar if m.name.endswith(".json")), None)
                meta = json.loads(tar.extractfile(member).read()) if member else {}
            url = next((s for s in _strings(meta) if LOOPBACK.match(s)), None)
            if url:
                return f"its samples were fetched from a loopback server ({url[:60]})"
        break
    return None


def images_by_key(release_path: Path, keys: Iterable[str], side: int = 160
                  ) -> dict[str, Image.Image]:
    """Thumbnails (at most `side` pixels) of the wanted samples, read from the release's shards."""
    wanted = set(keys)
    path = Path(release_path)
    card = json.loads((path / "dataset.json").read_text(encoding="utf-8"))
    image_ext = next((m for m in card.get("members", []) if m in ("jpg", "png", "webp")), "jpg")
    found: dict[str, Image.Image] = {}
    for names in card.get("shards", {}).values():
        for name in names:
            if len(found) == len(wanted):
                return found
            with tarfile.open(path / name) as tar:
                for member in tar:
                    key, _, ext = member.name.partition(".")
                    if key in wanted and ext == image_ext:
                        image = Image.open(io.BytesIO(tar.extractfile(member).read()))
                        image = image.convert("RGB")
                        image.thumbnail((side, side))
                        found[key] = image
    return found
