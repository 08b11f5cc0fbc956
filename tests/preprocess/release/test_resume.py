"""A build killed with SIGKILL at random points, then re-run, gives exactly the uninterrupted release."""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
    from preprocess.release import build_release

    def slow_render(payload):
        time.sleep(0.04)  # widens the window in which a kill lands mid-build
        return render_file(payload)

    folder, out = sys.argv[1], sys.argv[2]
    print("ready", flush=True)  # imports done: the test's kill clock starts here
    options = FolderOptions(size=(48, 48))
    spec = folder_spec(folder, "shapes", "1", options)
    build_release(spec, plan_folder(folder, "shapes", options), slow_render,
                  releases_root=out, workers=1, progress=False)
""")


def run_build(script: Path, folder: Path, out: Path, kill_after: float | None) -> int:
    process = subprocess.Popen([sys.executable, str(script), str(folder), str(out)],
                               cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                               text=True)
    if kill_after is None:
        return process.wait(timeout=240)
    assert process.stdout.readline().strip() == "ready"
    time.sleep(kill_after)
    os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=30)


def assert_complete(path: Path) -> None:
    """A file under its final name reads back whole."""
    if path.suffix == ".tar":
        with tarfile.open(path) as tar:
            for member in tar:
                assert len(tar.extractfile(member).read()) == member.size
    elif path.suffix == ".parquet":
        pd.read_parquet(path)
    elif path.suffix == ".json":
        json.loads(path.read_text())
    elif path.suffix == ".png":
        Image.open(path).verify()


def shard_digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.glob("*.tar"))}


@pytest.mark.slow
def test_killed_builds_resume_to_the_uninterrupted_release(image_folder, release, tmp_path):
    script = tmp_path / "build.py"
    script.write_text(SCRIPT.format(root=str(ROOT)))
    out = tmp_path / "out"
    rng = random.Random(20261124)
    partial_states = 0
    for kill_after in sorted(rng.uniform(0.1, 2.0) for _ in range(4)):
        run_build(script, image_folder, out, kill_after)
        release_dir = out / "shapes" / "1"
        # a kill before the build made its folder (a loaded machine) leaves nothing to check
        if release_dir.exists() and not (release_dir / "dataset.json").exists():
            partial_states += 1
            # no file may look finished unless it is: temporaries are hidden .tmp names
            for path in release_dir.iterdir():
                if not path.name.startswith("."):
                    assert_complete(path)
    assert partial_states >= 2, "the kills should land mid-build"
    assert run_build(script, image_folder, out, None) == 0
    resumed = out / "shapes" / "1"
    assert shard_digests(resumed) == shard_digests(release.path)
    ours = pd.read_parquet(resumed / "manifest.parquet")
    theirs = pd.read_parquet(release.path / "manifest.parquet")
    assert ours["key"].is_unique
    assert list(ours["key"]) == list(theirs["key"])
    assert list(ours["status"]) == list(theirs["status"])
    assert list(ours["shard"]) == list(theirs["shard"])
