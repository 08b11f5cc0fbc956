"""The loading code `make demo` prints runs verbatim, from any directory (issue 22, console)."""
from __future__ import annotations

import subprocess
import sys

import io

from PIL import Image

from flows.demo import demo_snippet
from preprocess.release import ReleaseSpec, Sample, Unit, build_release


def test_the_printed_snippet_runs_from_another_directory(tmp_path):
    spec = ReleaseSpec(dataset="toy", version="1", splits=("train", "test"),
                       label_sets={"class": ("a", "b")}, cls_label_set="class")

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, "JPEG")

    def render(payload):
        key, split = payload
        return [Sample(key=key, split=split, image=buffer.getvalue(), labels={
            "class": "a" if key.endswith(("0", "2", "4", "6", "8")) else "b"})]

    items = [(f"train{i:02d}", "train") for i in range(16)] + [("test00", "test")]
    units = [Unit(key, [(key, split)], (key, split)) for key, split in items]
    release = build_release(spec, units, render, releases_root=tmp_path / "releases",
                            progress=False).path
    snippet = demo_snippet(release)
    assert str(release) in snippet and "shardshuffle=False" in snippet
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-c", snippet], cwd=elsewhere, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last == "16 ['__key__', '__local_path__', '__url__', 'cls', 'jpg', 'json']", last
