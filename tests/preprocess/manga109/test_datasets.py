"""The three Manga109 datasets from the generator: exact counts against its ground truth."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageOps

from preprocess.manga109.datasets import plan, render
from preprocess.manga109.options import Manga109Options
from preprocess.release import Unit, build_release
from replicas.manga109 import generate_release

SPREADS = 6


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    root = tmp_path_factory.mktemp("m109")
    return root, generate_release(root, titles=9, spreads=SPREADS)


def build(replica, tmp_path, name, **overrides):
    root, _ = replica
    spec, items = plan(root, Manga109Options.load(name, **overrides))
    result = build_release(spec, items, render, releases_root=tmp_path, progress=False)
    return result, pd.read_parquet(result.path / "manifest.parquet")


def test_pages_exact_counts_and_labels(replica, tmp_path):
    root, truth = replica
    result, manifest = build(replica, tmp_path, "manga109-artist-pages")
    eight = truth.titles[:8]
    halves = 8 * (2 * SPREADS + 1)           # spreads give two pages, the last image one
    zero_title, zero_index = truth.zero_page  # declared 0x0 with boxes: skipped, one row
    assert zero_title in eight
    assert result.samples() == halves - 2
    dropped = manifest[manifest["status"] != "success"]
    assert list(dropped["key"]) == [f"m109-{zero_title}-i{zero_index:03d}"]
    assert list(dropped["error_message"]) == ["declared_size_zero"]
    labels = json.loads((result.path / "labels.json").read_text())["artist"]["names"]
    assert labels == eight
    # a whole image is one split group: both halves of a spread share it
    kept = manifest[manifest["status"] == "success"].copy()
    kept["image"] = kept["key"].str.replace(r"-[rl]$", "", regex=True)
    assert (kept.groupby("image")["split"].nunique() == 1).all()
    assert set(kept["split"]) == {"train", "test"}


def test_faces_exact_counts_and_reasons(replica, tmp_path):
    root, truth = replica
    result, manifest = build(replica, tmp_path, "manga109-faces", split="title_hash",
                             test_fraction=0.3, min_faces_per_character=8)
    others = {f"{t}:{i}" for t, i in truth.other_ids.items()}
    usable = {c: n for c, n in truth.faces_per_character.items()}
    qualifying = {c for c, n in usable.items() if n >= 8 and c not in others}
    on_zero = truth.zero_page_faces
    expected = sum(usable[c] - on_zero.get(c, 0) for c in qualifying)
    assert result.samples() == expected
    reasons = manifest.groupby("error_message")["key"].count().to_dict()
    assert reasons["other_character"] == sum(usable[c] - on_zero.get(c, 0) for c in others)
    assert reasons["unknown_character"] == 1
    assert reasons["declared_size_zero"] == sum(on_zero.values()) + (
        1 if truth.missing_character[0] == truth.zero_page[0] else 0)
    assert len(manifest) == sum(c["face"] for c in truth.counts.values())
    # a title never spans two splits
    kept = manifest[manifest["status"] == "success"]
    titles = kept["source_ids"].map(lambda s: json.loads(s)["title"])
    assert (kept.groupby(titles)["split"].nunique() == 1).all()


def test_face_text_is_the_frame_text(replica, tmp_path):
    import tarfile
    result, _ = build(replica, tmp_path, "manga109-faces", split="title_hash",
                      min_faces_per_character=8)
    shard = sorted(result.path.glob("train-*.tar"))[0]
    with tarfile.open(shard) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    texts = [v.decode() for k, v in members.items() if k.endswith(".txt")]
    assert texts and all(len(t.split()) == 3 for t in texts)  # the generator's lines: 3 words


def test_panels_drop_small_frames(replica, tmp_path):
    root, truth = replica
    result, manifest = build(replica, tmp_path, "manga109-artist-panels")
    frames = sum(truth.counts[t]["frame"] for t in truth.titles[:8])
    assert len(manifest) == frames
    kept = manifest[manifest["status"] == "success"]
    assert set(kept["width"]) == {256} and set(kept["height"]) == {256}
    assert set(manifest.loc[manifest["status"] != "success", "error_message"]) <= {
        "frame_too_small", "declared_size_zero"}


def test_a_corrupt_or_missing_image_is_a_row_and_others_go_on(replica, tmp_path):
    import shutil
    root, truth = replica
    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    title = truth.titles[0]
    (broken / "images" / title / "001.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (broken / "images" / title / "002.jpg").unlink()
    (broken / "annotations" / f"{truth.titles[4]}.xml").write_text("<book title='x'><pages>")
    spec, items = plan(broken, Manga109Options.load("manga109-artist-pages"))
    result = build_release(spec, items, render, releases_root=tmp_path / "r", progress=False)
    manifest = pd.read_parquet(result.path / "manifest.parquet").set_index("key")
    assert manifest.loc[f"m109-{title}-i002", "error_message"] == "missing_image"
    assert manifest.loc[f"m109-{title}-i001", "error_message"] == "undecodable"
    assert "ParseError" in manifest.loc[f"m109-{truth.titles[4]}", "error_message"]
    assert result.samples() > 80


def test_pages_decoded_at_three_eighths_match_a_full_decode(replica):
    """Pages are decoded DCT-scaled (3/8) and finished in OpenCV: each half still shows the same
    picture as the full-size decode cut at the planned box and resized with Lanczos."""
    root, _ = replica
    _, items = plan(root, Manga109Options.load("manga109-artist-pages"))
    unit = next(u for u in items if isinstance(u, Unit) and len(u.keys) == 2)
    path, _, _, crops = unit.payload
    samples = render(unit.payload)
    full = Image.open(path).convert("L")
    references = [ImageOps.fit(full.crop(c.box), c.size, Image.Resampling.LANCZOS) for c in crops]
    coarse = [np.asarray(r.reduce(4), dtype=float) for r in references]  # hatching aliases apart
    for sample, reference, other in zip(samples, coarse, coarse[::-1]):
        image = Image.open(io.BytesIO(sample.image))
        assert image.size == (300, 400)
        pixels = np.asarray(image.reduce(4), dtype=float)
        error, swapped = np.abs(pixels - reference).mean(), np.abs(pixels - other).mean()
        assert error < 4 and swapped > 3 * error  # the right box, not just a similar page
