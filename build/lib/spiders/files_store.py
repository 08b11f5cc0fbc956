"""A files store for Scrapy's FilesPipeline that never leaves a half-written file behind."""
from __future__ import annotations

import os
from io import BytesIO

from scrapy.pipelines.files import FSFilesStore


class AtomicFSFilesStore(FSFilesStore):
    """Writes `<name>.part`, then renames it into place.

    FilesPipeline takes an existing file as stored (and never fetches it again): a crawl killed
    mid-write must not leave a truncated image under the final name.
    """

    def persist_file(self, path, buf: BytesIO, info, meta=None, headers=None) -> None:
        target = self._get_filesystem_path(path)
        self._mkdir(target.parent, info)
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(buf.getvalue())
        os.replace(partial, target)


# for a pipeline's STORE_SCHEMES: plain paths and file:// URIs go to the atomic store
ATOMIC_STORE_SCHEMES = {"": AtomicFSFilesStore, "file": AtomicFSFilesStore}
