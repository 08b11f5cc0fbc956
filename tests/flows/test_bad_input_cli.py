"""Bad input through `inkset` and `make`: one line naming it, exit 2 (usage) or 1, no traceback,
and nothing already in the work dir changed. Every case runs as a subprocess, as a user runs it."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from replicas.manga109 import generate_release

ROOT = Path(__file__).resolve().parents[2]
SHOWN = "expected an unpacked Manga109 release"


def tree_digest(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A work dir holding a release and raw data, and every kind of wrong input beside it."""
    tmp = tmp_path_factory.mktemp("bad-input")
    home = tmp / "home"
    for name, data in (("releases/toy/1/dataset.json", b"{}"),
                       ("releases/toy/1/train-000000.tar", b"tar bytes"),
                       ("data/raw/gcd/covers/1/1000.jpg", b"jpeg bytes")):
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_bytes(data)
    (tmp / "empty").mkdir()
    (tmp / "a-file.txt").write_text("not a folder")
    (tmp / "not-a-release").mkdir()
    good = tmp / "m109"
    generate_release(good, titles=2, spreads=1)
    title = (good / "books.txt").read_text().split()[0]
    for lack in ("books.txt", "annotations", "images"):
        shutil.copytree(good, tmp / f"no-{lack}")
        target = tmp / f"no-{lack}" / lack
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    shutil.copytree(good, tmp / "title-no-xml")
    (tmp / "title-no-xml" / "annotations" / f"{title}.xml").unlink()
    shutil.copytree(good, tmp / "title-no-images")
    shutil.rmtree(tmp / "title-no-images" / "images" / title)
    shutil.copytree(good, tmp / "broken-xml")
    (tmp / "broken-xml" / "annotations" / f"{title}.xml").write_text("<book><pages><page")
    shutil.copytree(good, tmp / "not-schema")
    (tmp / "not-schema" / "annotations" / f"{title}.xml").write_text("<html><body/></html>")
    for name, old, new in (("broken-toml", 'kind = "faces"', 'kind = "faces'),
                           ("unknown-key", "min_face_side", "min_face_sidee")):
        shutil.copytree(ROOT / "data_manifests", tmp / name)
        path = tmp / name / "manga109-faces.toml"
        path.write_text(path.read_text().replace(old, new, 1))
    (tmp / "releases-is-a-file" / "releases").parent.mkdir()
    (tmp / "releases-is-a-file" / "releases").write_text("a file where releases/ should be")
    return tmp, home, title


def cases(tmp: Path, title: str) -> list[tuple[str, list[str], dict, int, str]]:
    """(case, arguments, environment, exit status, text stderr must hold)."""
    m109 = ["manga109", "--root"]
    faces = str(tmp / "broken-toml" / "manga109-faces.toml")
    return [
        ("root missing", m109 + [str(tmp / "nope")], {}, 1, f"{tmp / 'nope'} does not exist"),
        ("root empty", m109 + [str(tmp / "empty")], {}, 1, f"{tmp / 'empty'} is empty"),
        ("root a file", m109 + [str(tmp / "a-file.txt")], {}, 1, "is a file, not a folder"),
        ("root from env", ["manga109"], {"MANGA109_ROOT": str(tmp / "empty")}, 1,
         f"{tmp / 'empty'} is empty"),
        ("no books.txt", m109 + [str(tmp / "no-books.txt")], {}, 1, "has no books.txt"),
        ("no annotations", m109 + [str(tmp / "no-annotations")], {}, 1, "has no annotations/"),
        ("no images", m109 + [str(tmp / "no-images")], {}, 1, "has no images/"),
        ("title without xml", m109 + [str(tmp / "title-no-xml")], {}, 1,
         f"have no annotation file annotations/<title>.xml: {title}"),
        ("title without images", m109 + [str(tmp / "title-no-images")], {}, 1,
         f"have no image folder images/<title>/: {title}"),
        ("broken xml", m109 + [str(tmp / "broken-xml")], {}, 1, f"{title}.xml: ParseError"),
        ("not the schema", m109 + [str(tmp / "not-schema")], {}, 1, "expected <book>"),
        ("live without root", ["manga109", "--source", "live"], {}, 2, "needs MANGA109_ROOT"),
        ("unknown stage", ["manga-109"], {}, 2, "invalid choice: 'manga-109'"),
        ("unknown source", ["gcd", "--source", "web"], {}, 2, "invalid choice: 'web'"),
        ("unknown gcd dataset", ["gcd", "--datasets", "gcd-capes"], {}, 2,
         "unknown dataset 'gcd-capes'; known datasets here: gcd-covers, gcd-team"),
        ("unknown pixiv dataset", ["pixiv", "--datasets", "pixiv-cats"], {}, 2,
         "unknown dataset 'pixiv-cats'"),
        ("malformed toml", ["manga109"], {"INKSET_MANIFESTS": str(tmp / "broken-toml")}, 2,
         f"{faces}: invalid TOML"),
        ("unknown toml key", ["manga109"], {"INKSET_MANIFESTS": str(tmp / "unknown-key")}, 2,
         f"{tmp / 'unknown-key' / 'manga109-faces.toml'}:"),
        ("verify not a release", ["verify", str(tmp / "not-a-release")], {}, 1,
         f"{tmp / 'not-a-release'} is not a release"),
        ("publish nothing", ["publish", str(tmp / "nope")], {}, 1,
         f"{tmp / 'nope'} is not a release: no such folder"),
        ("metadata-only a file", ["metadata-only", str(tmp / "a-file.txt"), str(tmp / "out")],
         {}, 1, "a-file.txt is not a release: a file"),
        ("build-folder empty", ["build-folder", str(tmp / "empty"), "--dataset", "x"], {}, 1,
         f"{tmp / 'empty'} is without images"),
        ("home not writable", ["--home", "/sys/inkset-test", "manga109"], {}, 1,
         "work dir /sys/inkset-test is not writable"),
        ("releases not writable", ["--home", str(tmp / "releases-is-a-file"), "manga109"], {},
         1, f"output folder {tmp / 'releases-is-a-file' / 'releases'} is not writable"),
        ("gcd live without a crawl", ["gcd", "--source", "live"], {}, 2,
         "run `inkset crawl-gcd --source live` first"),
        ("pixiv live without a crawl", ["pixiv", "--source", "live"], {}, 2,
         "run `inkset crawl-pixiv --source live` first"),
        ("pixiv live without permission", ["crawl-pixiv", "--source", "live"], {}, 2,
         "needs --i-have-permission"),
        ("pixiv live without users",
         ["crawl-pixiv", "--source", "live", "--i-have-permission"], {}, 2,
         "data_manifests/pixiv/users.txt"),
        ("demo live", ["demo", "--source", "live"], {}, 2, "replica sources only"),
        ("gcd api without series or issues", ["crawl-gcd", "--source", "live", "--mode", "api"],
         {}, 2, "API mode takes --series or --issues"),
    ]


def run(arguments: list[str], home: Path, extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("INKSET_DEBUG", "MANGA109_ROOT", "INKSET_MANIFESTS", "PREFECT_HOME")}
    env.update(INKSET_HOME=str(home), PYTHONPATH=str(ROOT), **extra_env)
    return subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow
def test_every_bad_input_is_one_clear_line(world):
    tmp, home, title = world
    table = cases(tmp, title)
    before = tree_digest(home / "releases", home / "data" / "raw")
    with ThreadPoolExecutor(4) as pool:  # each case is an interpreter start: run a few at once
        results = list(pool.map(
            # the cases share one work dir and its write lock: each waits for the one before
            lambda case: run([sys.executable, "-m", "flows.cli", "--wait", "110", *case[1]],
                             home, case[2]),
            table))
    failures = []
    for (name, arguments, _, status, text), result in zip(table, results):
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        if (result.returncode != status or text not in result.stderr or "Traceback" in
                result.stderr or not re.match(r"inkset( [\w-]+)?: error: ", last)):
            failures.append(f"{name}: exit {result.returncode} (want {status}), "
                            f"stderr {result.stderr[-600:]!r}")
    assert not failures, "\n".join(failures)
    assert tree_digest(home / "releases", home / "data" / "raw") == before


@pytest.mark.slow
def test_debug_shows_the_traceback(world):
    tmp, home, _ = world
    result = run([sys.executable, "-m", "flows.cli", "--debug", "manga109", "--root",
                  str(tmp / "empty")], home, {})
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert "RootError" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_targets_pass_the_line_through(world):
    """The make targets run `inkset` (INKSET=...); -o install keeps the shared venv untouched."""
    tmp, home, _ = world
    inkset = f"{sys.executable} -m flows.cli"
    make = ["make", "--no-print-directory", "-o", "install", "-o", ".venv/.installed",
            f"INKSET={inkset}"]
    for target, text in ((["manga109", f"MANGA109_ROOT={tmp / 'empty'}"], "is empty"),
                         (["verify", f"RELEASE={tmp / 'not-a-release'}"], "is not a release")):
        before = tree_digest(home / "releases", home / "data" / "raw")
        result = run(make + target, home, {})
        assert result.returncode != 0, result.stdout
        assert "inkset: error: " in result.stderr and text in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert tree_digest(home / "releases", home / "data" / "raw") == before
