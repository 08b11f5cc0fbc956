"""The GCD demo flow: crawl the replica in a subprocess, then the team table and three releases."""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from preprocess.release.verify import verify_release
from spiders.gcd.crawl import GcdCrawlOptions, crawl_command


@pytest.mark.slow
def test_demo_flow_on_the_replica(prefect_harness, tmp_path, monkeypatch):
    from flows.gcd import REPLICA_SPLITS, demo_flow
    from replicas.gcd import generate_truth

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    replica = dict(GcdCrawlOptions.load().replica)
    challenges = replica.pop("challenges")
    truth = generate_truth(**replica)
    paths = [Path(p) for p in demo_flow()]
    assert [p.parent.name for p in paths] == ["gcd-covers", "gcd-team-justice-league",
                                              "gcd-team-fantastic-four"]
    covers = verify_release(paths[0])
    good = [i for i in truth.issues.values() if i.has_cover_sequence]
    assert sum(covers.values()) == len(good) - challenges  # broken page and challenge out
    # the crawl's stats name the host that answered with a challenge (spiders/health.py)
    stats = json.loads(max((tmp_path / "runs" / "crawls").glob("gcd-*.json")).read_text())
    refused = {k: v for k, v in stats.items() if k.startswith("inkset/refused/")}
    assert list(refused.values()) == [challenges] and list(refused)[0].endswith("/challenge")
    for path in paths[1:]:
        assert set(verify_release(path)) == set(REPLICA_SPLITS["split_fractions"])
    table = pd.read_csv(tmp_path / "reports/gcd/team_table.csv")
    for team in ("Justice League", "Fantastic Four"):
        on_cover = [dict(i.teams)[team] for i in good if team in dict(i.teams)]
        part = table[table["team"] == team]
        assert set(part["covers"]) == {len(on_cover)}
        assert dict(zip(part["member"], part["member_covers"])) == dict(
            Counter(m for members in on_cover for m in members))


def test_crawl_subcommands_and_the_loopback_only_profile():
    from flows.gcd import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["crawl-gcd", "--source", "live", "--series", "13519,42",
                              "--mode", "api"])
    assert (args.source, args.series, args.mode) == ("live", "13519,42", "api")
    assert parser.parse_args(["gcd"]).source == "replica"
    options = GcdCrawlOptions.load(profile="fast-loopback", series=[13519])
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        crawl_command(options, "https://www.comics.org", Path("s.json"), {})
    command = crawl_command(options, "http://127.0.0.1:8000", Path("s.json"), {})
    assert "series=13519" in command and "DOWNLOAD_DELAY=0" in command
    with pytest.raises(ValueError, match=r"\['site', 'api'\]"):
        GcdCrawlOptions.load(mode="rss")
