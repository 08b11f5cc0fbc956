"""Bad input gives a clear error naming it, or a manifest reason; nothing already written is lost."""
from __future__ import annotations

import hashlib
import json
import tarfile

import pandas as pd
import pytest

from core.errors import InksetError
from core.keys import check_key
from preprocess.release import Dropped, ReleaseSpec, Sample, Unit, build_release
from preprocess.release.build import write_order

SPEC = ReleaseSpec(dataset="toy", version="1", splits=("train",),
                   label_sets={"class": ("a", "b")}, cls_label_set="class")


def toy_sample(key: str, label: str = "a", **meta) -> Sample:
    return Sample(key=key, split="train", image=b"\xff\xd8fake-jpeg-" + key.encode(),
                  labels={"class": label}, meta={"n": 1, **meta})


def render_toy(payload):
    return [toy_sample(key, **extra) for key, extra in payload]


def units(keys, **extra):
    return [Unit(id=k, keys=[(k, "train")], payload=[(k, extra)]) for k in keys]


@pytest.mark.parametrize("key", ["has.dot", "", "spa ce", "x" * 101, "ümlaut", "a/b"])
def test_bad_keys_are_refused_with_their_name(key):
    with pytest.raises(ValueError, match="invalid sample key"):
        check_key(key)


def test_a_duplicate_key_is_refused_naming_it(tmp_path):
    plan = units(["k1", "k2"]) + [Dropped(key="k1", split="train", status="filtered", reason="x")]
    with pytest.raises(ValueError, match="duplicate sample key 'k1'"):
        build_release(SPEC, plan, render_toy, releases_root=tmp_path, progress=False)


def test_an_unknown_label_names_the_sample(tmp_path):
    def render(payload):
        return [toy_sample(payload, label="zebra")]
    with pytest.raises(ValueError, match="sample k1: label 'zebra'"):
        build_release(SPEC, [Unit("k1", [("k1", "train")], "k1")], render,
                      releases_root=tmp_path, progress=False)


def test_metadata_must_keep_one_schema(tmp_path):
    def render(payload):
        key, meta = payload
        return [Sample(key=key, split="train", image=b"x", labels={"class": "a"}, meta=meta)]
    plan = [Unit("k1", [("k1", "train")], ("k1", {"n": 1})),
            Unit("k2", [("k2", "train")], ("k2", {"n": "one"}))]
    with pytest.raises(ValueError, match="sample k2: metadata field 'n' is string"):
        build_release(SPEC, plan, render, releases_root=tmp_path, progress=False)


def test_an_exception_in_render_is_a_failed_row_not_a_crash(tmp_path):
    def render(payload):
        if payload == "k2":
            raise OSError("disk hiccup")
        return [toy_sample(payload)]
    plan = [Unit(k, [(k, "train")], k) for k in ("k1", "k2", "k3")]
    result = build_release(SPEC, plan, render, releases_root=tmp_path, progress=False)
    manifest = pd.read_parquet(result.path / "manifest.parquet").set_index("key")
    assert manifest.loc["k2", "status"] == "failed"
    assert manifest.loc["k2", "error_message"] == "render_error: OSError: disk hiccup"
    assert result.counts["train"] == {"success": 2, "failed": 1}


def test_an_unwritable_output_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the releases folder should be")
    with pytest.raises(InksetError, match="cannot write release"):
        build_release(SPEC, units(["k1"]), render_toy, releases_root=blocker, progress=False)


def test_a_stage_error_midway_keeps_the_finished_shards(tmp_path):
    keys = [f"k{i:02d}" for i in range(40)]
    good = build_release(SPEC, units(keys), render_toy, releases_root=tmp_path / "good",
                         progress=False)

    # the 31st unit in write order (units are written by a seeded hash of their id)
    breaking = sorted(keys, key=lambda k: write_order(k, SPEC.order_seed))[30]

    def render_breaking(payload):
        key, _ = payload[0]
        if key == breaking:
            return [toy_sample(key, label="zebra")]  # a stage bug: a loud error
        return render_toy(payload)
    with pytest.raises(ValueError, match="zebra"):
        build_release(SPEC, units(keys), render_breaking, releases_root=tmp_path / "r",
                      progress=False)
    partial = tmp_path / "r" / "toy" / "1"
    finished = {p.name: p.stat().st_ino for p in partial.glob("*.tar")}
    assert len(finished) >= 5 and not (partial / "dataset.json").exists()
    resumed = build_release(SPEC, units(keys), render_toy, releases_root=tmp_path / "r",
                            progress=False)
    assert resumed.resumed_shards == len(finished)
    for name, inode in finished.items():  # kept, not rewritten
        assert (partial / name).stat().st_ino == inode
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert {p.name: digest(p) for p in partial.glob("*.tar")} == \
        {p.name: digest(p) for p in good.path.glob("*.tar")}


def test_shards_are_cut_by_bytes(tmp_path):
    spec = ReleaseSpec(dataset="toy", version="1", splits=("train",),
                       label_sets={"class": ("a", "b")}, cls_label_set="class",
                       shard_max_bytes=1000, min_shards_per_split=1)
    result = build_release(spec, units([f"k{i}" for i in range(10)]), render_toy,
                           releases_root=tmp_path, progress=False)
    payloads = []
    for tar_path in sorted(result.path.glob("*.tar")):
        with tarfile.open(tar_path) as tar:
            payloads.append(sum(member.size for member in tar.getmembers()))
    sample_bytes = sum(payloads) / 10
    assert all(size <= 1000 for size in payloads)
    assert len(payloads) == -(-10 // int(1000 // sample_bytes))  # as many as the cap forces
    assert result.samples() == 10


def test_takedown_list_removes_samples(tmp_path):
    from dataclasses import replace
    spec = replace(SPEC, takedown=frozenset({"k1"}))
    result = build_release(spec, units(["k0", "k1", "k2"]), render_toy, releases_root=tmp_path,
                           progress=False)
    manifest = pd.read_parquet(result.path / "manifest.parquet").set_index("key")
    assert manifest.loc["k1", "status"] == "takedown"
    assert result.samples() == 2


def test_a_new_version_records_its_diff(tmp_path):
    from dataclasses import replace
    build_release(SPEC, units(["k0", "k1", "k2"]), render_toy, releases_root=tmp_path,
                  progress=False)

    def render_changed(payload):
        key, _ = payload[0]
        return [toy_sample(key, label="b" if key == "k1" else "a")]
    second = build_release(replace(SPEC, version="2"), units(["k1", "k2", "k3"]), render_changed,
                           releases_root=tmp_path, progress=False)
    diff = json.loads((second.path / "changes.json").read_text())
    assert {k: diff[k] for k in ("previous_version", "added", "removed", "changed",
                                 "changed_labels", "changed_image")} == {
        "previous_version": "1", "added": ["k3"], "removed": ["k0"], "changed": ["k1"],
        "changed_labels": ["k1"], "changed_image": []}
    assert (tmp_path / SPEC.dataset / "latest").read_text() == "2\n"


def test_a_partial_build_of_another_definition_is_started_over(tmp_path):
    from dataclasses import replace
    keys = [f"k{i:02d}" for i in range(16)]

    def render_breaking(payload):
        key, _ = payload[0]
        return [toy_sample(key, label="zebra" if key == "k10" else "a")]
    with pytest.raises(ValueError):
        build_release(SPEC, units(keys), render_breaking, releases_root=tmp_path, progress=False)
    changed = replace(SPEC, definition={"size": 2})
    result = build_release(changed, units(keys), render_toy, releases_root=tmp_path,
                           progress=False)
    assert result.resumed_shards == 0
    assert result.samples() == 16


def test_a_full_disk_removes_the_partial_shard_and_publishes_nothing(tmp_path, monkeypatch,
                                                                    capsys):
    """ENOSPC mid-shard: the half-written tar goes, no card appears, the error says where; with
    space again the same build resumes into a complete release."""
    import errno

    from flows import cli
    from preprocess.release.tarstream import TarStream
    from preprocess.release.verify import verify_release

    real_add, written = TarStream.add, []

    def add(self, name, data):
        if len(written) == 9:  # 3 members a sample, 1 sample a shard: shards 0-2 are done
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(name)
        return real_add(self, name, data)

    monkeypatch.setattr(TarStream, "add", add)
    release = tmp_path / "toy" / "1"

    def build(args=None):
        return build_release(SPEC, units([f"k{i}" for i in range(8)]), render_toy,
                             releases_root=tmp_path, progress=False)

    with pytest.raises(InksetError, match=f"no space left on the device while writing "
                                          f"{release / 'train-000003.tar'}"):
        build()
    assert not (release / "dataset.json").exists()
    assert sorted(p.name for p in release.iterdir() if p.suffix == ".tar") == [
        "train-000000.tar", "train-000001.tar", "train-000002.tar"]
    assert not [p for p in release.iterdir() if ".tmp" in p.name]
    # the CLI gives the same as one line and exit status 1
    monkeypatch.setattr(cli.environment, "configure", lambda home: None)
    parser = cli.argparse.ArgumentParser(prog="inkset")
    parser.set_defaults(func=build, verbose=False)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.delenv("INKSET_DEBUG", raising=False)
    written.clear()
    assert cli.main([]) == 1
    error = capsys.readouterr().err
    assert error.startswith("inkset: error: no space left on the device while writing ")
    assert error.count("\n") == 1 and str(release) in error
    monkeypatch.setattr(TarStream, "add", real_add)
    assert build().samples() == 8
    assert verify_release(release) == {"train": 8}


def test_share_mode_is_checked():
    with pytest.raises(ValueError, match="share must be one of"):
        ReleaseSpec(dataset="d", version="1", share="images-please")
