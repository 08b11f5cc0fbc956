"""A dead render worker (issue 25 §5): the pool is started again and the unfinished units are
rendered again; a unit that kills its worker twice becomes failed rows with the reason."""
from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from preprocess.release import ReleaseSpec, Unit, build_release
from preprocess.release.rendering import WORKER_DIED, render_units

# Spawned workers import the render function by module name: a module on sys.path (spawn hands
# the parent's sys.path to its children), not this test file (pytest's importlib mode).
RENDER = textwrap.dedent("""
    import os
    from pathlib import Path
    from preprocess.release import Sample
    from preprocess.images import encode_image
    from PIL import Image

    def render(payload):
        key, marker = payload
        if key == "killer":  # kills its worker every time
            os._exit(3)
        if marker and not Path(marker).exists():  # kills its worker once
            Path(marker).touch()
            os._exit(3)
        image = encode_image(Image.new("RGB", (4, 4), (len(key) * 20, 0, 0)))
        return [Sample(key=key, split="train", image=image, labels={}, width=4, height=4)]
""")


@pytest.fixture
def render(tmp_path, monkeypatch):
    (tmp_path / "dying_render.py").write_text(RENDER)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    return importlib.import_module("dying_render").render


def units(keys: list[str], once: str | None = None, marker: str = "") -> list[Unit]:
    return [Unit(id=k, keys=[(k, "train")], payload=(k, marker if k == once else ""))
            for k in keys]


def test_a_worker_dying_once_is_retried_twice_becomes_a_failure(render, tmp_path):
    keys = [f"k{i:02d}" for i in range(6)] + ["killer"] + [f"m{i:02d}" for i in range(3)]
    marker = str(tmp_path / "died-once")
    outcomes = dict((unit.id, outcome) for unit, outcome in render_units(
        units(keys, once="k03", marker=marker), render, workers=2))
    assert list(outcomes) == keys  # every unit, in order
    assert outcomes.pop("killer") == WORKER_DIED
    assert all(len(o) == 1 and o[0].key == k for k, o in outcomes.items())
    assert (tmp_path / "died-once").exists()  # k03 did kill its first worker


def test_the_release_records_the_killer_as_a_failed_row(render, tmp_path):
    keys = ["a1", "killer", "b2", "c3"]
    spec = ReleaseSpec(dataset="dying", version="1", splits=("train",), label_sets={})
    release = build_release(spec, units(keys), render, releases_root=tmp_path / "releases",
                            workers=2, progress=False)
    manifest = pd.read_parquet(release.path / "manifest.parquet").set_index("key")
    assert manifest.loc["killer", "status"] == "failed"
    assert manifest.loc["killer", "error_message"] == WORKER_DIED
    assert list(manifest.loc[["a1", "b2", "c3"], "status"]) == ["success"] * 3
