"""kill -9 during a refresh's crawl phase, at a seeded point (issue 13): the next refresh
completes, `latest` never names an incomplete release, the raw store holds no duplicate row."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from preprocess.release.verify import verify_release

ROOT = Path(__file__).resolve().parents[2]
SEED = 13


def kill_when_journal_has(child: subprocess.Popen, journal: Path, lines: int) -> bool:
    """SIGKILL the refresh and its crawl process once `lines` illusts are journalled."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= lines:
            os.killpg(child.pid, signal.SIGKILL)  # the crawl subprocess too
            child.wait()
            return True
        time.sleep(0.02)
    child.kill()
    child.wait()
    return False


@pytest.mark.slow
def test_refresh_killed_during_crawl_recovers(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))
    raw = tmp_path / "data" / "raw" / "pixiv" / "illusts.parquet"
    journal = raw.with_suffix(".journal.jsonl")
    lines = random.Random(SEED).randint(2, 8)  # the seeded point in the crawl
    child = subprocess.Popen([sys.executable, "-m", "flows.cli", "refresh", "pixiv-artists"],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    assert kill_when_journal_has(child, journal, lines), "the crawl ended before the kill"
    dataset = tmp_path / "releases" / "pixiv-artists"
    assert not (dataset / "latest").exists()  # nothing was built, nothing is pointed at

    from flows.refresh import refresh_flow
    from spiders.replicas.pixiv import generate_truth
    result = refresh_flow(["pixiv-artists"], workers=1)  # the CLI's replica: 4 x 24 works
    release = Path(result["new"]["pixiv-artists"])
    assert (dataset / "latest").read_text().strip() == release.name
    verify_release(release)
    rows = pd.read_parquet(raw)
    assert not rows.duplicated(["illust_id", "page"]).any() and not journal.exists()
    truth = generate_truth(artists=4, works_per_artist=24)
    expected = {(w.illust_id, p) for u in truth.artists for w in truth.kept(u)
                for p in range(w.pages)}
    assert set(zip(rows["illust_id"], rows["page"])) == expected
    again = refresh_flow(["pixiv-artists"], workers=1)
    assert again["new"] == {} and again["image_bytes"] == 0
