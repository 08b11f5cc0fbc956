"""Dated versions, the latest pointer, resolve_release, changes.json and takedowns (issue 13)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from core.errors import InksetError, UsageError
from core.versions import NEXT, next_version, resolve_release, version_key
from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from preprocess.release.verify import VerificationError, verify_release
from preprocess.takedowns import append_takedown, datasets_shipping, read_takedowns

SPEC = ReleaseSpec(dataset="toy", version=NEXT, splits=("train",),
                   label_sets={"class": ("a", "b")}, cls_label_set="class")
TODAY = dt.datetime.now(dt.timezone.utc).strftime("%Y.%m.%d")


def render(payload):
    path, label = payload
    data = Path(path).read_bytes()
    return [Sample(key=Path(path).stem, split="train", image=data, labels={"class": label},
                   source_sha256=hashlib.sha256(data).hexdigest(),
                   source_ids={"item_id": int(Path(path).stem[1:])})]


def plan(folder: Path, labels: dict[str, str]):
    return [Unit(id=p.stem, keys=[(p.stem, "train")], payload=(str(p), labels.get(p.stem, "a")))
            for p in sorted(folder.glob("*.bin"))]


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))
    folder = tmp_path / "src"
    folder.mkdir()
    for i in range(4):
        (folder / f"k{i}.bin").write_bytes(b"\xff\xd8image-%d" % i)
    return folder


def build(folder, root, labels=None):
    return build_release(SPEC, plan(folder, labels or {}), render, releases_root=root,
                         progress=False)


def test_versions_order_numerically_and_old_1_sorts_first():
    assert sorted(["2026.12.03.10", "1", "2026.12.03.2", "2026.12.03"], key=version_key) == \
        ["1", "2026.12.03", "2026.12.03.2", "2026.12.03.10"]


def test_next_version_counts_up_within_a_day(tmp_path):
    for name in ("2026.12.03", "2026.12.03.1"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "dataset.json").write_text("{}")
    (tmp_path / "2026.12.03.2").mkdir()  # incomplete: its name is free again
    assert next_version(tmp_path, dt.date(2026, 12, 3)) == "2026.12.03.2"
    assert next_version(tmp_path, dt.date(2026, 12, 4)) == "2026.12.04"
    assert next_version(tmp_path, dt.date(2026, 12, 2)) == "2026.12.03.2"  # never reorders


def test_a_new_version_only_when_the_plan_changes(source, tmp_path):
    root = tmp_path / "releases"
    first = build(source, root)
    assert first.path.name == TODAY and not first.unchanged
    assert (root / "toy" / "latest").read_text().strip() == TODAY
    again = build(source, root)
    assert again.unchanged and again.path == first.path
    assert sorted(p.name for p in (root / "toy").iterdir() if not p.name.startswith(".")) == \
        [TODAY, "latest"]
    (source / "k0.bin").unlink()
    (source / "k1.bin").write_bytes(b"\xff\xd8changed")
    (source / "k9.bin").write_bytes(b"\xff\xd8new")
    second = build(source, root, labels={"k2": "b"})
    assert second.path.name == f"{TODAY}.1"
    changes = json.loads((second.path / "changes.json").read_text())
    assert changes["previous_version"] == TODAY
    assert (changes["added"], changes["removed"], changes["changed"]) == \
        (["k9"], ["k0"], ["k1", "k2"])
    assert (changes["changed_image"], changes["changed_labels"]) == (["k1"], ["k2"])
    assert changes["label_deltas"] == {"class": {"a": -1, "b": 1}}
    assert "Previous version: " + TODAY in (second.path / "README.md").read_text()
    assert resolve_release("toy", releases_root=root) == second.path
    assert resolve_release(f"toy@{TODAY}", releases_root=root) == first.path
    assert resolve_release(str(first.path)) == first.path
    with pytest.raises(UsageError, match="no complete version '2001.01.01'"):
        resolve_release("toy@2001.01.01", releases_root=root)
    with pytest.raises(UsageError, match="no complete release of dataset 'nope'"):
        resolve_release("nope", releases_root=root)


def test_version_1_stays_readable_and_latest_moves_past_it(source, tmp_path):
    from dataclasses import replace
    root = tmp_path / "releases"
    old = build_release(replace(SPEC, version="1"), plan(source, {}), render,
                        releases_root=root, progress=False)
    assert resolve_release("toy", releases_root=root) == old.path
    newer = build(source, root)  # version "1" has no plan fingerprint: a new dated version
    assert resolve_release("toy", releases_root=root) == newer.path
    assert resolve_release("toy@1", releases_root=root) == old.path


def test_takedowns_are_omitted_and_verify_fails_a_release_shipping_one(source, tmp_path):
    root = tmp_path / "releases"
    first = build(source, root)
    append_takedown("item_id=2", "rights holder request", today=dt.date(2026, 12, 4))
    append_takedown("k3", "a person asked")
    with pytest.raises(VerificationError, match=r"ships 2 taken-down item\(s\)"):
        verify_release(first.path)
    second = build(source, root)
    manifest = pd.read_parquet(second.path / "manifest.parquet").set_index("key")
    assert manifest.loc[["k2", "k3"], "status"].tolist() == ["takedown", "takedown"]
    assert verify_release(second.path) == {"train": 2}
    assert json.loads((second.path / "changes.json").read_text())["removed"] == ["k2", "k3"]
    assert [t.date for t in read_takedowns()][0] == "2026-12-04"


def test_datasets_shipping_reads_the_latest_release_only(source, tmp_path):
    root = tmp_path / "releases"
    assert datasets_shipping(frozenset({"k1"}), root) == []  # no releases yet
    build(source, root)
    assert datasets_shipping(frozenset({"item_id=2"}), root) == ["toy"]
    assert datasets_shipping(frozenset({"k1", "item_id=9"}), root) == ["toy"]
    assert datasets_shipping(frozenset({"k9", "item_id=9"}), root) == []
    append_takedown("item_id=2", "rights holder request")
    build(source, root)  # the new latest version leaves it out; the older one is not read
    assert datasets_shipping(frozenset({"item_id=2"}), root) == []


@pytest.mark.parametrize("text, line, message", [
    ('[[takedown]]\nid = "k1"\nreason = "x"\ndate = 2026-12-04\n\n[[takedown]]\nid = "k 2"\n'
     'reason = "y"\ndate = 2026-12-04\n', 6, "neither a sample key"),
    ('# c\n[[takedown]]\nid = "k1"\ndate = 2026-12-04\n', 2, "missing \\['reason'\\]"),
    ('[[takedown]]\nid = "k1"\nreason = "x"\ndate = "tomorrow"\n', 1, "not YYYY-MM-DD"),
    ('[[takedown]]\nid = "k1"\nreason = \n', 3, "invalid TOML"),
])
def test_a_bad_takedown_line_is_refused_with_its_number(tmp_path, text, line, message):
    path = tmp_path / "takedowns.toml"
    path.write_text(text)
    with pytest.raises(InksetError, match=message) as error:
        read_takedowns(path)
    assert f":{line}" in str(error.value) or f"line {line}" in str(error.value)
