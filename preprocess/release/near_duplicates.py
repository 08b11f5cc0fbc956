"""A release's near-duplicates: groups, pairs across splits, pairs with the previous version; the
files `near_duplicates.parquet` + `near_duplicates.json` + `near_duplicates.png`, and the card's
section (docs/near_duplicates.md).

A group that straddles splits leaks test images into training. Stages that choose their splits
keep each group on one side (preprocess/splits.py: unify_splits); where a definition pins the
splits (Manga109's titles), the straddling groups are listed here instead, and `exclude_keys`
names their members outside the group's first split, which training leaves out with
`data.exclude_near_duplicates = true`.
"""
from __future__ import annotations

import html
import io
import json
import tarfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from PIL import Image

from core import atomic
from preprocess import near_duplicates as nd

PAIRS_FILE = "near_duplicates.parquet"
SUMMARY_FILE = "near_duplicates.json"
STRIPS_FILE = "near_duplicates.png"
PAIR_COLUMNS = ("key_a", "key_b", "split_a", "split_b", "phash_distance", "dhash_distance",
                "scope")  # scope: "release" (both here) or "previous" (key_b in the last version)
TOP_GROUPS = 5
STRIP_LENGTH = 8
THUMB = 96


def hashed_samples(manifest: pd.DataFrame) -> pd.DataFrame:
    """The kept samples that carry hashes, in key order."""
    if "phash" not in manifest:
        return manifest.iloc[0:0].assign(phash=None, dhash=None)
    kept = manifest[(manifest["status"] == "success") & manifest["phash"].notna()]
    return kept.sort_values("key", kind="stable").reset_index(drop=True)


def pair_frame(a: pd.DataFrame, b: pd.DataFrame, pairs: nd.Pairs, scope: str) -> pd.DataFrame:
    return pd.DataFrame({
        "key_a": a["key"].to_numpy()[pairs.i], "key_b": b["key"].to_numpy()[pairs.j],
        "split_a": a["split"].to_numpy()[pairs.i], "split_b": b["split"].to_numpy()[pairs.j],
        "phash_distance": pairs.phash_distance, "dhash_distance": pairs.dhash_distance,
        "scope": scope}, columns=list(PAIR_COLUMNS))


def release_pairs(samples: pd.DataFrame, radius: int) -> tuple[pd.DataFrame, list[list[int]]]:
    """Pairs within the release and its groups (row indexes of `samples`, largest first)."""
    pairs = nd.find_pairs(samples["phash"].tolist(), samples["dhash"].tolist(), radius)
    return pair_frame(samples, samples, pairs, "release"), nd.groups(len(samples), pairs)


def previous_pairs(samples: pd.DataFrame, previous: pd.DataFrame, radius: int) -> pd.DataFrame:
    """Pairs with the previous version under another key: re-uploads, re-scans, variants."""
    pairs = nd.find_pairs(samples["phash"].tolist(), samples["dhash"].tolist(), radius,
                          previous["phash"].tolist(), previous["dhash"].tolist())
    frame = pair_frame(samples, previous, pairs, "previous")
    return frame[frame["key_a"] != frame["key_b"]].reset_index(drop=True)


def exclude_keys(samples: pd.DataFrame, groups: Sequence[Sequence[int]],
                 splits: Sequence[str]) -> list[str]:
    """Members of straddling groups outside the group's first split (in the spec's split order):
    what training leaves out so that no test image has a near-duplicate in training."""
    rank = {split: i for i, split in enumerate(splits)}
    keys, sample_splits = samples["key"].to_numpy(), samples["split"].to_numpy()
    out = []
    for group in groups:  # plain arrays: a pandas lookup per group costs more than the search
        members = set(sample_splits[list(group)])
        if len(members) < 2:
            continue
        first = min(members, key=lambda s: rank.get(s, len(rank)))
        out += [keys[i] for i in group if sample_splits[i] != first]
    return sorted(out)


def analyse(release_dir: Path, manifest: pd.DataFrame, splits: Sequence[str], radius: int,
            previous_dir: Path | None = None) -> dict[str, Any]:
    """Write the pairs, the summary and the thumbnail strips; return the summary."""
    samples = hashed_samples(manifest)
    within, found = release_pairs(samples, radius)
    frames = [within]
    previous_version = None
    if previous_dir is not None and (previous_dir / "manifest.parquet").is_file():
        previous_version = previous_dir.name
        frames.append(previous_pairs(
            samples, hashed_samples(pd.read_parquet(previous_dir / "manifest.parquet")), radius))
    pairs = pd.concat(frames, ignore_index=True)
    atomic.write_parquet(release_dir / PAIRS_FILE, pairs)
    across = within[within["split_a"] != within["split_b"]]
    keys, sample_splits = samples["key"].to_numpy(), samples["split"].to_numpy()
    groups = [[[keys[i], sample_splits[i]] for i in g] for g in found]
    summary = {
        "radius": radius, "hashed_samples": len(samples), "pairs": len(within),
        "groups": len(found), "samples_in_groups": sum(len(g) for g in found),
        "largest_groups": groups[:TOP_GROUPS],
        "pairs_across_splits": len(across),
        "straddling_groups": [g for g in groups if len({split for _, split in g}) > 1],
        "exclude_keys": exclude_keys(samples, found, splits),
        "previous_version": previous_version,
        "pairs_with_previous": int((pairs["scope"] == "previous").sum()),
        "previous_examples": pairs.loc[pairs["scope"] == "previous", ["key_a", "key_b"]]
        .head(10).values.tolist(),
    }
    atomic.write_json(release_dir / SUMMARY_FILE, summary)
    write_strips(release_dir, manifest, summary["largest_groups"])
    return summary


def write_strips(release_dir: Path, manifest: pd.DataFrame, groups: list[list]) -> None:
    """One row of thumbnails per group (the largest first), read from the shards."""
    wanted = [[key for key, _ in group][:STRIP_LENGTH] for group in groups]
    shard_of = manifest.set_index("key")["shard"].to_dict()
    images: dict[str, Image.Image] = {}
    for shard in sorted({shard_of.get(k) for row in wanted for k in row} - {None}):
        keys = {k for row in wanted for k in row if shard_of.get(k) == shard}
        with tarfile.open(release_dir / shard) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                if key in keys and ext in ("jpg", "png", "webp"):
                    try:
                        image = Image.open(tar.extractfile(member))
                        image.draft("RGB", (THUMB, THUMB))  # JPEG: decode at 1/2..1/8 only
                        image = image.convert("RGB")
                    except (OSError, ValueError):  # a preview: skip, never fail the build
                        continue
                    image.thumbnail((THUMB, THUMB))
                    images[key] = image
                    keys.discard(key)
                    if not keys:  # the rest of the shard holds none of them: stop reading it
                        break
    strip = Image.new("RGB", (STRIP_LENGTH * THUMB, max(1, len(wanted)) * THUMB), "white")
    for row, keys in enumerate(wanted):
        for column, key in enumerate(keys):
            if key in images:
                strip.paste(images[key], (column * THUMB, row * THUMB))
    buffer = io.BytesIO()
    strip.save(buffer, "PNG", compress_level=1)  # a preview: fast zlib, a few KB larger
    atomic.write_bytes(release_dir / STRIPS_FILE, buffer.getvalue())


def card_section(release_dir: Path) -> tuple[list[str], str]:
    """The card's near-duplicate section as Markdown lines and an HTML fragment."""
    path = release_dir / SUMMARY_FILE
    if not path.is_file():
        return ["(not recorded)"], "<p>(not recorded)</p>"
    s = json.loads(path.read_text())
    lines = [f"Near-duplicates: pHash within {s['radius']} bits and pHash + dHash within "
             f"{2 * s['radius']} (docs/near_duplicates.md); pairs in `{PAIRS_FILE}`.", "",
             f"- {s['groups']} groups ({s['samples_in_groups']} of {s['hashed_samples']} "
             f"samples, {s['pairs']} pairs)",
             f"- pairs across splits: {s['pairs_across_splits']}" + (
                 f" in {len(s['straddling_groups'])} groups, left in place: the definition pins "
                 f"these splits (or says near_duplicate_splits = \"report\"); "
                 f"`data.exclude_near_duplicates = true` leaves out {len(s['exclude_keys'])} "
                 f"samples (`exclude_keys` in `{SUMMARY_FILE}`)" if s["pairs_across_splits"]
                 else ""),
             f"- pairs with the previous version ({s['previous_version'] or 'none'}) under another "
             f"key: {s['pairs_with_previous']}"]
    lines += [f"  - {a} ~ {b}" for a, b in s["previous_examples"]]
    if s["largest_groups"]:
        lines += ["", "Largest groups (one row each in the strip below):", ""]
        lines += [f"{i}. " + ", ".join(f"{k} ({split})" for k, split in g[:STRIP_LENGTH])
                  + (" ..." if len(g) > STRIP_LENGTH else "")
                  for i, g in enumerate(s["largest_groups"], 1)]
        lines += ["", f"![largest near-duplicate groups]({STRIPS_FILE})"]
    fragment = "<ul>" + "".join(f"<li>{html.escape(line.lstrip('- '))}</li>"
                                for line in lines[2:5]) + "</ul>"
    if s["largest_groups"]:
        fragment += "<ol>" + "".join(
            "<li>" + html.escape(", ".join(f"{k} ({split})" for k, split in g[:STRIP_LENGTH]))
            + "</li>" for g in s["largest_groups"]) + f"</ol><img src='{STRIPS_FILE}'>"
    return lines, f"<p>{html.escape(lines[0])}</p>{fragment}"


def search(release_dir: Path, radius: int, against_dir: Path | None = None
           ) -> tuple[pd.DataFrame, list[list[tuple[str, str, str]]]]:
    """`inkset dupes`: the pairs of a release (and with `against_dir`, between it and that
    release, scope "against") and the groups over both, as (release name, key, split) lists."""
    samples = _hashed_release(release_dir)
    pairs = nd.find_pairs(samples["phash"].tolist(), samples["dhash"].tolist(), radius)
    frames, edges = [pair_frame(samples, samples, pairs, "release")], [(pairs.i, pairs.j)]
    members = [(release_dir.name, key, split) for key, split in zip(samples["key"],
                                                                     samples["split"])]
    if against_dir is not None:
        other = _hashed_release(against_dir)
        across = nd.find_pairs(samples["phash"].tolist(), samples["dhash"].tolist(), radius,
                               other["phash"].tolist(), other["dhash"].tolist())
        frames.append(pair_frame(samples, other, across, "against"))
        inner = nd.find_pairs(other["phash"].tolist(), other["dhash"].tolist(), radius)
        offset = len(samples)
        edges += [(across.i, across.j + offset), (inner.i + offset, inner.j + offset)]
        name = f"{against_dir.parent.name}@{against_dir.name}"
        members += [(name, key, split) for key, split in zip(other["key"], other["split"])]
    graph = nd.Pairs(np.concatenate([i for i, _ in edges]), np.concatenate([j for _, j in edges]),
                     np.zeros(0), np.zeros(0))
    found = nd.groups(len(members), graph)
    return pd.concat(frames, ignore_index=True), [[members[i] for i in g] for g in found]


def _hashed_release(release_dir: Path) -> pd.DataFrame:
    manifest = pd.read_parquet(release_dir / "manifest.parquet")
    if "phash" not in manifest:
        raise ValueError(f"{release_dir} has no perceptual hashes in its manifest (built before "
                         f"they were recorded): rebuild it to search its near-duplicates")
    return hashed_samples(manifest)
