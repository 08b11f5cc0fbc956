"""A loopback HTTP server for replicas: 127.0.0.1 on a free port, request log, fault injection.

A replica subclasses nothing: it hands `LoopbackServer` a function `(path, headers) -> Reply`.
Faults are applied here, the same way for every replica: 429 with Retry-After to requests closer
together than `min_interval`, a number of 5xx answers per path, truncated bodies, slow answers.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Faults:
    """Fault injection, all off by default; counts are per exact path (query included)."""

    min_interval: float = 0.0          # answer 429 to requests closer together than this
    retry_after: int = 1               # the Retry-After sent with those 429s
    server_errors: dict[str, int] = field(default_factory=dict)   # path -> 503s before success
    truncate: dict[str, int] = field(default_factory=dict)        # path -> truncated answers
    slow: float = 0.0                  # seconds to wait before every answer


class LoopbackServer:
    """`with LoopbackServer(handle, faults, role) as server:`; server.base is the URL."""

    def __init__(self, handle: Callable[[str, dict], Reply], faults: Faults | None = None,
                 role: str = "site", log: list | None = None):
        self.handle, self.faults, self.role = handle, faults or Faults(), role
        self.log = log if log is not None else []
        self._lock = threading.Lock()
        self._last: float | None = None
        self._served: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> "LoopbackServer":
        handler = type("Handler", (_Handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # a short poll: shutdown() waits up to one poll interval (0.5 s by default) per server
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault(self, path: str) -> tuple[Reply | None, bool]:
        """The fault reply for this request, if any, and whether to truncate the real one."""
        faults = self.faults
        with self._lock:
            now = time.monotonic()
            too_fast = (faults.min_interval and self._last is not None
                        and now - self._last < faults.min_interval)
            self._last = now
            seen = self._served.get(path, 0)
            self._served[path] = seen + 1
        if too_fast:
            return Reply(429, b"Too Many Requests", "text/plain",
                         {"Retry-After": str(faults.retry_after)}), False
        failures = faults.server_errors.get(path, 0)
        if seen < failures:
            return Reply(503, b"Service Unavailable", "text/plain"), False
        return None, seen - failures < faults.truncate.get(path, 0)


def traffic(log: list[dict]) -> dict[str, int]:
    """Requests and bytes served, as crawl stats (`replica/...`): image bytes counted apart."""
    images = [e for e in log if str(e.get("content_type", "")).startswith("image/")]
    return {"replica/requests": len(log),
            "replica/bytes": sum(e.get("bytes", 0) for e in log),
            "replica/image_requests": len(images),
            "replica/image_bytes": sum(e.get("bytes", 0) for e in images)}


class _Handler(BaseHTTPRequestHandler):
    owner: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean; the owner keeps its own log
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        owner = self.owner
        entry = {"role": owner.role, "path": self.path, "time": time.monotonic(),
                 "referer": self.headers.get("Referer"),
                 "user_agent": self.headers.get("User-Agent"),
                 "authorization": self.headers.get("Authorization") is not None,
                 "cookie": self.headers.get("Cookie") is not None}
        owner.log.append(entry)
        if owner.faults.slow:
            time.sleep(owner.faults.slow)
        reply, truncate = owner.fault(self.path)
        if reply is None:
            reply = owner.handle(self.path, dict(self.headers.items()))
        entry["status"] = reply.status
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        # a truncated body: the announced length, half the bytes, then the connection drops
        body = reply.body[: len(reply.body) // 2] if truncate else reply.body
        entry["bytes"] = len(body)  # what a no-change refresh must not download
        entry["content_type"] = reply.content_type
        self.wfile.write(body)
        if truncate:
            entry["truncated"] = True
            self.close_connection = True
