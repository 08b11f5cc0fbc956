"""Sharing and scaling figures: publish / fetch MB/s to a loopback S3 server (moto), and the
same folder build rendered in-process (2-process pool) vs on a 2-worker Dask LocalCluster."""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from replicas.shapes import generate_shapes
from share import remote

DUMMY = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
         "AWS_DEFAULT_REGION": "us-east-1"}


def build(folder: Path, root: Path, dask: str | None) -> tuple[Path, float]:
    options = FolderOptions(size=(256, 256))
    spec = folder_spec(folder, "shapes", "1", options)
    started = time.perf_counter()
    path = build_release(spec, plan_folder(folder, "shapes", options), render_file,
                         releases_root=root, workers=2, dask=dask, progress=False).path
    return path, time.perf_counter() - started


def transfer(release: Path, tmp: Path) -> None:
    import s3fs
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(DUMMY, AWS_ENDPOINT_URL=f"http://{host}:{port}")
    try:
        s3fs.S3FileSystem(client_kwargs={"endpoint_url": f"http://{host}:{port}"}).mkdir("bench")
        sent = remote.publish_to(release, "s3://bench/shapes/1")
        got = remote.fetch("s3://bench/shapes/1", tmp / "fetched")
        print(f"share publish to loopback S3 MB/s: {sent.mb_per_s:.1f} ({sent.bytes / 1e6:.1f} MB, "
              f"{len(sent.copied)} objects; a first upload: nothing to re-read)")
        print(f"share fetch from loopback S3 MB/s: {got.mb_per_s:.1f} (every sha256 checked)")
    finally:
        server.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_shapes(tmp / "shapes", per_class=300, seed=7)
        release, plain = build(tmp / "shapes", tmp / "plain", None)
        _, on_dask = build(tmp / "shapes", tmp / "dask", "local")
        print(f"dask build seconds, 2-process pool in-process: {plain:.1f}")
        print(f"dask build seconds, 2-worker LocalCluster (cluster start included): {on_dask:.1f}")
        transfer(release, tmp)


if __name__ == "__main__":
    sys.exit(main())
