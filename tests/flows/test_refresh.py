"""inkset refresh / takedown: new dated versions only on change, exact changes, 0 bytes when
nothing changed, the lock, and crawls whose requests failed failing loudly (issue 13)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.errors import InksetError
from preprocess.release.verify import VerificationError, verify_release
from spiders.health import check_crawl

ARTISTS = 1  # one artist: a larger `works` keeps the earlier works' ids (a replica that grows)


def expected_keys(works: int) -> set[str]:
    from replicas.pixiv import generate_truth
    truth = generate_truth(artists=ARTISTS, works_per_artist=works)
    return {f"pixiv-{w.illust_id}-p{p}" for u in truth.artists for w in truth.kept(u)
            if not w.blank for p in range(w.pages)}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))
    return tmp_path


@pytest.mark.slow
def test_refresh_versions_changes_takedown_and_no_change(prefect_harness, home):
    from flows.refresh import _takedown_command, refresh_flow

    def refresh(works):
        return refresh_flow(["pixiv-artists"], replica={"artists": ARTISTS, "works": works},
                            workers=1)
    first = refresh(2)
    assert list(first["new"]) == ["pixiv-artists"] and first["image_bytes"] > 0
    again = refresh(2)
    assert again["new"] == {} and again["image_bytes"] == 0
    assert again["summary"].startswith("refresh: nothing changed, no new version")
    dataset = home / "releases" / "pixiv-artists"
    v1 = Path(first["new"]["pixiv-artists"])
    assert sorted(p.name for p in dataset.iterdir() if not p.name.startswith(".")) == \
        [v1.name, "latest"]

    grown = refresh(12)  # the replica's next state: ten more works of every kind
    v2 = Path(grown["new"]["pixiv-artists"])
    assert v2.name == f"{v1.name}.1"
    changes = json.loads((v2 / "changes.json").read_text())
    assert changes["previous_version"] == v1.name
    assert set(changes["added"]) == expected_keys(12) - expected_keys(2)
    assert (changes["removed"], changes["changed"]) == ([], [])
    assert changes["label_deltas"] == {"artist": {"1000": len(changes["added"])}}
    third = refresh(12)
    assert third["new"] == {} and third["image_bytes"] == 0
    assert (dataset / "latest").read_text().strip() == v2.name

    victim = sorted(changes["added"])[0]
    illust = victim.split("-")[1]
    args = type("Args", (), {"id": f"illust_id={illust}", "reason": "artist asked",
                             "no_rebuild": False, "source": "replica", "workers": 1,
                             "wait": 0.0})()
    assert _takedown_command(args) == 0
    last = json.loads((home / "reports" / "refresh" / "last.json").read_text())
    v3 = Path(last["new"]["pixiv-artists"])
    assert v3.name == f"{v1.name}.2"
    manifest = pd.read_parquet(v3 / "manifest.parquet").set_index("key")
    assert manifest.loc[victim, "status"] == "takedown"
    assert victim in json.loads((v3 / "changes.json").read_text())["removed"]
    verify_release(v3)
    with pytest.raises(VerificationError, match="taken-down"):
        verify_release(v2)


def test_a_second_refresh_refuses_while_one_runs(prefect_harness, home):
    import subprocess
    import sys
    from flows.refresh import refresh_flow

    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(  # another process holding the work dir's lock, as a refresh does
        [sys.executable, "-c", "import sys; from flows.lock import work_lock\n"
         "with work_lock(command='refresh'): print('held', flush=True); sys.stdin.read()"],
        cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InksetError, match=rf"work dir {home} is being written by another "
                           rf"inkset command \(pid {holder.pid}, command 'refresh'.*--wait"):
            refresh_flow(["pixiv-artists"], crawl=False)
    finally:
        holder.stdin.close()
        holder.wait(60)


def test_an_unknown_dataset_is_refused():
    from flows.refresh import datasets_to_refresh
    from core.errors import UsageError

    assert datasets_to_refresh(["gcd-team-x", "pixiv"]) == {
        "gcd": ["gcd-team"], "pixiv": ["pixiv-artists", "pixiv-tags"]}
    with pytest.raises(UsageError, match="no dataset 'nope'"):
        datasets_to_refresh(["nope"])


STATS = {"downloader/request_count": 10, "inkset/stats_file": "runs/crawls/gcd-1.json",
         "finish_reason": "finished"}


def test_crawl_health_names_site_kinds_counts_and_stats_file():
    failing = {**STATS, "downloader/exception_type_count/twisted.internet.error."
               "ConnectionRefusedError": 10}
    with pytest.raises(InksetError, match=r"gcd crawl failed: all 10 requests failed "
                       r"\(ConnectionRefusedError x10\); stats: runs/crawls/gcd-1.json"):
        check_crawl("gcd", failing)
    some = {**STATS, "downloader/response_status_count/503": 3}
    with pytest.raises(InksetError, match=r"3 of 10 requests failed \(30% > 20%: HTTP 503 x3\)"):
        check_crawl("gcd", some)
    check_crawl("gcd", {**STATS, "downloader/response_status_count/503": 2})  # 20%: allowed
    check_crawl("gcd", some, share=0.5)
    with pytest.raises(InksetError, match="crawl stopped: shutdown"):
        check_crawl("gcd", {**STATS, "finish_reason": "shutdown"})


def test_crawl_command_exits_1_when_every_request_failed(prefect_harness, home, monkeypatch,
                                                        capsys):
    import flows.pixiv as pixiv
    from flows.cli import main

    failed = {**STATS, "downloader/request_count": 4,
              "downloader/exception_type_count/builtins.TimeoutError": 4,
              "inkset/stats_file": "runs/crawls/pixiv-x.json"}
    monkeypatch.setattr(pixiv, "run_crawl", lambda *a, **k: dict(failed))
    monkeypatch.setattr(pixiv, "crawl", pixiv.crawl.with_options(retries=0))
    assert main(["crawl-pixiv", "--artists", "1", "--works", "1"]) == 1
    err = capsys.readouterr().err
    assert "inkset: error: pixiv crawl failed: all 4 requests failed (TimeoutError x4); " \
           "stats: runs/crawls/pixiv-x.json" in err
