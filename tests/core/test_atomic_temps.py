"""A killed writer's temporaries are removed by the next one; a live writer's are kept."""
from __future__ import annotations

import os
import subprocess
import sys

from core import atomic


def test_only_the_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".train-000000.tar.tmp-{dead}"
    live = atomic.temp_name(tmp_path / "train-000001.tar")
    finished = tmp_path / "train-000002.tar"
    for path in (stale, live, finished):
        path.write_bytes(b"x")
    assert atomic.remove_stale_temps(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and finished.exists()
    assert live.name.endswith(f".tmp-{os.getpid()}")
