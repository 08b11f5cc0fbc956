"""Write locks (issue 25 §1): a command that writes a work dir or an output folder while another
process does stops with one line naming the holder, before anything is written; SHA256SUMS never
lists itself or the card; temporaries are per process."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import atomic
from core.errors import InksetError
from flows.lock import lock_path_for, write_lock
from preprocess.release import conventions

ROOT = Path(__file__).resolve().parents[2]
# A second process that takes the lock with flows.lock itself and holds it until stdin closes.
HOLDER = """
import sys
from flows.lock import write_lock
with write_lock(sys.argv[1], command="inkset gcd"):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder():
    """holder(lock_path): another process holding that lock for the rest of the test."""
    started = []

    def hold(path: Path) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process
    yield hold
    for process in started:
        process.stdin.close()
        process.wait(60)


def test_a_second_writer_of_a_work_dir_stops_naming_the_holder(tmp_path, monkeypatch, capsys,
                                                               holder):
    from flows.cli import main

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    process = holder(tmp_path / "data" / "work.lock")
    assert main(["--wait", "0.2", "gcd"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith(f"inkset: error: work dir {tmp_path} is being written by another "
                          f"inkset command (pid {process.pid}, command 'inkset gcd', since ")
    assert err.endswith("wait for it, or pass --wait SECONDS")
    assert not (tmp_path / "releases").exists() and not (tmp_path / "data" / "raw").exists()


def test_a_second_download_into_one_folder_stops_another_folder_is_free(tmp_path, capsys,
                                                                        holder):
    from flows.cli import main

    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/a.jpg\n")
    process = holder(tmp_path / ".out.lock")
    assert main(["download", str(urls), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"output folder {tmp_path / 'out'} is being written" in err
    assert f"(pid {process.pid}, command 'inkset gcd'" in err
    assert not (tmp_path / "out").exists()
    with write_lock(tmp_path / ".other.lock"):  # another folder's lock is another lock
        pass


def test_which_lock_each_command_takes(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSET_HOME", str(tmp_path))

    def lock(stage, **args):
        return lock_path_for(argparse.Namespace(stage=stage, **args))
    work = tmp_path / "data" / "work.lock"
    for stage in ("gcd", "crawl-pixiv", "refresh", "takedown", "build-folder", "publish",
                  "manga109", "demo", "replicas"):
        assert lock(stage) == work, stage
    assert lock("rebuild", out=None) == work  # into releases/
    assert lock("download", out=str(tmp_path / "x" / "out")) == tmp_path / "x" / ".out.lock"
    assert lock("fetch", out="dir") == Path("dir").resolve().parent / ".dir.lock"
    for stage in ("verify", "train", "cat", "similar", "serve"):
        assert lock(stage) is None, stage


def test_the_lock_is_reentrant_in_its_process_and_free_after(tmp_path):
    path = tmp_path / "work.lock"
    with write_lock(path, command="outer"):
        with write_lock(path, command="inner"):  # refresh_flow inside `inkset refresh`
            pass
        assert "command 'outer'" in path.read_text()
    child = subprocess.run([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, input="",
                           capture_output=True, text=True, env={**os.environ,
                                                                "PYTHONPATH": str(ROOT)})
    assert child.stdout.strip() == "held"  # released: another process takes it at once


def test_an_unwritable_work_dir_is_one_line(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(InksetError, match="cannot take the write lock"):
        with write_lock(blocked / "data" / "work.lock"):
            pass


def test_checksums_never_list_themselves_or_the_card(tmp_path):
    for name in ("a.tar", "dataset.json", "SHA256SUMS"):
        (tmp_path / name).write_text(name)
    conventions.write_checksums(tmp_path, ["a.tar", "dataset.json", "SHA256SUMS"])
    assert list(conventions.read_checksums(tmp_path)) == ["a.tar"]


def test_temporaries_are_per_process(tmp_path):
    mine = atomic.temp_name(tmp_path / "team_table.png")
    assert mine.name == f".team_table.png.tmp-{os.getpid()}"
    child = subprocess.run([sys.executable, "-c", "from pathlib import Path; from core import "
                            "atomic; print(atomic.temp_name(Path('team_table.png')).name)"],
                           cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.strip() != mine.name and child.stdout.startswith(".team_table.png.tmp-")
