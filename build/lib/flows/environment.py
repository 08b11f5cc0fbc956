"""Process-wide settings applied before Prefect is imported: work dir, PREFECT_HOME, no analytics."""
from __future__ import annotations

import os

from core.errors import InksetError
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
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The ephemeral server is what `make demo` runs on; a user with a real server sets PREFECT_API_URL.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
