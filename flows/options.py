"""Command-line options that several stage commands share."""
from __future__ import annotations


def add_render_options(parser) -> None:
    """--workers and --dask: where decoding, cropping, resizing and shard writing run."""
    parser.add_argument("--workers", type=int, default=2, help="render processes")
    parser.add_argument("--dask", nargs="?", const="local", metavar="ADDRESS",
                        help="render on Dask: a LocalCluster of --workers processes, or an "
                        "existing cluster (tcp://host:8786)")
