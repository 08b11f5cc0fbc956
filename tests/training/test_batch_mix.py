"""Batches mix classes: a Manga109-shaped release (keys start with the title, one unit per page)
read through the training stream's 1,000-sample shuffle buffer gives about as many distinct
titles per batch of 32 as a random order would (issue 21, item 3). Written in key order, a
shard holds 5 titles and a batch ~12 distinct classes of 40."""
from __future__ import annotations

import io
from math import comb

import pytest
import torch
from PIL import Image

from preprocess.release import ReleaseSpec, Sample, Unit, build_release
from training.data import train_stream
from training.release_view import open_release

TITLES, PAGES, FACES = 40, 30, 6       # 7,200 faces, 180 per title, as Manga109's ~900 scaled
BATCH, BUFFER = 32, 1000


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (4, 4), 128).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = tiny_jpeg()


def render_page(payload):
    title, keys = payload
    return [Sample(key=key, split="train", image=JPEG, labels={"title": title}) for key in keys]


def manga109_shaped_units():
    """One unit per page, its faces keyed `m109-<title>-face-<annotation id>` as the stage does."""
    face_id = 0
    for t in range(TITLES):
        title = f"Title{t:02d}"
        for page in range(PAGES):
            keys = []
            for _ in range(FACES):
                face_id += 1
                keys.append(f"m109-{title}-face-{face_id:08x}")
            yield Unit(f"{title}-{page:03d}", [(k, "train") for k in keys], (title, keys))


def build(tmp_path, order_seed):
    spec = ReleaseSpec(dataset="faces", version="1", splits=("train",),
                       label_sets={"title": [f"Title{t:02d}" for t in range(TITLES)]},
                       cls_label_set="title", order_seed=order_seed)
    return build_release(spec, manga109_shaped_units(), render_page,
                         releases_root=tmp_path / str(order_seed), progress=False).path


def class_only(sample: dict, epoch: int) -> dict:
    return {"key": sample["key"], "cls": torch.tensor(sample["cls"])}


def mean_distinct_per_batch(release) -> float:
    stream = train_stream(open_release(release), ["train"], class_only, batch_size=BATCH,
                          seed=0, epoch=1, workers=0, shuffle_buffer=BUFFER)
    distinct = [len(set(batch["cls"].tolist())) for batch in stream
                if len(batch["key"]) == BATCH]
    return sum(distinct) / len(distinct)


def expected_distinct_random() -> float:
    """E[distinct classes] in 32 samples drawn without replacement from the whole release."""
    total, per_class = TITLES * PAGES * FACES, PAGES * FACES
    return TITLES * (1 - comb(total - per_class, BATCH) / comb(total, BATCH))


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    return {"seeded": build(root, 0), "key order": build(root, None)}


def test_seeded_order_mixes_titles_like_a_random_order(releases):
    expected = expected_distinct_random()  # 22.24 of 40 titles
    assert expected == pytest.approx(22.24, abs=0.01)
    assert mean_distinct_per_batch(releases["seeded"]) >= 0.9 * expected


def test_key_order_shows_what_the_seeded_order_fixes(releases):
    # the release as written before order_seed: a shard holds 5 titles of 180 faces, a buffer
    # ~6 (plus the stragglers a random-replacement buffer keeps): about 12 distinct, not 22
    assert mean_distinct_per_batch(releases["key order"]) < 0.6 * expected_distinct_random()


def test_the_seed_changes_the_order_not_the_content(releases, tmp_path):
    other = build(tmp_path, 1)
    names = sorted(p.name for p in other.glob("*.tar"))
    assert names == sorted(p.name for p in releases["seeded"].glob("*.tar"))
    keys = lambda path: open_release(path).manifest()["key"].tolist()  # noqa: E731
    assert sorted(keys(other)) == sorted(keys(releases["seeded"]))
    assert keys(other) != keys(releases["seeded"])
