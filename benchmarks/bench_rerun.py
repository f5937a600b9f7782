"""An unchanged week: `horizon scan --demo` twice in a fresh workspace, the second run against the
first (wall and CPU seconds of the whole command, its children included).

The second scan crawls the same demo corpus again: everything after the crawl that does not depend
on what changed (nothing did) should cost little. Issue #18's goal: second / first ≤ 0.2 (wall).

Run: python benchmarks/bench_rerun.py [--home DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HORIZON = Path(sys.executable).with_name("horizon")
_STAGE = re.compile(r"^(\w+)\s")


def run_once(home: Path) -> dict[str, Any]:
    """One `horizon scan --demo` in `home`: wall, CPU (user + system, children too), peak RSS."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(HORIZON), "scan", "--demo", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.stderr.write(out.decode(errors="replace")[-3000:])
        raise SystemExit(f"horizon scan --demo failed (status {status})")
    return {
        "wall_s": wall,
        # the command's own CPU and that of the children it waited for (spiders, Prefect server)
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the demo scan twice and print the ratio."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path, help="workspace (default: a fresh temporary one)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="horizon-rerun-"))
    shutil.rmtree(home, ignore_errors=True)
    first = run_once(home)
    second = run_once(home)
    out = {
        "home": str(home),
        "first": first,
        "second": second,
        "rerun_over_first_wall": second["wall_s"] / first["wall_s"],
        "rerun_over_first_cpu": second["cpu_s"] / first["cpu_s"],
    }
    for name in ("first", "second"):
        r = out[name]
        print(f"{name:7s} wall {r['wall_s']:7.1f} s  CPU {r['cpu_s']:7.1f} s  peak {r['peak_rss_gb']:.2f} GB")  # fmt: skip
    print(f"re-run / first: wall {out['rerun_over_first_wall']:.2f}, CPU {out['rerun_over_first_cpu']:.2f} (goal ≤ 0.2)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
