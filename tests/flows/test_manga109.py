"""The Manga109 flow builds its three datasets from the generator on a Prefect server."""
from __future__ import annotations

import json
from pathlib import Path

from preprocess.release.verify import verify_release


def test_manga109_flow_on_the_replica(prefect_harness, tmp_path, monkeypatch):
    from flows.manga109 import manga109_flow

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    paths = [Path(p) for p in manga109_flow(titles=9, spreads=8, workers=1)]
    assert [p.parent.name for p in paths] == ["manga109-artist-pages", "manga109-artist-panels",
                                              "manga109-faces"]
    for path in paths:
        counts = verify_release(path)
        assert sum(counts.values()) > 0
    card = json.loads((paths[2] / "dataset.json").read_text())
    assert set(card["members"]) == {"jpg", "json", "cls", "txt"}
