"""Write a stream of (shard, members, row) into named shards, one open at a time, resumable."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from preprocess.release import shards


def split_and_index(name: str) -> tuple[str, int]:
    split, _, index = name.rpartition("-")
    return split, int(index)


class ShardSink:
    """Shards are finished in stream order; a finished shard (its _stats.json) is never rewritten."""

    def __init__(self, out_dir: Path, spool: Path | None = None) -> None:
        self.out_dir = out_dir
        self.spool = spool
        self.open: shards.OpenShard | None = None
        self.finished: list[str] = []
        self._spooled: list[str] = []

    def done(self, name: str) -> bool:
        return shards.is_complete(self.out_dir, name)

    def _switch(self, name: str) -> shards.OpenShard:
        if self.open is not None and self.open.name != name:
            self.close_open()
        if self.open is None:
            self.open = shards.OpenShard(self.out_dir, *split_and_index(name))
        return self.open

    def write(self, name: str, members: dict[str, Any], row: dict[str, Any]) -> None:
        self._switch(name).write(members, row)

    def note(self, name: str, row: dict[str, Any]) -> None:
        self._switch(name).note(row)

    def spooled(self, spool_name: str) -> None:
        """Kept outcomes of the open shard: deleted once the shard is finished."""
        self._spooled.append(spool_name)

    def close_open(self) -> None:
        if self.open is None:
            return
        self.open.close()
        self.finished.append(self.open.name)
        self.open = None
        if self.spool:
            for name in self._spooled:
                (self.spool / name).unlink(missing_ok=True)
        self._spooled = []

    def close(self) -> None:
        self.close_open()
        if self.spool and self.spool.is_dir():
            shutil.rmtree(self.spool, ignore_errors=True)
