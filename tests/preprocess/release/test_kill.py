"""kill -9 at seeded points of a versioned build (shards, card, the `latest` pointer): `latest`
never names an incomplete release and the next build completes (issue 13)."""
from __future__ import annotations

import multiprocessing
import os
import random
import signal
from pathlib import Path

import pytest

from core import atomic
from core.versions import CARD_FILE, LATEST, NEXT, latest_version
from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from preprocess.release import writer
from preprocess.release.verify import verify_release

SPEC = ReleaseSpec(dataset="toy", version=NEXT, splits=("train",),
                   label_sets={"class": ("a",)}, cls_label_set="class", min_shards_per_split=4)


def render(payload):
    path = Path(payload)
    return [Sample(key=path.stem, split="train", image=path.read_bytes(), labels={"class": "a"})]


def build(folder: Path, root: Path):
    units = [Unit(p.stem, [(p.stem, "train")], str(p)) for p in sorted(folder.glob("*.bin"))]
    return build_release(SPEC, units, render, releases_root=root, progress=False)


def killed_build(folder: Path, root: Path, point: str, nth: int) -> None:
    """In a forked child: build, and SIGKILL itself at the nth event of `point`."""
    calls = {"n": 0}

    def tick():
        calls["n"] += 1
        if calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    if point == "build":
        add = writer.ReleaseWriter.add
        writer.ReleaseWriter.add = lambda self, item: (tick(), add(self, item))[1]
    else:  # "card" or "pointer": just before the file is renamed into place
        replace = os.replace
        target = CARD_FILE if point == "card" else LATEST

        def replace_then_maybe_die(src, dst):
            if Path(dst).name == target:
                tick()
            return replace(src, dst)
        atomic.os.replace = replace_then_maybe_die
    build(folder, root)


@pytest.mark.parametrize("point", ["build", "card", "pointer"])
def test_kill_9_never_leaves_latest_on_an_incomplete_release(tmp_path, point):
    rng = random.Random(f"kill-{point}")
    folder, root = tmp_path / "src", tmp_path / "releases"
    folder.mkdir()
    for i in range(12):
        (folder / f"k{i:02d}.bin").write_bytes(b"\xff\xd8img-%d" % i)
    first = build(folder, root)
    (folder / "k99.bin").write_bytes(b"\xff\xd8new")  # the next build has work to do
    nth = rng.randint(1, 13) if point == "build" else 1
    child = multiprocessing.get_context("fork").Process(
        target=killed_build, args=(folder, root, point, nth))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    dataset = root / "toy"
    named = (dataset / LATEST).read_text().strip()
    assert (dataset / named / CARD_FILE).is_file()  # the pointer names a whole release
    if point != "pointer":
        assert named == first.path.name
    second = build(folder, root)
    # killed before the pointer moved: the release was whole, so the build adopts it
    assert second.unchanged == (point == "pointer")
    assert second.path.name == f"{first.path.name}.1"
    assert latest_version(dataset) == second.path.name
    assert (dataset / LATEST).read_text().strip() == second.path.name
    assert verify_release(second.path) == {"train": 13}
    assert build(folder, root).unchanged
