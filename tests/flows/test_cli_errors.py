"""`inkset` turns an InksetError into one line on stderr and its exit status; --debug re-raises."""
from __future__ import annotations

import argparse

import pytest

from core.errors import InksetError, UsageError
from flows import cli


def fake_parser(error: Exception) -> argparse.ArgumentParser:
    def fail(args):
        raise error
    parser = argparse.ArgumentParser(prog="inkset")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=fail)
    return parser


@pytest.mark.parametrize("error, status", [(UsageError("unknown stage 'x'"), 2),
                                           (InksetError("/data/m109: not a Manga109 root"), 1)])
def test_an_inkset_error_is_one_line_and_a_status(monkeypatch, capsys, error, status):
    monkeypatch.setattr(cli.environment, "configure", lambda home: None)
    monkeypatch.setattr(cli, "build_parser", lambda: fake_parser(error))
    monkeypatch.delenv("INKSET_DEBUG", raising=False)
    assert cli.main([]) == status
    assert capsys.readouterr().err == f"inkset: error: {error}\n"


@pytest.mark.parametrize("argv, env", [(["--debug"], None), ([], "1")])
def test_debug_shows_the_exception(monkeypatch, argv, env):
    monkeypatch.setattr(cli.environment, "configure", lambda home: None)
    monkeypatch.setattr(cli, "build_parser", lambda: fake_parser(InksetError("boom")))
    if env:
        monkeypatch.setenv("INKSET_DEBUG", env)
    else:
        monkeypatch.delenv("INKSET_DEBUG", raising=False)
    with pytest.raises(InksetError, match="boom"):
        cli.main(argv)
