"""A scan owns its children: Prefect's server and the crawls end with it, even after kill -9."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from horizon.processes import pid_alive

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from flows.cli import main; main()"]


def descendants(root: int) -> dict[int, str]:
    """Every live process under `root`, with its command line (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = {}, [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            try:
                found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            todo.append(pid)
    return found


def wait_gone(pids: dict[int, str], seconds: float) -> dict[int, str]:
    """The processes of `pids` still running after up to `seconds`."""
    deadline = time.monotonic() + seconds
    alive = dict(pids)
    while alive and time.monotonic() < deadline:
        alive = {p: c for p, c in alive.items() if pid_alive(p)}
        time.sleep(0.2)
    return alive


def as_foreground() -> None:
    """preexec_fn: SIGINT as a terminal's foreground command has it. A test run started in the
    background by a shell without job control inherits SIGINT ignored, and Ctrl-C would not reach."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def scan_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `horizon` child: its own Prefect home, no Prefect server to use."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "HORIZON_TEST_KILL_AT")
    }
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", **extra)  # fmt: skip
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_tied_by_die_with_parent_ends_with_a_parent_killed_by_kill_9(tmp_path):
    code = (
        "import subprocess, sys, time, functools, signal\n"
        "from horizon.processes import die_with_parent\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
        " preexec_fn=functools.partial(die_with_parent, signal.SIGTERM))\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    child = int(parent.stdout.readline())
    assert pid_alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_gone({child: "sleep"}, 10) == {}


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_no_process_of_a_scan_outlives_kill_9_of_the_scan(tmp_path):
    home = tmp_path / "ws [1]*"  # glob characters in the workspace path too
    # the scan kills itself with SIGKILL once the first crawl is back: Prefect's server runs,
    # and so may the other crawl
    # stderr to a file: an orphan holding a pipe open would block the test instead of failing it
    log = (tmp_path / "scan.err").open("wb")
    proc = subprocess.Popen(
        [*CLI, "scan", "--demo", "--home", str(home)], cwd=REPO,
        env=scan_env(tmp_path, HORIZON_TEST_KILL_AT="crawl"),
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        for pid, cmdline in descendants(proc.pid).items():
            if cmdline or pid not in seen:  # a zombie's command line reads empty
                seen[pid] = cmdline
        time.sleep(0.1)
    log.close()
    stderr = (tmp_path / "scan.err").read_text(errors="replace")
    assert proc.returncode == -signal.SIGKILL, stderr[-2000:]
    assert any("uvicorn" in c and "prefect.server" in c for c in seen.values()), seen
    assert any("crawlers.run" in c for c in seen.values()), seen
    alive = wait_gone(seen, 20)
    for pid in alive:  # orphans of a failing run are not left behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert alive == {}
    # the dead scan is listed as dead, not running
    out = subprocess.run([*CLI, "scans", "--home", str(home)], cwd=REPO, env=scan_env(tmp_path),
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "dead (its process ended" in out.stdout and "running" not in out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_on_horizon_crawl_stops_its_crawl(tmp_path):
    from crawlers.demo import demo_base_urls
    from crawlers.replay import serve

    demo = tmp_path / "demo"
    shutil.copytree(REPO / "data" / "demo", demo)
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    for route in manifest["routes"]:
        route["delay"] = 60  # every answer hangs: the crawl is busy when Ctrl-C comes
    (demo / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with serve(demo) as url:
        base = demo_base_urls(url, demo)["papers_openalex"]
        proc = subprocess.Popen(
            [*CLI, "crawl", "papers_openalex", "--base-url", base, "--config-dir", str(demo),
             "--home", str(tmp_path / "ws"), "--out", str(tmp_path / "out")],
            cwd=REPO, env=scan_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=as_foreground,
        )  # fmt: skip
        crawl: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while not crawl and time.monotonic() < deadline and proc.poll() is None:
            crawl = {p: c for p, c in descendants(proc.pid).items() if "crawlers.run" in c}
            time.sleep(0.2)
        assert crawl, proc.communicate()[1][-2000:]
        time.sleep(3)  # the crawl has started Scrapy and waits on the hanging server
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground command
        proc.communicate(timeout=60)
        assert wait_gone(crawl, 15) == {}
