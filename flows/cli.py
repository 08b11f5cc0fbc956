"""The `inkset` command: one subcommand per stage, each a thin wrapper over a Prefect flow."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from flows import environment
from preprocess.errors import InksetError

# Each module defines `register(subparsers)`, adding its subcommands with `func=` defaults.
# A module listed here that does not exist yet is skipped (stages land one issue at a time).
STAGE_MODULES = (
    "flows.release",   # verify, publish
    "flows.demo",      # demo
    "flows.manga109",  # manga109
    "flows.gcd",       # crawl-gcd, gcd
    "flows.pixiv",     # crawl-pixiv, pixiv
    "flows.share",     # fetch, cat (publish <url> lives in flows.release)
    "flows.download",  # download, rebuild
)

# Commands that need no Prefect: only their own module is imported (start-up ~0.5 s, not ~3 s;
# it counts in `inkset download`'s images/s). `inkset --help` still lists every stage.
LIGHT_STAGES = {"download": "flows.download", "rebuild": "flows.download",
                "fetch": "flows.share", "cat": "flows.share"}


def build_parser(modules: tuple[str, ...] = STAGE_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkset",
        description="Build comics/manga/illustration datasets: crawl, parse, crop, shard, train.",
    )
    parser.add_argument("--home", help="work dir for data/, releases/, runs/, reports/ "
                        "(default: $INKSET_HOME or the current directory)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error (also: INKSET_DEBUG=1)")
    subparsers = parser.add_subparsers(dest="stage", metavar="<stage>", required=True)
    for name in modules:
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
    early.add_argument("--debug", action="store_true")
    known = early.parse_known_args(argv)[0]
    debug = known.debug or os.environ.get("INKSET_DEBUG", "") not in ("", "0")
    try:
        environment.configure(known.home)
        words = [w for w in (sys.argv[1:] if argv is None else argv) if not w.startswith("-")]
        light = LIGHT_STAGES.get(words[0]) if words and not known.home else None
        args = (build_parser((light,)) if light else build_parser()).parse_args(argv)
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return int(args.func(args) or 0)
    except InksetError as error:
        if debug:
            raise
        print(f"inkset: error: {error}", file=sys.stderr)
        return error.exit_status


if __name__ == "__main__":
    sys.exit(main())
