"""Weekly operations: incremental re-runs, readers during a scan, a source down, the Dask executor.

Every scan here reads a small demo corpus (the built-in generator at a few records per domain),
served on loopback through the real spiders, so the whole module stays quick.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from horizon.api import open_store
from horizon.config.taxonomy import DOMAIN_SLUGS
from horizon.schemas import TABLES
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
#: Columns that differ between two runs of the same scan by nature: ids, clocks, paths.
VOLATILE = {
    "scan_id",
    "started_at",
    "finished_at",
    "fetched_at",
    "created_at",
    "updated_at",
    "export_id",
    "out_dir",
    "files",
    "path",
    # the checkout's commit: in a shared tree it may move between two runs (config hashes stay)
    "code_version",
}
#: The demo replay server's address (its port changes from run to run).
LOOPBACK = r"http://127\.0\.0\.1:\d+"
#: Runs the flow in a child process as `horizon scan` does (same task runner), args as JSON.
RUNNER = """
import json, sys
from flows.cli_scan import task_runner
from flows.weekly_scan import weekly_scan
args = json.loads(sys.argv[1])
flow = weekly_scan.with_options(task_runner=task_runner(args.pop("executor", "local")))
result = flow(**args)
print(json.dumps({k: result[k] for k in ("scan_id", "status", "message")}))
"""


# -- helpers ------------------------------------------------------------------------------------
def build_small_demo(out: Path) -> Path:
    """The demo generator at a few records per domain (about 370 records over 4 sources)."""
    from crawlers import demo
    from horizon.config.taxonomy import load_taxonomy

    sizes = ("PAPERS_PER_DOMAIN", "PATENTS_PER_DOMAIN", "FR_PER_DOMAIN", "FEED_PER_DOMAIN")
    saved = {name: getattr(demo, name) for name in sizes}
    try:
        for name, value in zip(sizes, (8, 4, 2, 1), strict=True):
            setattr(demo, name, value)
        demo.generate_demo_corpus(out, load_taxonomy(REPO / "data" / "config" / "taxonomy.yaml"))
    finally:
        for name, value in saved.items():
            setattr(demo, name, value)
    return out


def add_openalex_works(demo_dir: Path, n: int) -> list[str]:
    """Append `n` new works (copies of the first one under new ids) to one OpenAlex page."""
    page = sorted((demo_dir / "openalex").glob("works_quantum_0.json"))[0]
    body = json.loads(page.read_text(encoding="utf-8"))
    ids = []
    for i in range(n):
        work = json.loads(json.dumps(body["results"][0]))
        work["id"] = f"https://openalex.org/W8{i:09d}"
        work["doi"] = f"https://doi.org/10.5555/demo.added.{i:06d}"
        work["title"] = f"[DEMO] Added quantum sensing study {i}"
        body["results"].append(work)
        ids.append(f"doi:10.5555/demo.added.{i:06d}")
    page.write_text(json.dumps(body), encoding="utf-8")
    return ids


def fail_source(demo_dir: Path, path_prefix: str) -> None:
    """Make every route under `path_prefix` answer 503 forever."""
    manifest = demo_dir / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for route in data["routes"]:
        if route["path"].startswith(path_prefix):
            route.update(status=503, headers={"Content-Type": "text/plain"}, text="down\n")
            route.pop("body", None)
    manifest.write_text(json.dumps(data), encoding="utf-8")


def scan_in_child(home: Path, log: Path, kill_at: str | None = None, **args) -> subprocess.Popen:
    """Start a scan in another process (against the test Prefect server); stdout/stderr to `log`."""
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_HOME": str(log.parent),
    }
    env.pop("HORIZON_TEST_KILL_AT", None)
    if kill_at:
        env["HORIZON_TEST_KILL_AT"] = kill_at
    payload = json.dumps({"home": str(home), "demo": True, **args})
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", RUNNER, payload],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(proc: subprocess.Popen, log: Path, timeout: float = 600) -> dict:
    """Wait for a child scan; its result line."""
    assert proc.wait(timeout=timeout) == 0, log.read_text(errors="replace")[-3000:]
    return json.loads(log.read_text().strip().splitlines()[-1])


def snapshot(home: Path, scan_id: str) -> dict[str, pd.DataFrame]:
    """Every table's rows of one scan, without ids, clocks and paths, in a canonical order."""
    store = Workspace(home).store(read_only=True)
    out = {}
    for name, table in TABLES.items():
        if "scan_id" not in table.names:
            continue
        with store.connect() as con:
            exists = con.execute(
                "SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]
            ).fetchone()
        if not exists:
            continue
        frame = store.read(name, scan_id)
        if name == "scans":  # one column per stage's counts, so a difference names the stage
            counts = frame.pop("source_counts").map(_stable_counts)
            for key in sorted(set().union(*counts)):
                frame[f"counts.{key}"] = counts.map(lambda c, k=key: json.dumps(c.get(k)))
        frame = frame.drop(columns=[c for c in frame.columns if c in VOLATILE]).map(_text)
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<null>"
    return re.sub(LOOPBACK, "http://loopback", str(value))


def _stable_counts(text: str) -> dict:
    counts = json.loads(text)
    counts.pop("briefings", None)
    counts["sources"] = {
        s: {k: c.get(k) for k in ("records", "quarantined", "finished")}
        for s, c in counts.get("sources", {}).items()
    }
    return counts


def assert_same_store(
    a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], rtol: float = 0.0
) -> None:
    """Two snapshots hold the same rows, table by table (a short message naming the first change).

    With `rtol`, numeric columns may differ by that relative tolerance.
    """
    assert sorted(a) == sorted(b)
    for name in a:
        left, right = a[name], b[name]
        assert list(left.columns) == list(right.columns), name
        assert len(left) == len(right), f"{name}: {len(left)} rows != {len(right)}"
        for col in left.columns:
            differ = left[col] != right[col]
            if rtol and differ.any():
                try:
                    x, y = (pd.to_numeric(f[col].replace("<null>", "nan")) for f in (left, right))
                except ValueError:
                    pass
                else:
                    differ = ~np.isclose(x, y, rtol=rtol, atol=0.0, equal_nan=True)
                    differ = pd.Series(differ, index=left.index)
            assert not differ.any(), (
                f"{name}.{col}: {int(differ.sum())} rows differ, first "
                f"{left[col][differ].iloc[0][:200]!r} != {right[col][differ].iloc[0][:200]!r}"
            )


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> Path:
    """The small demo corpus, built once."""
    return build_small_demo(tmp_path_factory.mktemp("demo") / "demo")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, small_demo, prefect_harness):
    """An uninterrupted scan of the small demo in a fresh workspace: (home, result, seconds)."""
    from flows.weekly_scan import weekly_scan

    home = tmp_path_factory.mktemp("ref")
    started = time.perf_counter()
    result = weekly_scan(home=str(home), demo=True, demo_dir=str(small_demo))
    return home, result, time.perf_counter() - started


def _read_consistently(home: Path, cli: bool = True) -> str:
    """One read of the list through the notebook API and `horizon show`: 20 domains, one scan."""
    reader = open_store(home)
    scan_id = reader.latest_scan()
    scores = reader.priority_list(scan_id)
    assert sorted(scores["domain"]) == sorted(DOMAIN_SLUGS)
    assert set(scores["scan_id"]) == {scan_id}
    assert reader.store.scan(scan_id)["status"] == "completed"
    if cli:
        out = CliRunner().invoke(app, ["show", "--json", "--home", str(home)])
        assert out.exit_code == 0, out.output
        assert sorted(item["domain"] for item in json.loads(out.stdout)) == sorted(DOMAIN_SLUGS)
    return scan_id


# -- incremental ----------------------------------------------------------------------------------
def test_no_change_rerun_reuses_everything_while_readers_read(reference, small_demo, tmp_path):
    home, first, seconds = reference
    assert first["status"] == "completed"
    n_records = first["counts"]["normalize"]["records"]
    assert first["counts"]["extract"]["processed"] == n_records
    started = time.perf_counter()
    log = tmp_path / "rerun.log"
    proc = scan_in_child(home, log, demo_dir=str(small_demo))
    seen = []
    while proc.poll() is None:  # a reader in this process while the scan writes in its own
        seen.append(_read_consistently(home, cli=len(seen) % 3 == 0))
        time.sleep(0.5)
    second = finish(proc, log)
    rerun = time.perf_counter() - started
    seen.append(_read_consistently(home))
    print(
        f"\nsmall demo: full scan {seconds:.1f} s, no-change re-run {rerun:.1f} s (child process)"
    )
    assert len(seen) >= 5  # the reads overlapped the scan
    assert seen[0] == first["scan_id"] and seen[-1] == second["scan_id"]
    assert set(seen) == {first["scan_id"], second["scan_id"]}
    assert second["status"] == "completed" and second["scan_id"] != first["scan_id"]
    counts = json.loads(
        Workspace(home).store(read_only=True).scan(second["scan_id"])["source_counts"]
    )
    for stage in ("extract", "assign"):
        assert counts[stage]["reused"] == n_records, stage
        assert counts[stage]["processed"] == 0, stage
    before, after = snapshot(home, first["scan_id"]), snapshot(home, second["scan_id"])
    before.pop("scans"), after.pop("scans")
    assert_same_store(before, after)


def test_new_records_are_the_only_ones_processed(reference, small_demo, tmp_path):
    import shutil

    from flows.weekly_scan import weekly_scan

    home, first, _ = reference
    demo_dir = shutil.copytree(small_demo, tmp_path / "demo")
    added = add_openalex_works(demo_dir, 3)
    started = time.perf_counter()
    result = weekly_scan(home=str(home), demo=True, demo_dir=str(demo_dir))
    print(f"\nsmall demo: run with 3 new records {time.perf_counter() - started:.1f} s")
    n_before = first["counts"]["normalize"]["records"]
    counts = result["counts"]
    assert result["status"] == "completed"
    assert counts["normalize"]["records"] == n_before + 3
    for stage in ("extract", "assign"):
        assert counts[stage]["processed"] == 3, stage
        assert counts[stage]["reused"] == n_before, stage
    store = Workspace(home).store(read_only=True)
    assignments = store.read("assignments", result["scan_id"])
    entities = store.read("entities", result["scan_id"], "list_contains(?, record_id)", [added])
    assert set(entities["record_id"]) == set(added)
    old = store.read("assignments", first["scan_id"]).drop(columns="scan_id")
    kept = assignments[~assignments["record_id"].isin(added)].drop(columns="scan_id")
    key = ["record_id", "domain"]
    pd.testing.assert_frame_equal(
        old.sort_values(key).reset_index(drop=True), kept.sort_values(key).reset_index(drop=True)
    )


# -- faults ---------------------------------------------------------------------------------------
#: Kill points, in stage order, and the stage checkpoints a killed scan has stored by then.
KILLS = {
    "crawl": set(),
    "normalize": {"sources"},
    "extract": {"sources", "normalize"},
    "assign": {"sources", "normalize", "extract"},
    "score": {"sources", "normalize", "extract", "assign"},
    "brief": {"sources", "normalize", "extract", "assign", "score", "checks"},
}


def test_kill_9_in_every_stage_then_rerun_matches_uninterrupted(reference, small_demo, tmp_path):
    from flows.weekly_scan import scan_alive

    ref_home, first, _ = reference
    home = tmp_path / "ws"
    log = tmp_path / "scan.log"
    runner = CliRunner()
    for point, checkpoints in KILLS.items():  # each run continues the scan the last one left
        proc = scan_in_child(home, log, kill_at=point, demo_dir=str(small_demo))
        assert proc.wait(timeout=600) == -9, (point, log.read_text(errors="replace")[-3000:])
        store = Workspace(home).store(read_only=True)
        scans = store.scans()
        assert list(scans["status"]) == ["running"], point
        assert set(json.loads(scans["source_counts"].iloc[0])) == checkpoints, point
        assert store.latest_scan() is None  # a killed scan never counts as done
        assert not scan_alive(Workspace(home), scans["scan_id"].iloc[0])
        out = runner.invoke(app, ["show", "--home", str(home)])
        assert out.exit_code == 2 and "no completed scan yet" in out.stderr
    result = finish(scan_in_child(home, log, demo_dir=str(small_demo)), log)
    assert result["status"] == "completed"
    assert result["scan_id"] == scans["scan_id"].iloc[0]  # continued, not started afresh
    assert list(Workspace(home).store(read_only=True).scans()["status"]) == ["completed"]
    assert_same_store(snapshot(ref_home, first["scan_id"]), snapshot(home, result["scan_id"]))


def test_interrupted_scan_is_failed_or_continued_on_request(small_demo, tmp_path, prefect_harness):
    from flows.weekly_scan import weekly_scan
    from horizon.store import StoreError

    home = tmp_path / "ws"
    log = tmp_path / "scan.log"
    args = {"demo": True, "demo_dir": str(small_demo), "sources": ["policy_feed"]}
    proc = scan_in_child(home, log, kill_at="extract", **args)
    assert proc.wait(timeout=600) == -9
    store = Workspace(home).store(read_only=True)
    killed = store.scans()["scan_id"].iloc[0]
    fresh = weekly_scan(home=str(home), resume="never", **args)
    assert fresh["status"] == "completed" and fresh["scan_id"] != killed
    row = store.scan(killed)
    assert row["status"] == "failed" and row["message"].startswith("interrupted:")
    with pytest.raises(StoreError, match="other parameters"):
        weekly_scan(home=str(home), demo=True, demo_dir=str(small_demo), resume=killed)
    again = weekly_scan(home=str(home), resume=killed, **args)
    assert again["scan_id"] == killed and again["status"] == "completed"
    assert json.loads(store.scan(killed)["source_counts"])["extract"]["processed"] == 0


@pytest.fixture(scope="module")
def partial(tmp_path_factory, small_demo, prefect_harness):
    """A scan where the Federal Register answers 503 to every request."""
    import shutil

    from flows.weekly_scan import weekly_scan

    demo_dir = shutil.copytree(small_demo, tmp_path_factory.mktemp("down") / "demo")
    fail_source(demo_dir, "/fr/")
    home = tmp_path_factory.mktemp("partial")
    return home, weekly_scan(home=str(home), demo=True, demo_dir=str(demo_dir))


def test_source_down_gives_partial_scan_with_the_others_intact(partial, reference):
    home, result = partial
    _, first, _ = reference
    assert result["status"] == "partial"
    store = Workspace(home).store(read_only=True)
    row = store.scan(result["scan_id"])
    assert row["status"] == "partial"
    assert "policy_federal_register" in row["message"] and "503" in row["message"]
    counts = json.loads(row["source_counts"])
    assert counts["sources"]["policy_federal_register"]["finished"] is False
    want = first["counts"]["normalize"]["per_source"]
    for source in ("papers_openalex", "patents_epo_ops", "policy_feed"):
        assert counts["sources"][source]["finished"] is True, source
        assert counts["normalize"]["per_source"][source] == want[source], source
    records = store.read("records", result["scan_id"])
    assert not records["source"].str.contains("policy_federal_register").any()
    assert sorted(store.read("scores", result["scan_id"])["domain"]) == sorted(DOMAIN_SLUGS)
    assert store.latest_scan() == result["scan_id"]  # partial scans are readable
    out = CliRunner().invoke(app, ["scans", "--home", str(home)])
    assert "partial" in out.stdout


def test_briefing_manifest_names_the_source_that_was_down(partial):
    _, result = partial
    for folder in result["counts"]["briefings"]:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        assert "policy_federal_register" in manifest["scan"]["message"]
        assert "papers_openalex" in manifest["source_snapshots"]


# -- scale-out ------------------------------------------------------------------------------------
def test_dask_executor_gives_the_same_results_as_local(reference, small_demo, tmp_path):
    from flows.cli_scan import task_runner
    from flows.weekly_scan import weekly_scan

    ref_home, first, _ = reference
    home = tmp_path / "ws"
    flow = weekly_scan.with_options(task_runner=task_runner("dask"))
    started = time.perf_counter()
    result = flow(home=str(home), demo=True, demo_dir=str(small_demo), shard_size=100)
    print(f"\nsmall demo on a 2-worker Dask LocalCluster: {time.perf_counter() - started:.1f} s")
    assert result["status"] == "completed"
    assert len(result["counts"]["extract"]) and result["counts"]["extract"]["processed"] > 100
    ref, got = snapshot(ref_home, first["scan_id"]), snapshot(home, result["scan_id"])
    # every table; shards of another size move assignment confidences in the 7th digit
    assert_same_store(ref, got, rtol=1e-6)
