"""Manga109 figures: pages/s and crops/s per core against the decode-once + encode-once floor."""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

from PIL import Image

from preprocess.images import decode_image, encode_image
from preprocess.manga109.crops import decode_target
from preprocess.manga109.datasets import plan, render
from preprocess.manga109.options import Manga109Options
from preprocess.release import Unit
from replicas.manga109 import generate_release

OVERRIDES = {"manga109-faces": {"split": "title_hash"}}
ROUNDS = 3  # floor and ours alternate; the best round of each counts (a shared machine's noise)


def _floor(units: list[Unit]) -> float:
    """Decode every source image once and encode every output once: no cropping, no resizing."""
    started = time.process_time()  # CPU seconds of this process: "per core", whatever the load
    for unit in units:
        path, mode, _, crops = unit.payload
        decode_image(Path(path).read_bytes(), mode=mode)
        for crop in crops:
            encode_image(Image.new(mode, crop.size, 128))
    return time.process_time() - started


def _decodes(units: list[Unit]) -> str:
    """The DCT scales our pipeline decodes at (the floor always decodes at full size)."""
    scales: Counter = Counter()
    for unit in units:
        path, mode, _, crops = unit.payload
        image = decode_image(Path(path).read_bytes(), mode=mode, keep_grey=True,
                             target_size=decode_target(crops), three_eighths=True)
        scales[str(Fraction(image.width * 8 // crops[0].meta["image_width"], 8))] += 1
    return ", ".join(f"{scale} x{count}" for scale, count in sorted(scales.items()))


def _ours(units: list[Unit]) -> float:
    started = time.process_time()
    for unit in units:
        render(unit.payload)
    return time.process_time() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generate_release(Path(tmp), titles=9, spreads=8)
        for name in ("manga109-artist-pages", "manga109-artist-panels", "manga109-faces"):
            _, items = plan(Path(tmp), Manga109Options.load(name, **OVERRIDES.get(name, {})))
            units = [u for u in items if isinstance(u, Unit)]
            crops = sum(len(u.keys) for u in units)
            rounds = [(_floor(units), _ours(units)) for _ in range(ROUNDS)]
            floor, ours = min(r[0] for r in rounds), min(r[1] for r in rounds)
            short = name.replace("manga109-", "")
            print(f"manga109 {short} source images/s per core: {len(units) / ours:.1f}")
            print(f"manga109 {short} crops/s per core: {crops / ours:.1f}")
            print(f"manga109 {short} decode scales, ours: {_decodes(units)} (floor: 1 for all)")
            print(f"manga109 {short} floor (decode + encode) CPU s: {floor:.3f}, ours: {ours:.3f}")
            print(f"manga109 {short} time / floor (goal <= 1.25): {ours / floor:.2f}")


if __name__ == "__main__":
    main()
