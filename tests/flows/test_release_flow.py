"""The release flow runs on a Prefect server and builds a verified release in INKSET_HOME."""
from __future__ import annotations

import json
from pathlib import Path

from replicas.shapes import generate_shapes


def test_folder_release_flow_builds_a_verified_release(prefect_harness, tmp_path, monkeypatch):
    from flows.release import folder_release_flow

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    truth = generate_shapes(tmp_path / "shapes", per_class=9)
    path = Path(folder_release_flow(str(tmp_path / "shapes"), "shapes-flow", workers=1))
    assert path == tmp_path / "releases" / "shapes-flow" / "1"
    card = json.loads((path / "dataset.json").read_text())
    assert sum(c.get("success", 0) for c in card["counts"].values()) == sum(truth.values())
    labels = json.loads((path / "labels.json").read_text())["class"]["names"]
    assert labels == sorted(truth)


def test_cli_lists_the_stages():
    from flows.cli import build_parser

    text = build_parser().format_help()
    for stage in ("demo", "verify", "publish", "metadata-only", "build-folder"):
        assert stage in text
