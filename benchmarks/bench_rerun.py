"""An unchanged week of the demo: the first scan of a fresh workspace, then the same scan again.

Two measurements, both printed:

- **steady state** (`--mode process`): one long-lived Python process imports the flow, starts
  Prefect's local server, then runs the weekly scan flow `--runs` times (default 3) in the same
  fresh workspace. The start-up (imports, server) is timed and reported on its own line, never
  inside a scan. This is what a process that stays up between weeks pays per week. Issue #18's
  goal: an unchanged re-run ≤ 0.2 of the first scan's wall time.
  A scan's stages are timed from the flow's progress reports (crawl, normalize, ..., brief).
  Prefect 3.9's `flow.serve` (`horizon serve`) keeps the server and the runner up between runs but
  runs each flow run in a freshly spawned process, which imports the flow again: that cost is
  measured too ("served run start-up") and belongs to each week of a served deployment.
- **two commands** (`--mode commands`): `horizon scan --demo` twice as separate commands, each
  paying its own imports and server start (the figure of earlier rounds, kept for comparison).

Wall and CPU seconds; CPU counts the children waited for: the spiders, and in `commands` also
Prefect's server (in one process the server outlives the scans, so its CPU is in no figure).

Run: python benchmarks/bench_rerun.py [--mode both|process|commands] [--runs N] [--home DIR]
     [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HORIZON = Path(sys.executable).with_name("horizon")
ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def run_command(home: Path) -> dict[str, Any]:
    """One `horizon scan --demo` in `home`: wall, CPU (user + system, children too), peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(HORIZON), "scan", "--demo", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **ENV},
    )
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.stderr.write(out.decode(errors="replace")[-3000:])
        raise SystemExit(f"horizon scan --demo failed (status {status})")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss / 2**20,
    }


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the spiders)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu

    def figures(self) -> dict[str, float]:
        """The block's wall and CPU seconds."""
        return {"wall_s": self.wall, "cpu_s": self.cpu}


def _import_flow() -> None:
    """What a served run's spawned process imports before its flow starts."""
    import flows.weekly_scan  # noqa: F401


def served_startup() -> dict[str, float]:
    """Wall seconds of a spawned process that imports the flow (as Prefect's runner spawns one per
    run of a served deployment), and its CPU seconds."""
    import multiprocessing

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=_import_flow)
    child.start()
    child.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": time.perf_counter() - start, "cpu_s": cpu}


class _Stages:
    """Wall seconds per stage, from the flow's progress(stage, message) calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage, self._since = "start", time.perf_counter()

    def __call__(self, stage: str, message: str) -> None:
        now = time.perf_counter()
        self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
        self._stage, self._since = stage, now

    def close(self) -> dict[str, float]:
        """The seconds per stage, the last one ended now."""
        self("end", "")
        return {k: round(v, 2) for k, v in self.seconds.items()}


def steady_state(home: Path, runs: int) -> dict[str, Any]:
    """Start-up once, then `runs` demo scans in one process, as a process kept between weeks."""
    os.environ.update(ENV)
    with _Clock() as imports:
        from flows.cli_scan import prefect_environment, task_runner

        prefect_environment(home)  # as `horizon scan` sets it, before Prefect is imported
        from flows import weekly_scan as ws_mod
        from flows.prefect_server import start_owned_server
    with _Clock() as server:
        owned = start_owned_server()
    flow = ws_mod.weekly_scan.with_options(task_runner=task_runner("local"))
    scans = []
    try:
        for _ in range(runs):
            stages = _Stages()
            ws_mod.progress = stages
            with _Clock() as clock:
                result = flow(home=str(home), demo=True)
            ws_mod.progress = lambda stage, message: None
            if result["status"] != "completed":
                raise SystemExit(f"scan {result['scan_id']} {result['status']}")
            scans.append(
                {**clock.figures(), "stages": stages.close(), "scan_id": result["scan_id"]}
            )
    finally:
        if owned is not None:
            owned.stop()
    return {
        "imports": imports.figures(),
        "server_start": server.figures(),
        "served_run_startup": served_startup(),
        "scans": scans,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure the demo's unchanged re-run and print the ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mode", choices=("both", "process", "commands"), default="both")
    ap.add_argument("--runs", type=int, default=3, help="scans in the long-lived process (≥ 2)")
    ap.add_argument("--home", type=Path, help="workspace folder (default: a temporary one)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    root = args.home or Path(tempfile.mkdtemp(prefix="horizon-rerun-"))
    out: dict[str, Any] = {"home": str(root), "load_average": os.getloadavg()}
    if args.mode in ("both", "commands"):
        home = root / "commands"
        shutil.rmtree(home, ignore_errors=True)
        first, second = run_command(home), run_command(home)
        out["commands"] = {
            "first": first,
            "second": second,
            "rerun_over_first_wall": second["wall_s"] / first["wall_s"],
            "rerun_over_first_cpu": second["cpu_s"] / first["cpu_s"],
        }
        print("two commands (`horizon scan --demo` twice, each with its own start-up):")
        for name in ("first", "second"):
            r = first if name == "first" else second
            print(f"  {name:7s} wall {r['wall_s']:6.1f} s  CPU {r['cpu_s']:6.1f} s  peak {r['peak_rss_gb']:.2f} GB")  # fmt: skip
        c = out["commands"]
        print(f"  re-run / first: wall {c['rerun_over_first_wall']:.2f}, CPU {c['rerun_over_first_cpu']:.2f}")  # fmt: skip
    if args.mode in ("both", "process"):
        home = root / "process"
        shutil.rmtree(home, ignore_errors=True)
        steady = steady_state(home, max(2, args.runs))
        first = steady["scans"][0]
        for r in steady["scans"]:
            r["over_first_wall"] = r["wall_s"] / first["wall_s"]
            r["over_first_cpu"] = r["cpu_s"] / first["cpu_s"]
        out["process"] = steady
        print("one long-lived process (start-up once, then the scans):")
        for name in ("imports", "server_start", "served_run_startup"):
            r = steady[name]
            print(f"  start-up, {name:18s} wall {r['wall_s']:6.1f} s  CPU {r['cpu_s']:6.1f} s")
        for i, r in enumerate(steady["scans"], 1):
            print(
                f"  scan {i}: wall {r['wall_s']:6.1f} s  CPU {r['cpu_s']:6.1f} s  "
                f"/ first: wall {r['over_first_wall']:.2f}, CPU {r['over_first_cpu']:.2f}"
            )
            print("    " + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items()))
        print(f"  unchanged re-run / first scan, wall: {steady['scans'][1]['over_first_wall']:.2f} (goal ≤ 0.2)")  # fmt: skip
        # a served week runs in a process of its own: its start-up goes with each scan
        spawn = steady["served_run_startup"]["wall_s"]
        served = (spawn + steady["scans"][1]["wall_s"]) / (spawn + first["wall_s"])
        steady["served_rerun_over_first_wall"] = served
        print(f"  served (each week spawned): re-run / first, wall: {served:.2f}")
    out["load_average_after"] = os.getloadavg()
    print(f"load average before {out['load_average'][0]:.1f}, after {out['load_average_after'][0]:.1f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
