"""`python -m training.train RUN_DIR [--resume]`: the fit phase alone, the entry torchrun starts
once per process (`torchrun --nproc_per_node N -m training.train RUN_DIR`)."""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from .config import read_run_config
from .runner import fit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    args = parser.parse_args(argv)
    rank = os.environ.get("RANK", "0")
    logging.basicConfig(level=logging.INFO if rank == "0" else logging.WARNING,
                        format=f"%(asctime)s rank{rank} %(name)s: %(message)s")
    fit(read_run_config(args.run_dir), args.run_dir, resume=args.resume)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
