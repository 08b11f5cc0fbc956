"""The `inkset` command: one subcommand per stage, each a thin wrapper over a Prefect flow."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from types import ModuleType
from typing import Sequence

from core.errors import InksetError
from flows import environment

# Commands that need no Prefect: only their own module is imported (start-up ~0.5 s, not ~3 s;
# it counts in `inkset download`'s images/s). `inkset --help` still lists every stage.
LIGHT_STAGES = {"download": "flows.download", "rebuild": "flows.download",
                "fetch": "flows.sharing", "cat": "flows.sharing", "similar": "flows.similar"}


def stage_modules() -> tuple[ModuleType, ...]:
    """Every stage module, in the order `inkset --help` lists them; each defines
    `register(subparsers)`, adding its subcommands with `func=` defaults. Imported here, not at
    the top: most of them import Prefect, which the LIGHT_STAGES do without."""
    from flows import (demo, download, gcd, manga109, pixiv, refresh, release, replica_releases,
                       serve, sharing, similar, train)

    return (release,           # verify, publish, metadata-only, build-folder
            demo,              # demo
            manga109,          # manga109
            gcd,               # crawl-gcd, gcd
            pixiv,             # crawl-pixiv, pixiv
            train,             # train, evaluate, report
            replica_releases,  # replicas (scaled replica releases)
            refresh,           # refresh, takedown
            serve,             # serve
            sharing,           # fetch, cat (publish <url> lives in flows.release)
            download,          # download, rebuild
            similar)           # similar


def build_parser(modules: Sequence[ModuleType] | None = None) -> argparse.ArgumentParser:
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
    for module in stage_modules() if modules is None else modules:
        module.register(subparsers)
    return parser


def _quiet_tracebacks() -> None:
    """Prefect logs a failed run with its traceback: for an InksetError the message is enough."""
    make_record = logging.getLogRecordFactory()

    def record(*args, **kwargs) -> logging.LogRecord:
        made = make_record(*args, **kwargs)
        if made.exc_info and isinstance(made.exc_info[1], InksetError):
            made.exc_info = None
        return made
    logging.setLogRecordFactory(record)


# inkset's own packages: their INFO lines (a release complete, resumed, unchanged, kept as it is)
# are what a person running a stage wants to see; other libraries stay at WARNING
OWN_PACKAGES = ("core", "preprocess", "share", "spiders", "training", "replicas", "flows")


def console_logging(verbose: bool) -> None:
    """Prefect, once imported, owns the root logger's console handler at WARNING; without it
    (the light stages) a plain handler is added. Either way inkset's loggers pass INFO to it."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in OWN_PACKAGES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.INFO)
    if not verbose:  # Prefect announces its ephemeral server (and a docs link) on every command
        logging.getLogger("prefect").addFilter(_not_the_server_banner)


def _not_the_server_banner(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(("Starting temporary server",
                                           "Stopping temporary server"))


def main(argv: list[str] | None = None) -> int:
    # Prefect reads its settings when first imported (by the stage modules), so the work dir
    # and PREFECT_HOME must be in the environment before the parser is built.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--home")
    early.add_argument("--debug", action="store_true")
    known = early.parse_known_args(argv)[0]
    debug = known.debug or os.environ.get("INKSET_DEBUG", "") not in ("", "0")
    if not debug:
        _quiet_tracebacks()
    try:
        environment.configure(known.home)
        words = [w for w in (sys.argv[1:] if argv is None else argv) if not w.startswith("-")]
        light = LIGHT_STAGES.get(words[0]) if words and not known.home else None
        args = parse(build_parser((importlib.import_module(light),)) if light
                     else build_parser(), argv)
        console_logging(args.verbose)
        return int(args.func(args) or 0)
    except InksetError as error:
        if debug:
            raise
        print(f"inkset: error: {error}", file=sys.stderr)
        return error.exit_status


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """parse_args, except that key=value settings may follow options (`inkset train EXP
    --dataset X optim.epochs=3`): argparse hands a trailing positional list to the first
    positional it sees, so they are collected here."""
    args, extra = parser.parse_known_args(argv)
    if hasattr(args, "settings") and all("=" in e and not e.startswith("-") for e in extra):
        args.settings = [*args.settings, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


if __name__ == "__main__":
    sys.exit(main())
