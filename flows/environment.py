"""Process-wide settings applied before Prefect is imported: work dir, PREFECT_HOME, no analytics."""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import subprocess
import sys
import threading

from core.errors import InksetError
from core.lifetime import sigterm_with_parent
from core.paths import work_dirs


def configure(home: str | None = None) -> None:
    """Point INKSET_HOME and PREFECT_HOME at the work dir and turn Prefect's analytics off."""
    dirs = work_dirs(home)
    os.environ["INKSET_HOME"] = str(dirs.home)
    os.environ.setdefault("PREFECT_HOME", str(dirs.prefect))
    # Prefect creates its home without parents; its server then fails on "unable to open database"
    try:
        os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
    except OSError as error:
        raise InksetError(f"work dir {dirs.home} is not writable (cannot create "
                          f"{os.environ['PREFECT_HOME']}: {error.strerror or error}); choose "
                          f"another with --home or INKSET_HOME") from None
    tie_ephemeral_server()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The ephemeral server is what `make demo` runs on; a user with a real server sets PREFECT_API_URL.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


EPHEMERAL_SERVER_MODULE = "prefect.server.api.server"


class _SubprocessDyingWithUs:
    """The `subprocess` module as Prefect's server module sees it: a Popen from the main thread
    gets SIGTERM when this process dies (core/lifetime.py), so a killed run leaves no server
    holding the work dir's database; everything else is the real module."""

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args, **kwargs):  # noqa: N802 - subprocess's name
        if threading.current_thread() is threading.main_thread():  # PDEATHSIG is per thread
            kwargs.setdefault("preexec_fn", sigterm_with_parent)
        return subprocess.Popen(*args, **kwargs)


class _TieOnImport(importlib.abc.MetaPathFinder):
    """Patches Prefect's ephemeral server module when Prefect imports it (lazily, in
    get_client): importing it here ourselves would slow every command down."""

    def find_spec(self, name, path, target=None):
        if name != EPHEMERAL_SERVER_MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module) -> None:
            run_module(module)
            module.subprocess = _SubprocessDyingWithUs()

        spec.loader.exec_module = exec_module
        return spec


def tie_ephemeral_server() -> None:
    """Make Prefect's ephemeral server (a uvicorn child) die with this process."""
    if EPHEMERAL_SERVER_MODULE in sys.modules:
        sys.modules[EPHEMERAL_SERVER_MODULE].subprocess = _SubprocessDyingWithUs()
    elif not any(isinstance(f, _TieOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _TieOnImport())
