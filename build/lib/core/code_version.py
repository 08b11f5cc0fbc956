"""The code version a release or a run records: the package version and the git commit."""
from __future__ import annotations

import subprocess

from core.paths import project_root


def code_version() -> str:
    """The package version, plus the git commit when running from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("inkset")
    except PackageNotFoundError:
        base = "0+unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=project_root(),
                                capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return f"{base}+g{commit}"
    except (OSError, subprocess.SubprocessError):
        return base
