"""Command-line options that several stage commands share."""
from __future__ import annotations

SITES = ("replica", "live")  # the loopback replicas (default, offline) or the real sites


def add_source_option(parser, help: str | None = None) -> None:
    """--source replica|live: where a stage reads or crawls from."""
    parser.add_argument("--source", choices=SITES, default="replica", help=help)


def add_render_options(parser) -> None:
    """--workers and --dask: where decoding, cropping, resizing and shard writing run."""
    parser.add_argument("--workers", type=int, default=2, help="render processes")
    parser.add_argument("--dask", nargs="?", const="local", metavar="ADDRESS",
                        help="render on Dask: a LocalCluster of --workers processes, or an "
                        "existing cluster (tcp://host:8786)")
