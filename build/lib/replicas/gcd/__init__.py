"""A loopback Grand Comics Database (routes.py) serving generated ground truth (data.py)."""
from replicas.gcd.data import (ALL_NAMES, GcdTruth, Issue, draw_cover, generate_truth,
                                       next_state, replica_truth, write_raw_store)
from replicas.gcd.pages import issue_html
from replicas.gcd.routes import GcdReplica

__all__ = ["ALL_NAMES", "GcdReplica", "GcdTruth", "Issue", "draw_cover", "generate_truth",
           "issue_html", "next_state", "replica_truth", "write_raw_store"]
