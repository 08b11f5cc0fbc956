"""Reproducible releases (issue 25 §8): manifest messages carry no memory addresses, and a
release's previous version is one of its own dataset's versions, never a stranger beside it."""
from __future__ import annotations

import io
import json

import pandas as pd
from PIL import Image

from core.errors import without_addresses
from preprocess.images import encode_image
from preprocess.release import Dropped, ReleaseSpec, Sample, Unit, build_release
from preprocess.release.rendering import safe_render
from share.download.render import Recipe, render_crops


def render(payload):
    key, data = payload
    try:  # the way the stages decode: PIL names the BytesIO it was handed in its error
        image = Image.open(io.BytesIO(data)).convert("RGB")
    except Exception:  # noqa: BLE001
        return [Dropped(key, "train", "failed", render_crops(Recipe(), ("full",), data))]
    return [Sample(key=key, split="train", image=encode_image(image), labels={},
                   width=image.width, height=image.height)]


def good(level: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (level, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def build(root, dataset, version, items):
    spec = ReleaseSpec(dataset=dataset, version=version, splits=("train",), label_sets={})
    units = [Unit(id=k, keys=[(k, "train")], payload=(k, data)) for k, data in items]
    return build_release(spec, units, render, releases_root=root, workers=1,
                         progress=False).path


def test_manifest_messages_carry_no_addresses(tmp_path):
    items = [("a", good(1)), ("junk", b"not an image at all")]
    first = build(tmp_path / "one", "msgs", "1", items)
    second = build(tmp_path / "two", "msgs", "1", items)
    messages = [pd.read_parquet(path / "manifest.parquet").set_index("key").loc[
        "junk", "error_message"] for path in (first, second)]
    assert messages[0] == messages[1] and messages[0].startswith("undecodable")
    assert "0x" not in messages[0]
    assert (first / "train-000000.parquet").read_bytes() == \
        (second / "train-000000.parquet").read_bytes()
    # a render that raises: its text goes through safe_render
    assert "0x" not in safe_render(lambda payload: Image.open(io.BytesIO(payload)), b"junk")
    assert without_addresses("<object at 0x7f3a9c2b1e50> at 0xABC") == "<object>"


def test_previous_version_is_the_datasets_own(tmp_path):
    stranger = tmp_path / "msgs" / "1"  # `rebuild --out` beside another dataset's release
    stranger.mkdir(parents=True)
    (stranger / "dataset.json").write_text(json.dumps({"name": "other", "version": "1"}))
    second = build(tmp_path, "msgs", "2", [("a", good(1))])
    assert json.loads((second / "dataset.json").read_text())["previous_version"] is None
    assert json.loads((second / "changes.json").read_text())["previous_version"] is None
    third = build(tmp_path, "msgs", "3", [("a", good(1)), ("b", good(2))])
    changes = json.loads((third / "changes.json").read_text())
    assert (changes["previous_version"], changes["added"]) == ("2", ["b"])
