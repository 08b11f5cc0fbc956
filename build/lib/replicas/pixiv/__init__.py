"""A loopback Pixiv (routes.py) serving generated artists and works (data.py)."""
from replicas.pixiv.data import (PixivTruth, Work, draw, generate_truth, next_state,
                                         replica_truth, tag_pairs)
from replicas.pixiv.routes import PixivReplica, write_raw_store

__all__ = ["PixivReplica", "PixivTruth", "Work", "draw", "generate_truth", "next_state",
           "replica_truth", "tag_pairs", "write_raw_store"]
