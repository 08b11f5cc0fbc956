"""Near-duplicate-aware page splits for Manga109's `random_page` split (docs/near_duplicates.md).

`random_page` draws each image's split by a seeded hash; two pages whose crops are
near-duplicates (a redrawn panel, a repeated splash, a re-scan) could land on both sides. Here
every planned crop is hashed at plan time from a 1/8-scale greyscale decode of its page (the
crop's box and centre crop applied there), pages linked by near-duplicate crops form groups,
and each group takes the split of its smallest page (preprocess/splits.py: unify_splits); a
page's crops and dropped rows follow its split. Title splits are pinned: those are reported.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import cv2

from preprocess.perceptual import fast_hashes
from preprocess.release import Dropped, Unit
from preprocess.splits import hash_links, unify_splits

from .crops import Crop

MIN_SIDE = 8  # a crop under 8 pixels at 1/8 scale is too small to hash meaningfully


def crop_hashes(path: str, crops: Sequence[Crop]) -> list[tuple[str, str]]:
    """(pHash, dHash) of each crop, from the page decoded once at 1/8 scale; none when the page
    cannot be decoded (the render reports it)."""
    grey = cv2.imread(path, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if grey is None or not grey.size:
        return []
    fy = grey.shape[0] / crops[0].meta["image_height"]
    fx = grey.shape[1] / crops[0].meta["image_width"]
    out = []
    for crop in crops:
        x0, y0, x1, y1 = crop.box
        region = grey[round(y0 * fy):round(y1 * fy), round(x0 * fx):round(x1 * fx)]
        height, width = region.shape
        # the centre crop the render takes: the box's middle at the output's aspect ratio
        scale = max(crop.size[0] / max(1, width), crop.size[1] / max(1, height))
        crop_w, crop_h = round(crop.size[0] / scale), round(crop.size[1] / scale)
        left, top = (width - crop_w) // 2, (height - crop_h) // 2
        region = region[top:top + crop_h, left:left + crop_w]
        if min(region.shape) >= MIN_SIDE:
            hashes = fast_hashes(region)
            out.append((hashes.phash, hashes.dhash))
    return out


def unify_page_splits(items: list[Unit | Dropped], radius: int) -> list[Unit | Dropped]:
    """The items with pages linked by near-duplicate crops in one split (the smallest page's)."""
    split_of_page, phashes, dhashes, owners = {}, [], [], []
    for item in items:
        if not isinstance(item, Unit):
            continue
        path, _, _, crops = item.payload
        page = (crops[0].meta["title"], crops[0].meta["image_index"])
        split_of_page[page] = crops[0].split
        for phash, dhash in crop_hashes(path, crops):
            phashes.append(phash)
            dhashes.append(dhash)
            owners.append(page)
    unified = unify_splits(split_of_page, hash_links(phashes, dhashes, owners, radius))
    moved = {page: split for page, split in unified.items() if split != split_of_page[page]}
    return [_moved(item, moved) for item in items] if moved else items


def _moved(item: Unit | Dropped, moved: dict) -> Unit | Dropped:
    if isinstance(item, Unit):
        path, mode, resize_mode, crops = item.payload
        split = moved.get((crops[0].meta["title"], crops[0].meta["image_index"]))
        if split is None:
            return item
        crops = tuple(replace(c, split=split) for c in crops)
        return replace(item, keys=[(c.key, split) for c in crops],
                       payload=(path, mode, resize_mode, crops))
    ids = item.source_ids or {}
    split = moved.get((ids.get("title"), ids.get("image")))
    return item if split is None or item.split is None else replace(item, split=split)
