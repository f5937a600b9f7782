"""Run one hostile case in a forked child: bounded time and address space, audited I/O, peak RSS.

The child chdirs into a fresh temporary workspace, installs an audit hook that records every
write outside it, every socket, subprocess and read of a planted file, runs the parser, checks the
outputs for forbidden strings and reports back over a pipe. The parent reads the child's own peak
RSS from `os.wait4` and counts connections that reached the loopback trap listener.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.parsers.base import ParseError, ParseResult

#: A child running longer than this is killed (the test asserts a tighter bound).
HARD_TIMEOUT_S = 90
#: Extra address space a case may map beyond the interpreter's own (turns a runaway into an error).
ADDRESS_SPACE_MARGIN = 3 * 1024**3
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_WATCHED_EVENTS = (
    "socket.connect",
    "socket.getaddrinfo",
    "socket.bind",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "urllib.Request",
    "webbrowser.open",
)
_PATH_EVENTS = ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link")


@dataclass
class Env:
    """What the cases can point at: a trap listener on loopback and planted files with markers."""

    root: Path
    port: int
    marker: str
    secret_file: Path
    dtd_file: Path
    listener: socket.socket = field(repr=False)
    connections: int = 0

    def drain(self) -> int:
        """Accept whatever reached the trap listener; return the total so far."""
        while select.select([self.listener], [], [], 0)[0]:
            conn, _ = self.listener.accept()
            conn.close()
            self.connections += 1
        return self.connections


def make_env(root: Path) -> Env:
    """A loopback trap listener and files whose content must never appear in any output."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    marker = "PLANTED-" + os.urandom(8).hex()
    secret_file = root / "planted-secret.txt"
    secret_file.write_text(f"{marker}\n")
    dtd_file = root / "planted.dtd"
    dtd_file.write_text(f'<!ENTITY planted "{marker}">\n<!ENTITY title "{marker}">\n')
    return Env(root, listener.getsockname()[1], marker, secret_file, dtd_file, listener)


@dataclass
class Outcome:
    """What one case did."""

    status: str  # parsed | quarantined | crash | killed
    reason: str = ""
    error_type: str = ""
    records: int = 0
    rejects: int = 0
    record_ids: list[str] = field(default_factory=list)
    reject_reasons: list[str] = field(default_factory=list)
    forbidden_found: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    peak_rss_mb: float = 0.0
    connections: int = 0


#: Outcomes per target, for the run's closing summary (filled by the hostile-input tests).
OUTCOMES: dict[str, list[tuple[str, Outcome]]] = defaultdict(list)
#: Peak RSS of a child that parses nothing, once measured.
BASELINE_MB: list[float] = []


def _audit(workspace: str, watched: set[str], violations: list[str]) -> Callable[..., None]:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, str | bytes | os.PathLike):
                return
            text = os.fsdecode(path)
            writing = bool(mode and any(c in str(mode) for c in "wax+")) or bool(
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            full = os.path.abspath(text)
            if writing and not full.startswith(workspace):
                violations.append(f"write {full}")
            if full in watched:
                violations.append(f"read {full}")
        elif event in _WATCHED_EVENTS:
            violations.append(f"{event} {str(args)[:120]}")
        elif event in _PATH_EVENTS and args:
            full = os.path.abspath(os.fsdecode(args[0])) if isinstance(args[0], str | bytes) else ""
            if not full.startswith(workspace):
                violations.append(f"{event} {full}")

    return hook


def _dump(result: ParseResult | str) -> tuple[str, dict[str, Any]]:
    """Everything a case produced, as text to scan, and the summary counts."""
    if isinstance(result, str):
        return result, {"records": 1 if result else 0}
    parts = [r.model_dump_json() for r in result.records]
    parts += [r.model_dump_json() for r in result.rejects]
    parts += [str(result.next_page or ""), *result.follow]
    return "\n".join(parts), {
        "records": len(result.records),
        "rejects": len(result.rejects),
        "record_ids": [r.record_id for r in result.records[:200]],
        "reject_reasons": [r.reason for r in result.rejects[:20]],
    }


def _child(run: Callable[[], ParseResult | str], forbidden: list[str], env: Env) -> dict[str, Any]:
    workspace = tempfile.mkdtemp(prefix="hostile-", dir=env.root)
    os.chdir(workspace)
    tempfile.tempdir = workspace
    violations: list[str] = []
    watched = {str(env.secret_file), str(env.dtd_file), "/etc/passwd", "/etc/shadow"}
    sys.addaudithook(_audit(workspace, watched, violations))
    start = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        result = run()
        text, counts = _dump(result)
        out |= counts
        is_result = isinstance(result, str) or result.records or not result.rejects
        out["status"] = "parsed" if is_result else "quarantined"
        if not isinstance(result, str) and not result.records and result.rejects:
            out["reason"] = result.rejects[0].reason
        if isinstance(result, str) and not result:
            out["status"], out["reason"] = "quarantined", "no article text"
    except ParseError as exc:
        text = str(exc)
        out |= {"status": "quarantined", "reason": text, "error_type": "ParseError"}
    except BaseException as exc:
        text = str(exc)[:2000]
        out |= {"status": "crash", "reason": text[:300], "error_type": type(exc).__name__}
    out["elapsed_s"] = time.perf_counter() - start
    out["forbidden_found"] = [f for f in forbidden if f and f in text]
    leftovers = os.listdir(workspace)
    if leftovers:
        violations.append(f"files left in the workspace: {leftovers[:5]}")
    out["violations"] = violations
    return out


def _vm_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_isolated(run: Callable[[], ParseResult | str], forbidden: list[str], env: Env) -> Outcome:
    """Fork, run the case under limits, and report its outcome and the child's peak RSS."""
    before = env.drain()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read_fd)
            signal.alarm(HARD_TIMEOUT_S)
            limit = _vm_bytes() + ADDRESS_SPACE_MARGIN
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            payload = json.dumps(_child(run, forbidden, env)).encode()
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    peak_mb = usage.ru_maxrss / 1024
    data = b"".join(chunks)
    if not data:
        signalled = os.WIFSIGNALED(status) and os.WTERMSIG(status)
        return Outcome(
            status="killed",
            reason=f"child ended without a report (signal {signalled or 0}, status {status})",
            peak_rss_mb=peak_mb,
            connections=env.drain() - before,
        )
    fields = json.loads(data)
    return Outcome(**fields, peak_rss_mb=peak_mb, connections=env.drain() - before)
