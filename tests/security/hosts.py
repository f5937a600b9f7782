"""Hostile hosts on loopback for crawl-level attacks, and a tripwire for the crawl child.

A `Host` is an HTTP server on one loopback address (127.0.0.1, 127.0.0.2…: a second *host*, not
only a second port) answering by a script function and recording every request line, header
and body it received. `install_tripwire` (the `tripwire` fixture) makes every crawl child
started meanwhile refuse, and log, any connection to an address off this machine: a guard that
fails shows up as a logged attempt, and nothing ever leaves the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

#: Rows of the crawl-bounds measurements (case, peak RSS MB, seconds, outcome), printed at the
#: end of the run by conftest.
MEASURED: list[tuple[str, float, float, str]] = []

#: What a script returns: status, headers, and a body (bytes, or chunks streamed chunked).
Answer = tuple[int, dict[str, str], bytes | Iterator[bytes]]
Script = Callable[["Seen"], Answer]


@dataclass(frozen=True)
class Seen:
    """One request as the host received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """Request line, headers and body as one string (what a leak search reads)."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('latin-1')}"


@dataclass
class Host:
    """A loopback HTTP host answering by `script`; `seen` lists what it received."""

    script: Script
    address: str = "127.0.0.1"
    seen: list[Seen] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Its origin, e.g. http://127.0.0.2:41234."""
        assert self._httpd is not None, "host not started"
        return f"http://{self.address}:{self._httpd.server_address[1]}"

    def __enter__(self) -> Host:
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                host.seen.append(seen)
                status, headers, body = host.script(seen)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if isinstance(body, bytes):
                        if "Content-Length" not in headers:
                            self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                    if "Content-Length" in headers:  # a declared size, streamed as it goes
                        self.end_headers()
                        for chunk in body:
                            self.wfile.write(chunk)
                        return
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for chunk in body:  # stops when the crawler hangs up
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = do_HEAD = _answer

        self._httpd = ThreadingHTTPServer((self.address, 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def redirect(location: str, status: int = 302) -> Answer:
    """A redirect answer."""
    return status, {"Location": location}, b""


def json_answer(data: Any, status: int = 200) -> Answer:
    """A JSON answer."""
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def zeros(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """`total` zero bytes in chunks (a body that is never held whole by the server)."""
    block = b"\0" * chunk
    for _ in range(total // chunk):
        yield block


def gzip_bomb(decompressed: int) -> bytes:
    """A gzip body of `decompressed` zero bytes (~1 KB per MB: 1 GB → ~1 MB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [comp.compress(block) for _ in range(decompressed >> 20)]
    return b"".join(parts) + comp.flush()


_TRIPWIRE = """\
import ipaddress, os, sys
_log = os.environ.get("HORIZON_TRIPWIRE_LOG")
def _hook(event, args):
    if event != "socket.connect" or not _log:
        return
    address = args[1]
    host = address[0] if isinstance(address, tuple) else str(address)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_loopback:
        with open(_log, "a") as fh:
            fh.write(host + "\\n")
        raise PermissionError("tripwire: connection off this machine blocked: " + host)
sys.addaudithook(_hook)
"""


def install_tripwire(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make crawl children started from now on (through PYTHONPATH) refuse and log connections
    off this machine; returns the log, empty while the guards hold."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(_TRIPWIRE, encoding="utf-8")
    log = folder / "attempts.log"
    log.write_text("", encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("HORIZON_TRIPWIRE_LOG", str(log))
    return log
