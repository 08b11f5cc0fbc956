"""A loopback Pixiv (routes.py) serving generated artists and works (data.py)."""
from spiders.replicas.pixiv.data import PixivTruth, Work, draw, generate_truth, tag_pairs
from spiders.replicas.pixiv.routes import PixivReplica, write_raw_store

__all__ = ["PixivReplica", "PixivTruth", "Work", "draw", "generate_truth", "tag_pairs",
           "write_raw_store"]
