"""Perceptual hashes (64-bit pHash and dHash), bit for bit those of the `imagehash` library.

imagehash computes pHash as the sign of the 8x8 low-frequency corner of a full 32x32 DCT against
its median, through scipy; here the corner alone is computed, as two small matrix products with
a precomputed cosine basis (the same unnormalised DCT-II), giving the same bits
(`hashes_of_image`, tests/preprocess/test_perceptual.py). A hash is stored as imagehash's
`str(hash)`: 16 hex digits, the first pixel's bit most significant.

The fast path, for releases (`fast_hashes`): OpenCV's area filter instead of Pillow's Lanczos
shrinks the image, and the dHash input is shrunk from the 32x32 one: half the CPU, a few bits off
imagehash's, the same precision and recall on the labelled replicas (a near-duplicate search is a
radius query; docs/near_duplicates.md). Renders hash the image they have just made
(`sample_hashes`: no decode); encoded bytes (`hashes_of_bytes`) are decoded as a DCT-scaled
greyscale JPEG draft, 1/2 to 1/8 of the size.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HASH_SIZE = 8
PHASH_SIDE = HASH_SIZE * 4  # imagehash's highfreq_factor 4
DRAFT_SIDE = 64  # smallest JPEG draft side: twice the pHash input, so the shrink still filters
SOURCE_DRAFT_SIDE = 32  # plan-time hashes of source files, for splits only: the cheapest decode


def _dct_basis(n: int, rows: int) -> np.ndarray:
    """The first `rows` rows of scipy.fftpack's unnormalised DCT-II matrix of size n."""
    k = np.arange(rows)[:, None]
    i = np.arange(n)[None, :]
    return 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))


_BASIS = _dct_basis(PHASH_SIDE, HASH_SIZE)


@dataclass(frozen=True)
class Hashes:
    """The perceptual hashes of one image, as 16-digit hex strings."""

    phash: str
    dhash: str


def bits_to_hex(bits: np.ndarray) -> str:
    """imagehash's string form: the flattened bits as one big-endian hex number."""
    packed = np.packbits(bits.astype(bool).ravel())
    return packed.tobytes().hex()


def _phash_of(pixels: np.ndarray) -> np.ndarray:
    """Bits of a 32x32 greyscale array: its 8x8 lowest DCT frequencies against their median."""
    low = _BASIS @ pixels.astype(np.float64) @ _BASIS.T  # DCT along axis 0, then axis 1
    return low > np.median(low)


def _dhash_of(pixels: np.ndarray) -> np.ndarray:
    """Bits of a 9-wide, 8-high greyscale array: is each pixel brighter than its left one?"""
    pixels = pixels.astype(np.int16)
    return pixels[:, 1:] > pixels[:, :-1]


def phash_bits(grey: Image.Image) -> np.ndarray:
    return _phash_of(np.asarray(grey.resize((PHASH_SIDE, PHASH_SIDE), Image.LANCZOS)))


def dhash_bits(grey: Image.Image) -> np.ndarray:
    return _dhash_of(np.asarray(grey.resize((HASH_SIZE + 1, HASH_SIZE), Image.LANCZOS)))


def hashes_of_image(image: Image.Image) -> Hashes:
    """pHash and dHash of a decoded image (any mode; converted to greyscale as imagehash does)."""
    grey = image if image.mode == "L" else image.convert("L")
    return Hashes(bits_to_hex(phash_bits(grey)), bits_to_hex(dhash_bits(grey)))


def hashes_of_bytes(data: bytes, draft_side: int = DRAFT_SIDE) -> Hashes:
    """pHash and dHash of encoded image bytes: a small greyscale draft, area-filtered (the fast
    path above). A smaller `draft_side` lets libjpeg decode at 1/8 more often (the DC
    coefficients alone): cheaper, a little less recall."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("L", (draft_side, draft_side))  # JPEG only; a no-op for other formats
        image.load()
        return fast_hashes(image)


def source_hashes(path: str | Path) -> Hashes | None:
    """The plan's hashes of a source file, for split links only: OpenCV decodes a JPEG straight
    from the file at 1/8 scale in greyscale (a quarter cheaper than Pillow's draft, no Python
    read); what OpenCV cannot read (GIF, a damaged file) goes through Pillow; None when neither
    can decode it."""
    grey = cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if grey is not None and grey.size:
        return fast_hashes(grey)
    try:
        return hashes_or_none(Path(path).read_bytes(), SOURCE_DRAFT_SIDE)
    except OSError:
        return None


def fast_hashes(image: Image.Image | np.ndarray) -> Hashes:
    """The fast path on an image already in memory (a render's output before it is encoded: no
    second decode), or on a greyscale array."""
    if isinstance(image, np.ndarray):
        grey = image
    else:
        grey = np.asarray(image if image.mode == "L" else image.convert("L"))
    small = cv2.resize(grey, (PHASH_SIDE, PHASH_SIDE), interpolation=cv2.INTER_AREA)
    # the dHash input from the 32x32 one: a 100x cheaper shrink than from the full image
    tiny = cv2.resize(small, (HASH_SIZE + 1, HASH_SIZE), interpolation=cv2.INTER_AREA)
    return Hashes(bits_to_hex(_phash_of(small)), bits_to_hex(_dhash_of(tiny)))


def sample_hashes(image: Image.Image) -> dict[str, str]:
    """`Sample(..., **sample_hashes(image))`: a render hashes the image it has just made."""
    hashes = fast_hashes(image)
    return {"phash": hashes.phash, "dhash": hashes.dhash}


def hashes_or_none(data: bytes, draft_side: int = DRAFT_SIDE) -> Hashes | None:
    """hashes_of_bytes, or None for bytes Pillow cannot decode (the caller reports those)."""
    try:
        return hashes_of_bytes(data, draft_side)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def hex_to_codes(hexes) -> np.ndarray:
    """(n, 8) uint8 codes for faiss' binary indexes from 16-digit hex strings."""
    hexes = list(hexes)
    if not hexes:
        return np.zeros((0, HASH_SIZE * HASH_SIZE // 8), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), -1)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
