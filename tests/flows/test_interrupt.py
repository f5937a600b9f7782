"""Ctrl-C on `horizon scan`: it stops within seconds with one line, and the next plain
`horizon scan` continues the same scan to the end."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from horizon.store import StoreError
from horizon.workspace import Workspace
from tests.flows.test_process_hygiene import CLI, REPO, as_foreground, scan_env

#: Two demo scans (~1–2 min each on 2 cores): outside the quick `-m "not slow"` profile.
pytestmark = pytest.mark.slow


def _stage_counts(home: Path) -> dict:
    try:
        scans = Workspace(home).store(read_only=True).scans()
    except (StoreError, OSError):
        return {}
    if scans.empty:
        return {}
    return json.loads(scans["source_counts"].iloc[0] or "{}")


def test_ctrl_c_stops_the_scan_in_one_line_and_a_plain_rerun_continues_it(tmp_path):
    home = tmp_path / "ws"
    cmd = [*CLI, "scan", "--demo", "--home", str(home)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=scan_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=as_foreground)  # fmt: skip
    deadline = time.monotonic() + 600
    while "normalize" not in _stage_counts(home) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground command
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=120)
    assert time.monotonic() - sent < 20  # seconds, not the minute and more it used to take
    assert proc.returncode == 130
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith("error: interrupted: scan "), stderr[-2000:]
    assert "Traceback" not in stderr
    scan_id = lines[0].split("scan ", 1)[1].split(" ", 1)[0]
    scans = Workspace(home).store(read_only=True).scans()
    assert scans["scan_id"].tolist() == [scan_id] and scans["status"].tolist() == ["running"]

    again = subprocess.run(cmd, cwd=REPO, env=scan_env(tmp_path), capture_output=True, text=True,
                           timeout=900)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    scans = Workspace(home).store(read_only=True).scans()
    assert scans["scan_id"].tolist() == [scan_id]  # continued, not begun afresh
    assert scans["status"].tolist() == ["completed"]
    assert f"scan {scan_id} completed" in again.stdout
