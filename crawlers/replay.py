"""A loopback HTTP server that replays recorded responses by route, with scripted faults.

A manifest is a list of routes; a request is answered by the first route whose method, path and
selected query parameters (or JSON body keys) match. Unmatched requests get 404. Spiders crawl it
exactly as they crawl the live source: only their base URL differs.

Manifest (JSON, `manifest.json` in a folder, body paths relative to that folder)::

    {"routes": [{"path": "/works", "match": {"cursor": "*"}, "status": 200,
                 "headers": {"Content-Type": "application/json"}, "body": "works_1.json"}]}

Route keys: `path`, `path_re` (a regular expression the whole path must match, instead of
`path`), `method` (GET), `match` (query param → exact value, or null for absent),
`match_re` (query param → regular expression, full match), `match_body` (top-level JSON body key →
value), `status` (200), `headers`, one of `body` (file) / `text` (inline), `times` (answer only the
first N matching requests, then fall through: scripted faults), `delay` (seconds before answering)
and `ranges` (answer a `Range: bytes=a-b` request with 206 and that slice, as a file host does).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

MANIFEST_NAME = "manifest.json"


@dataclass
class Route:
    """One recorded answer and the requests it answers."""

    path: str
    method: str = "GET"
    path_re: str | None = None
    match: dict[str, str | None] = field(default_factory=dict)
    match_re: dict[str, str] = field(default_factory=dict)
    match_body: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Path | None = None
    text: str | None = None
    times: int | None = None
    delay: float = 0.0
    ranges: bool = False
    hits: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], root: Path | None) -> Route:
        """Build a route from its manifest entry; body paths resolve against `root`."""
        body = data.get("body")
        if body is not None:
            body = Path(body)
            if not body.is_absolute() and root is not None:
                body = root / body
        return cls(
            path=str(data.get("path", "")),
            path_re=data.get("path_re"),
            method=str(data.get("method", "GET")).upper(),
            match=dict(data.get("match") or {}),
            match_re=dict(data.get("match_re") or {}),
            match_body=dict(data.get("match_body") or {}),
            status=int(data.get("status", 200)),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
            body=body,
            text=data.get("text"),
            times=data.get("times"),
            delay=float(data.get("delay", 0.0)),
            ranges=bool(data.get("ranges", False)),
        )

    def matches(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> bool:
        """Whether this route answers the request (and has answers left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if method != self.method:
            return False
        if self.path_re is not None:
            if not re.fullmatch(self.path_re, path):
                return False
        elif path != self.path:
            return False
        for key, want in self.match.items():
            got = query.get(key)
            if want is None:
                if got is not None:
                    return False
            elif got is None or got[0] != str(want):
                return False
        for key, pattern in self.match_re.items():
            got = query.get(key)
            if got is None or not re.fullmatch(pattern, got[0], flags=re.DOTALL):
                return False
        if self.match_body:
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                return False
            if not isinstance(payload, dict):
                return False
            if any(payload.get(k) != v for k, v in self.match_body.items()):
                return False
        return True

    def payload(self) -> bytes:
        """The body to send."""
        if self.body is not None:
            return self.body.read_bytes()
        return (self.text or "").encode("utf-8")


def load_routes(
    manifest_or_dir: Path | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[Route]:
    """Routes from a manifest folder, manifest file, manifest dict or list of route dicts."""
    if isinstance(manifest_or_dir, Path | str):
        path = Path(manifest_or_dir)
        if path.is_dir():
            path = path / MANIFEST_NAME
        data = json.loads(path.read_text(encoding="utf-8"))
        root: Path | None = path.parent
    else:
        data, root = manifest_or_dir, None
    entries = data["routes"] if isinstance(data, Mapping) else data
    return [Route.from_dict(entry, root) for entry in entries]


def build_manifest(responses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A manifest from recorded responses: each has `path`, optional `match`, `status`, `headers`,
    and `body` (a file, absolute or relative to where the manifest is written) or `text`."""
    routes = []
    for resp in responses:
        route = {"path": resp["path"], "status": int(resp.get("status", 200))}
        for key in (
            "path_re",
            "method",
            "match",
            "match_re",
            "match_body",
            "headers",
            "times",
            "delay",
            "ranges",
            "text",
        ):
            if resp.get(key) is not None:
                route[key] = resp[key]
        if resp.get("body") is not None:
            route["body"] = str(resp["body"])
        routes.append(route)
    return {"routes": routes}


class ReplayServer:
    """The server: start it, read `url`, look at `requests`, stop it."""

    def __init__(
        self, manifest_or_dir: Path | Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> None:
        self.routes = load_routes(manifest_or_dir)
        #: (method, path with query, status, time.monotonic()) of every request answered.
        self.requests: list[tuple[str, str, int, float]] = []
        #: (headers, body) of every request answered, in the same order: what a spider sends.
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:41234."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def resolve(self, method: str, target: str, body: bytes) -> Route | None:
        """The route answering a request, counting the hit."""
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            for route in self.routes:
                if route.matches(method, parts.path, query, body):
                    route.hits += 1
                    return route
        return None

    def start(self) -> ReplayServer:
        """Listen on 127.0.0.1 on a free port, in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                route = server.resolve(self.command, self.path, body)
                if route is None:
                    status, headers, payload = (
                        404,
                        {"Content-Type": "text/plain"},
                        b"not recorded\n",
                    )
                else:
                    if route.delay:
                        time.sleep(route.delay)
                    status, headers, payload = route.status, route.headers, route.payload()
                    wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
                    if route.ranges and wanted and status == 200:
                        first = int(wanted[1])
                        last = min(int(wanted[2] or len(payload) - 1), len(payload) - 1)
                        headers = {
                            **headers,
                            "Content-Range": f"bytes {first}-{last}/{len(payload)}",
                        }
                        status, payload = 206, payload[first : last + 1]
                with server._lock:
                    server.requests.append((self.command, self.path, status, time.monotonic()))
                    server.received.append((dict(self.headers.items()), body))
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = _answer

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a stalled answer must not hold up stop()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, name="replay"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve(manifest_or_dir: Path | Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """Serve a manifest on loopback for the duration of the block; yields the base URL."""
    with ReplayServer(manifest_or_dir) as server:
        yield server.url
