"""render_page: sizes, quadrant crops, and failures as rows (missing, changed, corrupt bytes)."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from preprocess.pixiv.render import PageJob, render_page
from preprocess.release import Dropped, Sample


def job(tmp_path, data: bytes, **changes) -> PageJob:
    path = tmp_path / "1_p0.jpg"
    path.write_bytes(data)
    values = dict(path=str(path), sha256=hashlib.sha256(data).hexdigest(), key="pixiv-1-p0",
                  split="train", labels={"artist": "7"}, meta={"illust_id": 1},
                  source_ids={"illust_id": 1}, size=(100, 100), resize_mode="squash")
    return PageJob(**{**values, **changes})


def quartered(size=(400, 300)) -> bytes:
    """Four quadrants: red, green, blue, white (near-uniform)."""
    image = Image.new("RGB", size)
    w, h = size[0] // 2, size[1] // 2
    for index, colour in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200), (255, 255, 255)]):
        image.paste(colour, ((index % 2) * w, (index // 2) * h, (index % 2 + 1) * w,
                             (index // 2 + 1) * h))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_whole_image_squashed(tmp_path):
    (sample,) = render_page(job(tmp_path, quartered()))
    assert isinstance(sample, Sample) and (sample.width, sample.height) == (100, 100)
    assert (sample.original_width, sample.original_height) == (400, 300)
    assert sample.meta == {"illust_id": 1, "crop": "full"}


def test_quadrants_are_the_four_corners(tmp_path):
    out = render_page(job(tmp_path, quartered(), quadrants=True))
    assert [o.key for o in out] == [f"pixiv-1-p0-q{i}" for i in range(4)]
    samples = [o for o in out if isinstance(o, Sample)]
    colours = [Image.open(io.BytesIO(s.image)).getpixel((50, 50)) for s in samples]
    dominant = [max(range(3), key=lambda c: colour[c]) for colour in colours]
    assert dominant == [0, 1, 2]  # red, green, blue
    assert isinstance(out[3], Dropped) and out[3].reason == "near_white"


@pytest.mark.parametrize("change,reason", [
    ("missing", "missing_image"), ("sha", "sha256_mismatch"), ("corrupt", "undecodable"),
])
def test_failures_are_rows(tmp_path, change, reason):
    data = quartered()
    if change == "corrupt":
        data = b"\x89PNG\r\n\x1a\n" + b"\0" * 50
    page = job(tmp_path, data, quadrants=True)
    if change == "missing":
        (tmp_path / "1_p0.jpg").unlink()
    if change == "sha":
        (tmp_path / "1_p0.jpg").write_bytes(data + b"x")
    out = render_page(page)
    assert [o.key for o in out] == page.keys
    assert all(isinstance(o, Dropped) and o.status == "failed" and o.reason.startswith(reason)
               for o in out)
