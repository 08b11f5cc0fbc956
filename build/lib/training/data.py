"""Shard loaders: a webdataset stream for training and a wids index for exact evaluation epochs."""
from __future__ import annotations

import contextlib
import functools
import io
import json
from typing import Any, Callable, Iterable

import numpy as np
import torch
import webdataset as wds
from PIL import Image
from torch.utils.data import DataLoader, Dataset, get_worker_info

from core.errors import UsageError

from .release_view import ReleaseInfo

# Prefect runs threads (its API client, log shipping): a forked worker inherits their locks and
# dies at start, so loader workers are spawned (a second or two each, once per loader)
WORKER_START = "spawn"
Transform = Callable[[dict, int], dict]  # (decoded sample, epoch) -> tensors and "key"


def decode_sample(raw: dict) -> dict:
    """Shard members -> {key, image (PIL), meta, cls, labels, text}; member names with or without
    the leading dot (webdataset drops it, wids keeps it)."""
    members = {name.lstrip("."): value for name, value in raw.items()}

    def data(name: str) -> bytes | None:
        value = members.get(name)
        return value.getvalue() if isinstance(value, io.BytesIO) else value

    image_name = next(n for n in ("jpg", "png", "webp") if n in members)
    image = Image.open(io.BytesIO(data(image_name)))
    image.load()
    sample = {"key": members["__key__"], "image": image, "meta": json.loads(data("json"))}
    if "cls" in members:
        sample["cls"] = int(data("cls"))
    if "labels.json" in members:
        sample["labels"] = json.loads(data("labels.json"))
    if "txt" in members:
        sample["text"] = data("txt").decode("utf-8")
    return sample


class EpochMap(wds.PipelineStage):
    """Applies fn(sample, epoch); the epoch advances each time the stream restarts, like
    webdataset's detshuffle, so persistent workers and a resumed run see the same epochs."""

    def __init__(self, fn: Transform, epoch: int) -> None:
        self.fn, self.epoch = fn, epoch - 1

    def run(self, src: Iterable[dict]):
        self.epoch += 1
        for raw in src:
            yield self.fn(decode_sample(raw), self.epoch)


def _not_single(batch: dict) -> bool:
    return len(batch["key"]) > 1


def _key_in(keys: frozenset[str], raw: dict) -> bool:
    return raw["__key__"] in keys


def _stack(values: list) -> torch.Tensor:
    """np.stack (~5x faster than torch.stack on uint8 images here) straight into shared memory
    when inside a loader worker, as torch's default_collate does: the batch then crosses to the
    training process without another copy."""
    arrays = [v.numpy() if torch.is_tensor(v) else v for v in values]
    if get_worker_info() is None:
        return torch.from_numpy(np.stack(arrays))
    first = torch.from_numpy(np.empty(0, dtype=np.asarray(arrays[0]).dtype))  # the dtype only
    storage = first.untyped_storage()._new_shared(len(arrays) * np.asarray(arrays[0]).nbytes)
    out = torch.empty(0, dtype=first.dtype).set_(storage).view(len(arrays),
                                                               *np.shape(arrays[0]))
    np.stack(arrays, out=out.numpy())
    return out


def collate(samples: list[dict]) -> dict:
    """Stack tensors and arrays; keep strings (keys, texts) as lists."""
    batch = {}
    for name in samples[0]:
        values = [s[name] for s in samples]
        stackable = torch.is_tensor(values[0]) or isinstance(values[0], np.ndarray)
        batch[name] = _stack(values) if stackable else values
    return batch


def train_stream(release: ReleaseInfo, splits: Iterable[str], transform: Transform, *,
                 batch_size: int, seed: int, epoch: int, workers: int, world_size: int = 1,
                 keys: set[str] | None = None, shuffle_buffer: int = 1000,
                 resampled: bool = False, batches_per_epoch: int | None = None) -> wds.DataPipeline:
    """Epoch-seeded shard shuffle -> split by node and worker -> sample shuffle -> decode ->
    augment -> batch. `resampled` (multi-process training) draws shards with replacement and
    cuts every rank's epoch at `batches_per_epoch`, so no rank waits for another at the end."""
    urls = [url for split in splits for url in release.urls(split)]
    if resampled:
        shards = wds.ResampledShards(urls, seed=seed, deterministic=True)
    else:
        needed = max(1, workers) * world_size
        if len(urls) < needed:
            raise UsageError(
                f"{release.path}: {len(urls)} shards in {list(splits)} but {max(1, workers)} "
                f"loader workers x {world_size} processes need at least {needed}; use fewer "
                f"workers or resampled=true")
        shards = wds.SimpleShardList(urls)
    stages = [shards]
    if not resampled:
        stages += [wds.detshuffle(len(urls), len(urls), seed=seed, epoch=epoch - 1),
                   wds.split_by_node]
    stages += [wds.split_by_worker, wds.tarfile_to_samples()]
    if keys is not None:
        stages.append(wds.select(functools.partial(_key_in, frozenset(keys))))
    stages += [wds.detshuffle(shuffle_buffer, min(shuffle_buffer, 100), seed=seed, epoch=epoch - 1),
               EpochMap(transform, epoch),
               wds.batched(batch_size, collation_fn=collate, partial=not resampled),
               # a last batch of one sample breaks batch norm in training mode: skip it
               wds.select(_not_single)]
    pipeline = wds.DataPipeline(*stages)
    if resampled:
        pipeline = pipeline.with_epoch(batches_per_epoch or 1)
    return pipeline


def train_loader(pipeline: wds.DataPipeline, workers: int, pin_memory: bool) -> DataLoader:
    """Batches come from the pipeline; the loader only runs it in worker processes."""
    return DataLoader(pipeline, batch_size=None, num_workers=workers, pin_memory=pin_memory,
                      persistent_workers=workers > 0, prefetch_factor=4 if workers > 0 else None,
                      multiprocessing_context=WORKER_START if workers > 0 else None)


class ExactSplit(Dataset):
    """Every sample of a split (or of chosen keys) exactly once, by index, through wids."""

    def __init__(self, release: ReleaseInfo, splits: Iterable[str], transform: Transform,
                 keys: set[str] | None = None) -> None:
        import wids  # needs torch (undeclared by wids); read in place, no cache copy

        self.transform = transform
        self.parts, self.index = [], []
        manifest = release.manifest()
        for split in splits:
            with contextlib.redirect_stdout(io.StringIO()):  # wids prints a line per dataset
                part = wids.ShardListDataset(str(release.path / f"{split}.shardindex.json"),
                                             cache_dir=str(release.path), transformations=[])
            order = manifest[manifest["split"] == split]["key"].tolist()  # = tar order
            self.parts.append(part)
            self.index += [(len(self.parts) - 1, i, key) for i, key in enumerate(order)
                           if keys is None or key in keys]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict:
        part, position, key = self.index[i]
        raw = self.parts[part][position]
        if raw["__key__"] != key:  # the manifest and the shard index disagree: never guess
            raise RuntimeError(f"sample {position} of split part {part} is {raw['__key__']}, "
                               f"the manifest says {key}")
        return self.transform(decode_sample(raw), 0)

    def keys(self) -> list[str]:
        return [key for _, _, key in self.index]


def eval_loader(dataset: ExactSplit, batch_size: int, workers: int) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers,
                      collate_fn=collate, multiprocessing_context=WORKER_START if workers else None)


def seed_for(*parts: Any) -> int:
    """A 63-bit seed from any values (keys, epochs): stable across processes and runs."""
    import hashlib

    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def image_array(image: Image.Image, mode: str) -> np.ndarray:
    """PIL -> uint8 HxWxC array in the experiment's colour mode ("L" or "RGB")."""
    array = np.asarray(image if image.mode == mode else image.convert(mode), dtype=np.uint8)
    return array[:, :, None] if array.ndim == 2 else array


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 NxHxWxC images -> float NxCxHxW (channels_last in memory: a view, no copy), centred
    on 0 as (pixel/255 - 0.5) / 0.25. Networks without batch norm (the artist CNN) need centred
    inputs to learn. Images stay 8-bit and HWC through the loader: no transposing copy per
    sample, a quarter of the bytes between processes."""
    return (images.permute(0, 3, 1, 2).float() - 127.5) / 63.75
