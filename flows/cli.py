"""The `inkset` command: one subcommand per stage, each a thin wrapper over a Prefect flow."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from flows import environment

# Each module defines `register(subparsers)`, adding its subcommands with `func=` defaults.
# A module listed here that does not exist yet is skipped (stages land one issue at a time).
STAGE_MODULES = (
    "flows.release",   # verify, publish
    "flows.demo",      # demo
    "flows.manga109",  # manga109
    "flows.gcd",       # crawl-gcd, gcd
    "flows.pixiv",     # crawl-pixiv, pixiv
    "flows.train",     # train, evaluate, report
    "flows.replicas",  # replicas (scaled replica releases)
    "flows.similar",   # similar
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkset",
        description="Build comics/manga/illustration datasets: crawl, parse, crop, shard, train.",
    )
    parser.add_argument("--home", help="work dir for data/, releases/, runs/, reports/ "
                        "(default: $INKSET_HOME or the current directory)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="stage", metavar="<stage>", required=True)
    for name in STAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a real missing dependency, not a stage still to come
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Prefect reads its settings when first imported (by the stage modules), so the work dir
    # and PREFECT_HOME must be in the environment before the parser is built.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--home")
    environment.configure(early.parse_known_args(argv)[0].home)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # key=value settings may follow options (`inkset train EXP --dataset X optim.epochs=3`);
    # argparse hands a trailing positional list to the first positional it sees, so collect them here
    if hasattr(args, "settings") and all("=" in e and not e.startswith("-") for e in extra):
        args.settings = [*args.settings, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
