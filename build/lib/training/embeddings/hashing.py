"""Illustration2Vec's hash: sigmoid features binarised at 0.5 and packed (4,096 bits -> 512 bytes);
Hamming k-nearest neighbours with faiss IndexBinaryFlat, or numpy when faiss is absent."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

# faiss logs each CPU-extension library it fails to load, at INFO: noise on `inkset similar`
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
try:
    import faiss
except ImportError:  # optional: the numpy search gives the same distances
    faiss = None


def pack(features: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(n, bits) sigmoid outputs -> (n, bits / 8) uint8; a bit is set where the output > 0.5."""
    features = np.asarray(features)
    if features.shape[1] % 8:
        raise ValueError(f"{features.shape[1]} bits do not pack into whole bytes")
    return np.packbits(features > threshold, axis=1)


# popcount of every byte value, for the numpy Hamming distance
_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(1).astype(np.int32)


def hamming(queries: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """(q, bytes) x (n, bytes) -> (q, n) int32 Hamming distances."""
    return _POPCOUNT[np.bitwise_xor(queries[:, None, :], codes[None, :, :])].sum(-1)


def search_numpy(codes: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(distances, ids) of the k nearest codes per query; ties broken by the lower id."""
    k = min(k, len(codes))
    distances = np.empty((len(queries), k), dtype=np.int32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 256):  # bounded memory: 256 x n x bytes at a time
        block = hamming(queries[start:start + 256], codes)
        order = np.argsort(block, axis=1, kind="stable")[:, :k]
        ids[start:start + 256] = order
        distances[start:start + 256] = np.take_along_axis(block, order, axis=1)
    return distances, ids


class HammingIndex:
    """Exact Hamming search over packed codes; faiss IndexBinaryFlat when installed."""

    def __init__(self, codes: np.ndarray, use_faiss: bool | None = None) -> None:
        self.codes = np.ascontiguousarray(codes, dtype=np.uint8)
        self.bits = self.codes.shape[1] * 8
        self.faiss = (faiss is not None) if use_faiss is None else use_faiss
        if self.faiss:
            self.index = faiss.IndexBinaryFlat(self.bits)
            self.index.add(self.codes)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.uint8)
        if self.faiss:
            distances, ids = self.index.search(queries, min(k, len(self.codes)))
            return distances.astype(np.int32), ids.astype(np.int64)
        return search_numpy(self.codes, queries, k)

    def neighbours(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each code's k nearest other codes (itself removed even when a duplicate ties it)."""
        distances, ids = self.search(self.codes, k + 1)
        out_d = np.empty((len(ids), k), dtype=np.int32)
        out_i = np.empty((len(ids), k), dtype=np.int64)
        for row, (d, i) in enumerate(zip(distances, ids)):
            keep = i != row
            out_d[row], out_i[row] = d[keep][:k], i[keep][:k]
        return out_d, out_i

    def save(self, path: Path, keys: list[str]) -> None:
        """codes + keys (npz); plus the faiss index file beside it when faiss is used."""
        np.savez_compressed(path, codes=self.codes, keys=np.array(keys))
        if self.faiss:
            faiss.write_index_binary(self.index, str(Path(path).with_suffix(".faiss")))

    @classmethod
    def load(cls, path: Path) -> tuple["HammingIndex", list[str]]:
        saved = np.load(path)
        return cls(saved["codes"]), saved["keys"].tolist()
