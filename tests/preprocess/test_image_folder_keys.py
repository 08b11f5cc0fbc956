"""Image-folder keys (issue 25 §4): ordinary file names build (non-ASCII, `x.jpg` beside
`x.png`, `a b.jpg` beside `a_b.jpg`), every file gets its own stable valid key, the original name
is kept, and a symlink out of the root is refused unless asked for."""
from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from core.keys import KEY_PATTERN
from preprocess.image_folder import (FolderOptions, folder_files, folder_keys, folder_spec,
                                     plan_folder, render_file)
from preprocess.release import build_release

NAMES = ["cat/café.jpg", "cat/x.jpg", "cat/x.png", "dog/a b.jpg", "dog/a_b.jpg", "dog/plain.jpg"]


def make_folder(root: Path) -> Path:
    for number, name in enumerate(NAMES):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        # a different colour each: no file is a duplicate of another
        Image.new("RGB", (20, 20), (40 * number, 255 - 40 * number, 7)).save(root / name)
    return root


def hashed(stem_key: str, relative: str) -> str:
    return f"{stem_key}-{hashlib.sha256(relative.encode()).hexdigest()[:8]}"


def test_every_file_gets_a_distinct_valid_stable_key(tmp_path):
    root = make_folder(tmp_path / "in")
    keys = folder_keys("pets", folder_files(root))
    by_name = {f"{p.parent.name}/{p.name}": key for p, key in keys.items()}
    assert by_name == {
        "cat/café.jpg": hashed("pets-cat-caf_", "cat/café.jpg"),
        "cat/x.jpg": hashed("pets-cat-x", "cat/x.jpg"),
        "cat/x.png": hashed("pets-cat-x", "cat/x.png"),
        "dog/a b.jpg": hashed("pets-dog-a_b", "dog/a b.jpg"),
        "dog/a_b.jpg": hashed("pets-dog-a_b", "dog/a_b.jpg"),
        "dog/plain.jpg": "pets-dog-plain"}  # an ordinary unique name keeps its plain key
    assert all(KEY_PATTERN.fullmatch(k) for k in keys.values())
    long = root / "dog" / ("n" * 120 + ".jpg")
    long.write_bytes((root / "dog" / "plain.jpg").read_bytes())
    key = folder_keys("pets", folder_files(root))[long]
    assert len(key) == 100 and KEY_PATTERN.fullmatch(key)


def test_the_folder_builds_with_the_original_names_kept(tmp_path):
    root = make_folder(tmp_path / "in")
    options = FolderOptions(size=(16, 16), test_fraction=0.0)
    release = build_release(folder_spec(root, "pets", "1", options),
                            plan_folder(root, "pets", options), render_file,
                            releases_root=tmp_path / "releases", workers=1, progress=False)
    manifest = pd.read_parquet(release.path / "manifest.parquet")
    assert list(manifest["status"]) == ["success"] * len(NAMES)
    metas = []
    for shard in sorted(release.path.glob("train-*.tar")):
        with tarfile.open(shard) as tar:
            metas += [json.loads(tar.extractfile(m).read()) for m in tar
                      if m.name.endswith(".json")]
    assert sorted(m["source_ids"]["file"] for m in metas) == sorted(NAMES)  # the original path
    assert {m["source_ids"]["file"]: m["key"] for m in metas} == {
        f"{p.parent.name}/{p.name}": k for p, k in folder_keys("pets", folder_files(root)).items()}


def test_a_symlink_out_of_the_root_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    from flows.cli import main

    root = make_folder(tmp_path / "in")
    outside = tmp_path / "secret.jpg"
    outside.write_bytes((root / "dog" / "plain.jpg").read_bytes())
    (root / "dog" / "link.jpg").symlink_to(outside)
    (root / "cat" / "inside.jpg").symlink_to(root / "dog" / "plain.jpg")  # stays in the root
    monkeypatch.setenv("INKSET_HOME", str(tmp_path / "home"))
    assert main(["build-folder", str(root), "--dataset", "pets"]) == 2
    assert capsys.readouterr().err == (f"inkset: error: {root / 'dog' / 'link.jpg'}: a symlink "
                                       f"leading out of {root} (to {outside}); pass "
                                       f"--follow-symlinks to read it\n")
    assert not (tmp_path / "home" / "releases").exists()
    assert len(folder_files(root, follow_symlinks=True)) == len(NAMES) + 2
    with pytest.raises(Exception, match="symlink leading out"):
        list(plan_folder(root, "pets", FolderOptions()))
