"""verify_release: recompute checksums and counts, open every shard, report every mismatch."""
from __future__ import annotations

import json
import tarfile
from collections import defaultdict
from pathlib import Path

import pandas as pd

from core.errors import InksetError
from preprocess import takedowns

from . import conventions
from .build import CARD_FILE


class VerificationError(InksetError):
    """A release does not match its own records; the message lists every problem found."""


def check_release(release_dir: Path) -> Path:
    """`release_dir` if it is a finished release folder, else VerificationError saying what it is."""
    release_dir = Path(release_dir)
    what = ("no such folder" if not release_dir.exists() else "a file" if not
            release_dir.is_dir() else f"it holds no {CARD_FILE}, so it is not complete (an "
            f"unfinished build) or not a release" if not (release_dir / CARD_FILE).is_file() else "")
    if what:
        raise VerificationError(f"{release_dir} is not a release: {what}; a release is a "
                                f"folder releases/<dataset>/<version>/ with {CARD_FILE}")
    return release_dir


def verify_release(release_dir: Path) -> dict[str, int]:
    """Check `release_dir` completely; return samples per split, or raise VerificationError."""
    release_dir = check_release(release_dir)
    problems: list[str] = []
    card = json.loads((release_dir / CARD_FILE).read_text())
    _check_sums(release_dir, card, problems)
    manifest = pd.read_parquet(release_dir / "manifest.parquet")
    if manifest["key"].duplicated().any():
        problems.append(f"manifest repeats keys: {sorted(manifest.loc[manifest['key'].duplicated(), 'key'])[:5]}")
    kept = manifest[manifest["status"] == "success"]
    listed = takedowns.takedown_ids()
    shipped = takedowns.shipped_takedowns(
        [(k, json.loads(ids or "{}")) for k, ids in zip(kept["key"], kept["source_ids"])], listed)
    if shipped:
        problems.append(f"ships {len(shipped)} taken-down item(s) listed in "
                        f"{takedowns.takedowns_path()}: {shipped[:10]}")
    expected = kept.groupby("shard")["key"].apply(set).to_dict()
    members = set(card["members"])
    info = json.loads((release_dir / "_info.json").read_text())["splits"]
    sizes = json.loads((release_dir / "sizes.json").read_text())
    per_split: dict[str, int] = defaultdict(int)
    for split, shard_names in card["shards"].items():
        for name in shard_names:
            keys = _check_shard(release_dir / name, members, problems)
            if keys != expected.get(name, set()):
                problems.append(f"{name}: holds {len(keys)} samples, manifest says "
                                f"{len(expected.get(name, set()))}")
            if sizes.get(name) != len(keys):
                problems.append(f"sizes.json: {name} = {sizes.get(name)}, shard holds {len(keys)}")
            per_split[split] += len(keys)
        if shard_names:
            _check_indexes(release_dir, split, shard_names, info, sizes, problems)
        if per_split[split] != card["counts"].get(split, {}).get("success", 0):
            problems.append(f"split {split}: {per_split[split]} samples in shards, card says "
                            f"{card['counts'].get(split, {}).get('success', 0)}")
    if problems:
        raise VerificationError(f"{release_dir}: {len(problems)} problem(s):\n  "
                                + "\n  ".join(problems))
    return dict(per_split)


def _check_sums(release_dir: Path, card: dict, problems: list[str]) -> None:
    if conventions.file_digest(release_dir / "SHA256SUMS") != card["sha256sums"]:
        problems.append("SHA256SUMS does not match the sha256 recorded in dataset.json")
    for name, digest in conventions.read_checksums(release_dir).items():
        path = release_dir / name
        if not path.exists():
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif conventions.file_digest(path) != digest:
            problems.append(f"{name}: sha256 mismatch (file changed or corrupt)")


def _check_shard(path: Path, members: set[str], problems: list[str]) -> set[str]:
    """Open one shard; every sample must carry exactly the release's member set."""
    found: dict[str, set[str]] = defaultdict(set)
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                found[key].add(ext)
                tar.extractfile(member).read()  # reads every byte: catches truncation
    except (tarfile.TarError, OSError, EOFError) as error:
        problems.append(f"{path.name}: unreadable tar ({error})")
        return set(found)
    for key, exts in found.items():
        if exts != members:
            problems.append(f"{path.name}: sample {key} has members {sorted(exts)}, "
                            f"expected {sorted(members)}")
    return set(found)


def _check_indexes(release_dir: Path, split: str, shard_names: list[str], info: dict,
                   sizes: dict, problems: list[str]) -> None:
    index = json.loads((release_dir / f"{split}.shardindex.json").read_text())
    listed = [entry["url"] for entry in index["shardlist"]]
    if listed != shard_names:
        problems.append(f"{split}.shardindex.json lists {listed}, card lists {shard_names}")
    for entry in index["shardlist"]:
        if entry["nsamples"] != sizes.get(entry["url"]):
            problems.append(f"{split}.shardindex.json: {entry['url']} nsamples "
                            f"{entry['nsamples']} != {sizes.get(entry['url'])}")
    if split not in info or info[split]["filenames"] != shard_names:
        problems.append(f"_info.json: split {split} does not list {shard_names}")
