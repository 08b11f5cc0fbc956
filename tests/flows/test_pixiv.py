"""The Pixiv demo flow: replica crawl then both datasets, on a Prefect server; CLI guards."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from preprocess.release.verify import verify_release


@pytest.mark.slow
def test_demo_flow_builds_both_datasets(prefect_harness, tmp_path, monkeypatch):
    from flows.pixiv import DEMO_ARTISTS, DEMO_WORKS, demo_flow
    from replicas.pixiv import generate_truth

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    paths = [Path(p) for p in demo_flow()]
    assert [p.parent.name for p in paths] == ["pixiv-artists", "pixiv-tags"]
    truth = generate_truth(artists=DEMO_ARTISTS, works_per_artist=DEMO_WORKS)
    pages = sum(w.pages for u in truth.artists for w in truth.kept(u))
    blank = sum(w.pages for u in truth.artists for w in truth.kept(u) if w.blank)
    rows = pd.read_parquet(tmp_path / "data/raw/pixiv/illusts.parquet")
    assert len(rows) == pages
    for path in paths:
        counts = verify_release(path)
        assert sum(counts.values()) == pages - blank
    labels = json.loads((paths[0] / "labels.json").read_text())
    assert labels["artist"]["names"] == [str(u) for u in sorted(truth.artists)]


def test_live_crawl_needs_the_permission_flag(tmp_path):
    from flows.pixiv import register
    from core.errors import UsageError

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="stage"))
    args = parser.parse_args(["crawl-pixiv", "--source", "live"])
    with pytest.raises(UsageError, match="--i-have-permission") as raised:
        args.func(args)
    assert raised.value.exit_status == 2


def test_a_live_crawl_without_users_says_where_to_list_them():
    from flows.pixiv import register
    from core.errors import UsageError

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="stage"))
    args = parser.parse_args(["crawl-pixiv", "--source", "live", "--i-have-permission"])
    with pytest.raises(UsageError, match="data_manifests/pixiv/users.txt"):  # ships empty
        args.func(args)
