"""Errors the CLI turns into one clear line and an exit status (2: usage, 1: failure)."""
from __future__ import annotations


class InksetError(Exception):
    """A failure caused by an input (a path, a file, a site): the message names the input."""

    exit_status = 1


class UsageError(InksetError):
    """The command line or a definition asks for something that does not exist or fit."""

    exit_status = 2
