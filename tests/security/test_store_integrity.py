"""Store integrity: DuckDB's own checks and the pipeline's invariants after a scan and after a
failed one; a damaged or foreign store file gives a one-line error from the CLI, never a trace.

DuckDB has no `PRAGMA integrity_check`; what it has is used instead: block checksums verified by
reading every table in full, `pragma_storage_info` over every table, `duckdb_tables()` against the
schemas, and a `CHECKPOINT` on a copy followed by a second full read.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from horizon.schemas import TABLES
from horizon.store import SCHEMA_VERSION, Store, StoreError
from horizon.workspace import Workspace
from tests.security.test_scan_scope import label_problems
from tests.security.test_scan_secrets import run_planted_scan

#: DuckDB's file layout: three 4 KiB headers, then 256 KiB blocks.
HEADER_BYTES, BLOCK_BYTES = 3 * 4096, 256 * 1024


def duckdb_checks(path: Path, work: Path) -> dict[str, int]:
    """Run DuckDB's own checks on a copy of a store; returns rows per table (raises if unsound)."""
    copy = work / f"check-{path.name}"
    shutil.copy(path, copy)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(copy), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            con.execute(f"SELECT * FROM pragma_storage_info('{table}')").fetchall()
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            assert len(rows) == con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            counts[table] = len(rows)
    finally:
        con.close()
    con = duckdb.connect(str(copy))
    try:
        con.execute("CHECKPOINT")
        for table, n in counts.items():
            assert len(con.execute(f'SELECT * FROM "{table}"').fetchall()) == n, table
    finally:
        con.close()
    copy.unlink()
    return counts


def invariant_problems(store: Store) -> dict[str, list[str]]:
    """`scoring.check_invariants` on the stored tables of every completed or partial scan."""
    import scoring

    out = {}
    scans = store.scans()
    for scan_id in scans.loc[scans["status"].isin(["completed", "partial"]), "scan_id"]:
        tables = SimpleNamespace(
            scores=store.read("scores", scan_id),
            evidence=store.read("evidence", scan_id),
            indicators=store.read("indicators", scan_id),
        )
        records = store.corpus("records", scan_id)
        assignments = store.corpus("assignments", scan_id)
        assert len(tables.scores) == 20 and len(records) > 0
        out[scan_id] = scoring.check_invariants(tables, records, assignments)
    return out


@pytest.fixture(scope="module")
def scanned(request, prefect_harness):
    """The planted demo scan's workspace."""
    return run_planted_scan(request)


@pytest.mark.slow
def test_store_is_sound_after_the_scan(scanned, tmp_path):
    store = Workspace(scanned.home).store(read_only=True)
    store.check_schema()
    counts = duckdb_checks(store.path, tmp_path)
    assert set(TABLES) | {"schema_version"} == set(counts)
    for table in ("records", "entities", "assignments", "scores", "evidence", "exports"):
        assert counts[table] > 0, table
    problems = invariant_problems(store)
    assert list(problems) == [scanned.result["scan_id"]]
    assert problems == {scanned.result["scan_id"]: []}
    assert label_problems(store, scanned.result["scan_id"]) == []


@pytest.fixture(scope="module")
def failed_scan(scanned, tmp_path_factory):
    """A second scan in a copy of the workspace whose score stage finds a broken invariant.

    It crawls the feeds only, from a demo copy where the METI feed is now AMBER, so its records
    reuse the extraction and assignment rows of the first scan for unchanged content.
    """
    import scoring
    from flows.weekly_scan import weekly_scan

    root = tmp_path_factory.mktemp("failed")
    home = root / "home"
    shutil.copytree(scanned.home, home, ignore=shutil.ignore_patterns("briefings"))
    demo = root / "demo"
    shutil.copytree(scanned.demo_dir, demo)
    sources = demo / "sources.yaml"
    config = yaml.safe_load(sources.read_text(encoding="utf-8"))
    for feed in config["sources"]["policy_feed"]["feeds"]:
        if feed["url"].endswith("/meti_news.rdf"):
            feed["sharing"] = "AMBER"
    sources.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    before = Workspace(home).store(read_only=True).scans()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scoring, "check_invariants", lambda *a, **k: ["planted invariant failure"])
        with pytest.raises(Exception, match="planted invariant failure") as caught:
            weekly_scan(home=str(home), demo=True, demo_dir=str(demo), sources=["policy_feed"])
    return home, before, caught.value


@pytest.mark.slow
def test_a_failed_scan_is_recorded_in_one_line_and_harms_nothing(failed_scan, tmp_path):
    home, before, error = failed_scan
    assert type(error).__name__ == "ScanCheckFailed"
    store = Workspace(home).store(read_only=True)
    scans = store.scans()
    failed = scans[~scans["scan_id"].isin(before["scan_id"])]
    assert list(failed["status"]) == ["failed"]
    assert list(failed["message"]) == ["ScanCheckFailed: planted invariant failure"]
    failed_id = failed["scan_id"].iloc[0]
    # its stages up to scoring wrote rows, and the store is still sound
    assert len(store.read("entities", failed_id)) > 0 and len(store.read("scores", failed_id)) > 0
    duckdb_checks(store.path, tmp_path)
    assert invariant_problems(store) == {sid: [] for sid in before["scan_id"]}
    # the list shown is still the earlier scan's; the failed one is listed
    runner = CliRunner()
    out = runner.invoke(app, ["scans", "--home", str(home)])
    assert out.exit_code == 0 and failed_id in out.stdout and "failed" in out.stdout
    out = runner.invoke(app, ["show", "--home", str(home)])
    assert out.exit_code == 0 and before["scan_id"].iloc[0] in out.stdout


@pytest.mark.slow
def test_reused_rows_take_the_label_of_the_record_now(failed_scan):
    home, before, _ = failed_scan
    store = Workspace(home).store(read_only=True)
    scans = store.scans()
    failed_id = scans.loc[~scans["scan_id"].isin(before["scan_id"]), "scan_id"].iloc[0]
    records = store.read("records", failed_id)
    meti = records[records["record_id"].str.contains("/feeds/meti_news/", regex=False)]
    assert len(meti) > 0 and set(meti["sharing"]) == {"AMBER"}
    assert label_problems(store, failed_id) == []


# -- damaged and foreign files (cheap: a small store of one scan) ---------------------------
@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    """A real store with one completed scan and a few thousand rows in several tables."""
    import pandas as pd

    home = tmp_path_factory.mktemp("small")
    store = Workspace(home).ensure().store()
    store.begin_scan("s1", demo=True, code_version="t", config_sha256={}, parameters={})
    scores = pd.DataFrame(
        {
            "domain": [f"d{i:02d}" for i in range(20)],
            "label_en": "x", "label_ja": "x", "rank": range(1, 21), "class": "monitor",
            **{c: 0.5 for c in ("composite_score", "japan_strength_score",
                                "foreign_activity_score", "socioeconomic_score")},
            "rank_low": 1.0, "rank_high": 20.0, "maturity": "applied", "n_records": 3,
        }
    )  # fmt: skip
    store.replace_rows("scores", "s1", scores)
    n = 60_000
    records = pd.DataFrame(
        {
            "record_id": [f"doi:10.5555/{i}" for i in range(n)],
            "kind": "paper",
            "source": "papers_openalex",
            "title": [f"Title {i} " + "x" * (i % 97) for i in range(n)],
            "sharing": "CLEAR",
            "raw_sha256": "0" * 64,
        }
    )
    store.replace_rows("records", "s1", records)
    store.finish_scan("s1", "completed")
    return store.path


def one_line_error(result) -> str:
    """The CLI failed cleanly: exit 2, one line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def damaged_copies(path: Path, root: Path) -> dict[str, Path]:
    """Copies of a store file every command must refuse: truncated, overwritten, foreign."""
    data = path.read_bytes()
    out: dict[str, bytes] = {
        "truncated to half": data[: len(data) // 2],
        "truncated to 1000 bytes": data[:1000],
        "empty": b"",
        "text": b"scan_id,status\n20260101,completed\n",
        "headers overwritten": b"\xa5" * HEADER_BYTES + data[HEADER_BYTES:],
    }
    starts = bytearray(data)
    for start in range(HEADER_BYTES, len(data), BLOCK_BYTES):
        starts[start : start + 4096] = b"\xa5" * 4096
    out["start of every block overwritten"] = bytes(starts)
    files = {}
    for i, (name, body) in enumerate(out.items()):
        home = root / f"case{i}"
        home.mkdir()
        (home / "warehouse.duckdb").write_bytes(body)
        files[name] = home
    home = root / "sqlite"
    home.mkdir()
    con = sqlite3.connect(home / "warehouse.duckdb")
    con.execute("CREATE TABLE scans (scan_id TEXT, status TEXT)")
    con.execute("INSERT INTO scans VALUES ('s1', 'completed')")
    con.commit()
    con.close()
    files["sqlite database"] = home
    return files


def test_small_store_is_sound(small_store, tmp_path):
    counts = duckdb_checks(small_store, tmp_path)
    assert counts["records"] == 60_000 and counts["scores"] == 20
    assert Store(small_store, read_only=True).schema_version() == SCHEMA_VERSION
    out = CliRunner().invoke(app, ["show", "--home", str(small_store.parent)])
    assert out.exit_code == 0 and "d19" in out.stdout


@pytest.mark.parametrize("command", ["show", "scans"])
def test_damaged_or_foreign_store_gives_one_line(small_store, tmp_path, command):
    for name, home in damaged_copies(small_store, tmp_path).items():
        before = (home / "warehouse.duckdb").read_bytes()
        line = one_line_error(CliRunner().invoke(app, [command, "--home", str(home)]))
        assert str(home / "warehouse.duckdb") in line, name
        assert "damaged" in line or "not a horizon-scan store" in line, (name, line)
        if name == "sqlite database":
            assert "SQLite" in line
        # reading never repairs, rewrites or extends the file
        assert (home / "warehouse.duckdb").read_bytes() == before, name


def test_bytes_overwritten_in_a_table_are_found_and_never_crash_the_cli(small_store, tmp_path):
    con = duckdb.connect(str(small_store), read_only=True)
    blocks = sorted(
        {
            r[0]
            for r in con.execute("SELECT block_id FROM pragma_storage_info('records')").fetchall()
        }
        - {None, -1}
    )
    con.close()
    data = bytearray(small_store.read_bytes())
    mid = HEADER_BYTES + blocks[len(blocks) // 2] * BLOCK_BYTES + BLOCK_BYTES // 2
    data[mid : mid + 4096] = b"\xa5" * 4096
    home = tmp_path / "mid"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes(bytes(data))
    # DuckDB's checks find it (block checksums, read in full) …
    with pytest.raises(duckdb.Error, match=r"checksum|Corrupt"):
        duckdb_checks(home / "warehouse.duckdb", tmp_path)
    # … and a command either does not touch the damaged block or says so in one line
    for command in ("show", "scans"):
        out = CliRunner().invoke(app, [command, "--home", str(home)])
        if out.exit_code != 0:
            assert "damaged" in one_line_error(out)
        else:
            assert out.exception is None and "s1" in out.stdout
    with pytest.raises(StoreError, match="damaged") as caught:
        Store(home / "warehouse.duckdb", read_only=True).read("records")
    assert "\n" not in str(caught.value)


def test_damaged_store_is_refused_by_every_reader(small_store, tmp_path):
    for name, home in damaged_copies(small_store, tmp_path).items():
        store = Store(home / "warehouse.duckdb", read_only=True)
        with pytest.raises(StoreError) as caught:
            store.check_schema()
            store.scans()
            for table in TABLES:
                store.read(table)
        assert "\n" not in str(caught.value), name
    with pytest.raises(duckdb.Error):  # a query mistake stays a query mistake
        Store(small_store, read_only=True).query("SELECT * FROM no_such_table")
