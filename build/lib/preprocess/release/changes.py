"""changes.json: what a version changed against the previous one (keys, images, labels, counts)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from core import atomic
from core.versions import CARD_FILE, complete_versions, version_key

CHANGES_FILE = "changes.json"


def previous_version(release_dir: Path) -> str | None:
    """The newest complete version ordered before this one."""
    mine = version_key(release_dir.name)
    earlier = [v for v in complete_versions(release_dir.parent)
               if v != release_dir.name and version_key(v) < mine]
    return earlier[-1] if earlier else None


def _label_counts(kept: pd.DataFrame) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for labels in kept["labels"]:
        for name, value in json.loads(labels).items():
            for label in value if isinstance(value, list) else [value]:
                if label is not None:
                    counts.setdefault(name, Counter())[str(label)] += 1
    return counts


def compute_changes(release_dir: Path, manifest: pd.DataFrame) -> dict[str, Any]:
    """Added, removed and changed (image bytes or labels) kept keys; label count deltas."""
    previous = previous_version(release_dir)
    new = manifest[manifest["status"] == "success"].set_index("key")
    if previous is None:
        old = new.iloc[0:0]
    else:
        old = pd.read_parquet(release_dir.parent / previous / "manifest.parquet")
        old = old[old["status"] == "success"].set_index("key")
    common = old.index.intersection(new.index)
    image = sorted(k for k in common if old.at[k, "sha256"] != new.at[k, "sha256"])
    labels = sorted(k for k in common if json.loads(old.at[k, "labels"])
                    != json.loads(new.at[k, "labels"]))
    before, after = _label_counts(old), _label_counts(new)
    deltas = {}
    for name in sorted(set(before) | set(after)):
        diff = Counter(after.get(name, Counter()))
        diff.subtract(before.get(name, Counter()))
        nonzero = {label: n for label, n in sorted(diff.items()) if n}
        if nonzero:
            deltas[name] = nonzero
    added = sorted(new.index.difference(old.index))
    removed = sorted(old.index.difference(new.index))
    return {"version": release_dir.name, "previous_version": previous,
            "added": added, "removed": removed, "changed": sorted(set(image) | set(labels)),
            "changed_image": image, "changed_labels": labels, "label_deltas": deltas,
            "summary": {"added": len(added), "removed": len(removed),
                        "changed": len(set(image) | set(labels)), "samples": len(new)}}


def write_changes(release_dir: Path, changes: dict[str, Any]) -> None:
    atomic.write_json(release_dir / CHANGES_FILE, changes)


def card_section(changes: dict[str, Any], limit: int = 20) -> list[str]:
    """Markdown lines for README.md (card.html renders the same text in a <pre>)."""
    s = changes["summary"]
    head = (f"Previous version: {changes['previous_version']}" if changes["previous_version"]
            else "First version: every sample is new.")
    lines = [head, "", f"- added: {s['added']}, removed: {s['removed']}, changed: {s['changed']} "
             f"(image bytes: {len(changes['changed_image'])}, labels: "
             f"{len(changes['changed_labels'])}); {s['samples']} samples now"]
    if changes["previous_version"]:
        for what in ("added", "removed", "changed"):
            keys = changes[what]
            if keys:
                more = f" … and {len(keys) - limit} more" if len(keys) > limit else ""
                lines.append(f"- {what}: {', '.join(keys[:limit])}{more}")
        for name, delta in changes["label_deltas"].items():
            shown = ", ".join(f"{label} {n:+d}" for label, n in list(delta.items())[:limit])
            lines.append(f"- label counts, {name}: {shown}")
    lines.append("")
    lines.append(f"Full lists in {CHANGES_FILE}.")
    return lines


def release_is_unchanged(dataset_dir: Path, latest: str | None, fingerprint: str) -> bool:
    if latest is None:
        return False
    card = json.loads((dataset_dir / latest / CARD_FILE).read_text())
    return card.get("plan_fingerprint") == fingerprint

