"""A fast loopback image mirror for the download benchmark: aiohttp in a process of its own.

The replicas' http.server (one Python process, a thread per connection) serves about 320 small
images/s, which caps both tools on 400x600 covers; a benchmark of the clients needs a mirror
that outruns them. It still runs on the same cores as the clients, like the replica did.
`python -m benchmarks.mirror DIR PORT` serves DIR/<set>/<n>.jpg for any n as DIR/<set>/<n % 60>.jpg.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from aiohttp import web

DISTINCT = 60


def serve(root: Path, port: int) -> None:
    images = {(d.name, int(f.stem)): f.read_bytes() for d in root.iterdir() for f in d.glob("*.jpg")}

    async def image(request: web.Request) -> web.Response:
        index = int(request.match_info["n"]) % DISTINCT
        return web.Response(body=images[(request.match_info["set"], index)],
                            content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/{set}/{n:\\d+}.jpg", image)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class Mirror:
    """`with Mirror({set: [jpeg bytes, ...]}, tmp) as base:` serves base/<set>/<n>.jpg."""

    def __init__(self, served: dict[str, list[bytes]], tmp: Path) -> None:
        self.root = tmp / "mirror"
        for name, images in served.items():
            (self.root / name).mkdir(parents=True, exist_ok=True)
            for index, data in enumerate(images):
                (self.root / name / f"{index}.jpg").write_bytes(data)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def __enter__(self) -> str:
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.mirror",
                                         str(self.root), str(self.port)])
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return f"http://127.0.0.1:{self.port}"
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the benchmark mirror did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
