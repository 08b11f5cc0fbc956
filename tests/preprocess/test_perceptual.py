"""pHash and dHash equal imagehash's bit for bit; a draft-decoded hash stays within a few bits."""
from __future__ import annotations

import functools
import io

import imagehash
import numpy as np
import pytest
from PIL import Image

from preprocess.perceptual import hamming, hashes_of_bytes, hashes_of_image, hex_to_codes
from replicas.gcd import generate_truth
from replicas.gcd.data import draw_cover
from replicas.near_duplicates import draw_art


@functools.lru_cache(maxsize=1)
def sample_images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    noise = [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
             for h, w in [(7, 300), (64, 64), (333, 201), (600, 400)]]
    smooth = [Image.fromarray(np.cumsum(rng.integers(0, 9, (120, 90), dtype=np.uint8), axis=1)
                              .astype(np.uint8), "L")]
    covers = [Image.open(io.BytesIO(draw_cover(issue))) for issue in
              sorted(generate_truth().issues.values(), key=lambda i: i.issue_id)[:20]]
    art = [draw_art(seed, seed % 3) for seed in range(10)]
    return noise + smooth + covers + art + [art[0].convert("RGBA"), art[1].convert("P")]


@pytest.mark.parametrize("index", range(37))
def test_hashes_equal_imagehash(index):
    image = sample_images()[index]
    ours = hashes_of_image(image)
    assert ours.phash == str(imagehash.phash(image))
    assert ours.dhash == str(imagehash.dhash(image))


def test_a_draft_decode_stays_within_a_few_bits_of_the_full_decode():
    for seed in range(10):
        buffer = io.BytesIO()
        draw_art(seed, 0, size=(600, 900)).save(buffer, "JPEG", quality=90)
        full = hashes_of_image(Image.open(io.BytesIO(buffer.getvalue())))
        draft = hashes_of_bytes(buffer.getvalue())
        assert hamming(full.phash, draft.phash) <= 4 and hamming(full.dhash, draft.dhash) <= 6


def test_hex_codes_round_trip_for_faiss():
    codes = hex_to_codes(["8000000000000001", "00ff00ff00ff00ff"])
    assert codes.shape == (2, 8) and codes[0, 0] == 0x80 and codes[0, 7] == 1
    assert hamming("8000000000000001", "0000000000000000") == 2
