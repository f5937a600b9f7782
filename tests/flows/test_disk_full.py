"""The demo scan on a disk that fills: one line, a failed scan, and a resumed scan with every record.

It mounts a 60 MB tmpfs (root only). Where that is impossible it is skipped with the reason; the
same behaviour is asserted with ENOSPC injected in tests/flows/test_unfinished_scans.py (the
scan's side) and tests/crawlers/test_write_errors.py (the crawl's side), which run everywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from flows.cli import main; main()"]
#: A line of the scan's progress display: spinner, stage, message, elapsed time.
PROGRESS = re.compile(r"^\S \s*\w+\s.*\d+:\d{2}:\d{2}$")
#: Records of the built-in demo corpus (data/demo), every source read whole.
DEMO_RECORDS = 4090


@pytest.fixture
def small_disk(tmp_path):
    """A 60 MB tmpfs, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=60m", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()[:200]}); the ENOSPC "
                    "injection tests assert the same behaviour")  # fmt: skip
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def horizon(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`horizon ARGS` in a child; Prefect keeps its state in the workspace, as it does for users."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HORIZON_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return subprocess.run([*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1200)  # fmt: skip


@pytest.mark.slow
def test_a_full_disk_fails_the_scan_in_one_line_and_the_resumed_scan_has_every_record(
    small_disk, tmp_path
):
    home = small_disk / "ws"
    ballast = small_disk / "ballast"
    # 12 MB left: Prefect's state and the reserve fit, the crawl's output does not
    subprocess.run(["fallocate", "-l", "48M", str(ballast)], check=True)
    first = horizon("scan", "--demo", "--home", str(home), tmp_path=tmp_path)
    assert first.returncode == 2, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    errors = [line for line in first.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, first.stderr[-3000:]
    # nothing else but the progress display (no log line of Prefect's or Scrapy's)
    others = [line for line in first.stderr.splitlines() if line and line not in errors]
    assert all(PROGRESS.match(line) for line in others), others
    error = errors[0]
    assert "write failed: No space left on device writing " in error
    assert str(home) in error and "MB free there" in error
    store = Workspace(home).store(read_only=True)
    scan_id = store.scans()["scan_id"].iloc[0]
    assert f"--resume {scan_id}" in error
    row = store.scan(scan_id)
    assert row["status"] == "failed", row
    assert "write failed: No space left on device writing " in row["message"]
    ballast.unlink()  # space is freed
    second = horizon("scan", "--demo", "--home", str(home), "--resume", scan_id, tmp_path=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    row = store.scan(scan_id)
    assert row["status"] == "completed", row
    counts = json.loads(row["source_counts"])
    assert counts["normalize"]["records"] == DEMO_RECORDS
    assert all(c["finished"] for c in counts["sources"].values())
    assert len(store.read("records", scan_id)) == DEMO_RECORDS
