"""A scan stopped by a refused write, read (or not) by brief, show and diff; a scan with no record.

Every scan reads the small demo corpus in a workspace whose path holds glob characters.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from flows.cli import app
from horizon.workspace import Workspace
from tests.flows.test_operations import build_small_demo, fail_source

#: Glob characters in the workspace path ("?" is refused there: see the last test), and in an
#: output path.
GLOB, OUT_GLOB = "[1]*", "[1]*?"
runner = CliRunner()


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> Path:
    return build_small_demo(tmp_path_factory.mktemp("demo") / "demo")


@pytest.fixture(scope="module")
def failed(tmp_path_factory, small_demo, prefect_harness):
    """A scan whose disk refuses a write after scoring: (home, scan id, the error's text)."""
    from flows import scan_checks
    from flows.weekly_scan import weekly_scan
    from horizon.write_errors import WriteError

    home = tmp_path_factory.mktemp("fail") / f"ws {GLOB}"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(home / "warehouse.duckdb"))

    saved = scan_checks.run_checks
    scan_checks.run_checks = full
    try:
        with pytest.raises(WriteError) as caught:
            weekly_scan(home=str(home), demo=True, demo_dir=str(small_demo))
    finally:
        scan_checks.run_checks = saved
    scan_id = Workspace(home).store(read_only=True).scans()["scan_id"].iloc[0]
    return home, scan_id, str(caught.value)


def test_a_refused_write_fails_the_scan_with_one_line_naming_path_and_space(failed):
    home, scan_id, error = failed
    assert "\n" not in error
    assert error.startswith("write failed: No space left on device writing ")
    assert str(home / "warehouse.duckdb") in error and "MB free there" in error
    assert f"--resume {scan_id}" in error
    row = Workspace(home).store(read_only=True).scan(scan_id)
    assert row["status"] == "failed"
    assert row["message"].startswith("write failed: No space left on device writing ")
    out = runner.invoke(app, ["scans", "--home", str(home)])
    assert out.exit_code == 0 and "failed: write failed: No space left" in out.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["brief", "--audience", "green", "--scan", "{id}"],
        ["show", "--scan", "{id}"],
        ["show", "--scan", "{id}", "--json"],
        ["diff", "--from", "{id}", "--to", "{id}"],
    ],
)
def test_brief_show_and_diff_refuse_a_failed_scan_in_one_line(failed, command):
    home, scan_id, _ = failed
    args = [a.replace("{id}", scan_id) for a in command] + ["--home", str(home)]
    out = runner.invoke(app, args)
    assert out.exit_code == 2, out.output
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: scan {scan_id} is failed (write failed: No space left")
    assert "--allow-failed" in lines[0]


def test_allow_failed_marks_the_briefing_everywhere(failed, tmp_path):
    home, scan_id, _ = failed
    out_root = tmp_path / f"out {OUT_GLOB}"
    folder = out_root / scan_id / "green-en"
    # left by briefs killed mid-write (their process is gone), of this and another language,
    # one of a brief still running (pid 1), and a folder of someone else's
    stale = [folder.with_name(f".{folder.name}.tmp-999999999-deadbeef"),
             folder.with_name(f".{folder.name}.tmp-0badc0de"),
             folder.with_name(".green-ja.old-999999999-0123abcd")]  # fmt: skip
    kept = [folder.with_name(f".{folder.name}.tmp-1-0123abcd"), folder.with_name(".notes")]
    for path in (*stale, *kept):
        path.mkdir(parents=True)
    args = ["brief", "--audience", "green", "--lang", "en", "--scan", scan_id, "--allow-failed",
            "--home", str(home), "--out", str(out_root)]  # fmt: skip
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert [p.exists() for p in stale] == [False] * 3
    assert all(p.exists() for p in kept)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unfinished"].startswith("UNFINISHED SCAN (failed): write failed: No space")
    assert manifest["scan"]["status"] == "failed"
    report = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    assert 'class="banner">UNFINISHED SCAN (failed)' in report
    book = load_workbook(next(folder.glob("briefing_*.xlsx")))
    for sheet in book.worksheets:
        assert sheet.oddHeader.center.text.startswith("UNFINISHED SCAN (failed)"), sheet.title
        assert sheet.oddFooter.center.text.startswith("UNFINISHED SCAN (failed)"), sheet.title
    about = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert "UNFINISHED SCAN (failed)" in about["Note"]
    shown = runner.invoke(app, ["show", "--scan", scan_id, "--allow-failed", "--home", str(home)])
    assert shown.exit_code == 0 and "warning: scan" in shown.stderr


def test_the_failed_scan_resumes_to_completion_in_place(failed, small_demo, prefect_harness):
    from flows.weekly_scan import weekly_scan

    home, scan_id, _ = failed
    before = json.loads(Workspace(home).store(read_only=True).scan(scan_id)["source_counts"])
    result = weekly_scan(home=str(home), demo=True, demo_dir=str(small_demo), resume=scan_id)
    assert result["scan_id"] == scan_id and result["status"] == "completed"
    assert result["counts"]["normalize"]["records"] == before["normalize"]["records"] > 0
    assert len(result["counts"]["briefings"]) == 2
    for folder in result["counts"]["briefings"]:  # written inside the glob-named workspace
        assert Path(folder).is_relative_to(home) and (Path(folder) / "manifest.json").exists()
    out = runner.invoke(app, ["show", "--json", "--home", str(home)])
    assert out.exit_code == 0 and len(json.loads(out.stdout)) == 20


def test_no_record_from_any_source_is_a_partial_scan_naming_them(
    small_demo, tmp_path, prefect_harness
):
    from flows.weekly_scan import weekly_scan

    demo = Path(shutil.copytree(small_demo, tmp_path / "demo"))
    fail_source(demo, "/")  # every route answers 503
    home = tmp_path / f"ws {GLOB}"
    result = weekly_scan(home=str(home), demo=True, demo_dir=str(demo))
    assert result["status"] == "partial"
    assert result["counts"]["normalize"]["records"] == 0
    message = result["message"]
    assert message.startswith("no records, so no list: sources that did not finish: ")
    for source in ("papers_openalex", "patents_epo_ops", "policy_federal_register", "policy_feed"):
        assert source in message
    assert "HTTP 503" in message and "missing required columns" not in message
    store = Workspace(home).store(read_only=True)
    assert store.scan(result["scan_id"])["status"] == "partial"
    assert store.latest_scan() is None  # nothing to read: readers never default to it
    out = runner.invoke(app, ["show", "--home", str(home)])
    assert out.exit_code == 2 and "no completed scan yet" in out.stderr
    out = runner.invoke(
        app, ["brief", "--audience", "clear", "--scan", result["scan_id"], "--home", str(home)]
    )
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.startswith(f"error: scan {result['scan_id']} has no scores to brief (partial")
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_workspace_path_with_a_question_mark_is_refused_in_one_line(tmp_path, prefect_harness):
    home = tmp_path / "ws?"
    out = runner.invoke(app, ["scan", "--demo", "--home", str(home)])
    assert out.exit_code == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    # (Prefect's own log lines are here too: the test session keeps its level at WARNING)
    assert len(errors) == 1 and "path holds '?'" in errors[0], out.stderr
