"""Errors the CLI turns into one clear line and an exit status (2: usage, 1: failure)."""
from __future__ import annotations

import re

# " at 0x7f3a9c2b1e50" in an object's repr: a memory address differs from run to run
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class InksetError(Exception):
    """A failure caused by an input (a path, a file, a site): the message names the input."""

    exit_status = 1


class UsageError(InksetError):
    """The command line or a definition asks for something that does not exist or fit."""

    exit_status = 2


def without_addresses(text: str) -> str:
    """`text` with the memory addresses of object reprs taken out (`<_io.BytesIO object at
    0x7f...>` -> `<_io.BytesIO object>`): a message that goes into a manifest is reproducible."""
    return _ADDRESS.sub("", text)
