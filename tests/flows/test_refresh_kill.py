"""kill -9 during a refresh at seeded points of its crawl, build and `latest` pointer write
(issue 13): the next refresh completes, `latest` never names an incomplete release, no half
written version stays visible, the raw store and the manifest hold no duplicate row."""
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

from core.versions import CARD_FILE, LATEST, complete_versions
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
    from prefect.settings import PREFECT_API_URL
    # the test server, not an ephemeral one of its own (tens of seconds to start)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    child = subprocess.Popen([sys.executable, "-m", "flows.cli", "refresh", "pixiv-artists"],
                             cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    assert kill_when_journal_has(child, journal, lines), "the crawl ended before the kill"
    dataset = tmp_path / "releases" / "pixiv-artists"
    assert not (dataset / "latest").exists()  # nothing was built, nothing is pointed at

    from flows.refresh import refresh_flow
    from replicas.pixiv import generate_truth
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


# A refresh in a child process that SIGKILLs itself (and its process group: render workers, a
# crawl) at the nth event of a phase: a sample handed to the release writer ("build"), or the
# rename of `latest` into place ("pointer"). The refresh code itself runs unchanged.
KILLER = """
import os, signal, sys
from pathlib import Path
from flows import environment
environment.configure()
from core import atomic
from preprocess.release import writer
point, nth, calls = sys.argv[1], int(sys.argv[2]), [0]
def tick():
    calls[0] += 1
    if calls[0] == nth:
        os.killpg(os.getpgid(0), signal.SIGKILL)
if point == "build":
    add = writer.ReleaseWriter.add
    writer.ReleaseWriter.add = lambda self, item: (tick(), add(self, item))[1]
else:
    replace = atomic.os.replace
    def replace_or_die(src, dst):
        if Path(dst).name == "latest":
            tick()
        return replace(src, dst)
    atomic.os.replace = replace_or_die
from flows.refresh import refresh_flow
refresh_flow(["pixiv-artists"], replica={"artists": 1, "works": 7}, workers=2)
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["build", "pointer"])
def test_refresh_killed_during_build_or_pointer_write_recovers(prefect_harness, tmp_path,
                                                               monkeypatch, point):
    from prefect.settings import PREFECT_API_URL
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    monkeypatch.setenv("INKSET_TAKEDOWNS", str(tmp_path / "takedowns.toml"))
    nth = random.Random(f"{SEED}-{point}").randint(1, 3) if point == "build" else 1
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    child = subprocess.run([sys.executable, "-c", KILLER, point, str(nth)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, "the refresh ended before the kill"
    dataset = tmp_path / "releases" / "pixiv-artists"
    folders = [p.name for p in dataset.iterdir() if p.is_dir()]
    assert len(folders) == 1  # the killed build's version
    assert not (dataset / LATEST).exists()  # never a pointer to what was not whole
    assert complete_versions(dataset) == ([] if point == "build" else folders)

    from flows.refresh import refresh_flow
    result = refresh_flow(["pixiv-artists"], replica={"artists": 1, "works": 7}, workers=1)
    # the build resumes its version; a whole release the pointer missed is adopted as it is
    assert result["new" if point == "build" else "unchanged"] == (
        {"pixiv-artists": str(dataset / folders[0])} if point == "build" else ["pixiv-artists"])
    assert (dataset / LATEST).read_text().strip() == folders[0]
    assert [p.name for p in dataset.iterdir() if p.is_dir()] == folders  # nothing half written
    release = dataset / folders[0]
    assert (release / CARD_FILE).is_file() and not list(release.glob(".*"))
    verify_release(release)
    manifest = pd.read_parquet(release / "manifest.parquet")
    assert not manifest["key"].duplicated().any()
    raw = pd.read_parquet(tmp_path / "data" / "raw" / "pixiv" / "illusts.parquet")
    assert not raw.duplicated(["illust_id", "page"]).any()
