"""The coverage report: per source, windows complete of planned and hits fetched of announced."""

from __future__ import annotations

import io

from rich.console import Console

from flows.scan_checks import coverage_report, print_coverage


def _summary(**coverage):
    base = {"queries_planned": 2, "windows_split": 0, "windows": 2, "windows_complete": 2,
            "windows_failed": 0, "windows_over_cap": [], "hits_announced": 40, "hits_fetched": 40}  # fmt: skip
    return {"finished": True, "reason": None, "records": 40, "complete_through": "2026-12-06",
            "coverage": {**base, **coverage}}  # fmt: skip


def test_a_complete_crawl_raises_no_warning_and_a_gap_is_named():
    report = coverage_report(
        {
            "papers_openalex": _summary(),
            "patents_epo_ops": {
                **_summary(
                    windows=5,
                    windows_split=1,
                    windows_complete=3,
                    windows_failed=1,
                    windows_over_cap=["cpc=H01L@2026-03-02"],
                    hits_announced=4500,
                    hits_fetched=3100,
                ),
                "finished": False,
                "reason": "result_cap",
            },
            "policy_feed": {"finished": True, "reason": None, "records": 7},  # no windows
        }
    )
    assert report["note"].startswith("live crawl")
    assert report["sources"]["papers_openalex"]["windows_complete"] == 2
    assert report["sources"]["policy_feed"]["windows"] is None
    assert report["warnings"] == [
        "coverage: patents_epo_ops: not finished (result_cap); 1 of 5 windows failed; "
        "1 one-day windows over the result cap; 3100 of 4500 announced hits fetched"
    ]


def test_demo_and_recorded_scans_say_what_the_coverage_is_of():
    assert "demo" in coverage_report({}, demo=True)["note"]
    assert "recordings" in coverage_report({}, recorded=True)["note"]


def test_printed_table_shows_each_source():
    out = io.StringIO()
    print_coverage(Console(file=out, width=200), coverage_report({"papers_arxiv": _summary()}))
    text = out.getvalue()
    assert "papers_arxiv" in text and "2 / 2" in text and "40 / 40" in text
    out = io.StringIO()
    print_coverage(Console(file=out, width=200), None)  # a scan checked before the report existed
    assert "not available" in out.getvalue()


def test_coverage_in_a_few_words_from_the_report():
    from flows.scan_checks import coverage_summary

    whole = coverage_report({"papers_openalex": _summary(), "policy_feed": _summary()})
    gap = coverage_report(
        {"papers_openalex": _summary(hits_fetched=39), "policy_feed": _summary(),
         "patents_epo_ops": {**_summary(), "finished": False, "reason": "max_records"}}
    )  # fmt: skip
    assert coverage_summary({"coverage": whole}) == "complete"
    assert coverage_summary({"coverage": gap}) == "partial: 2 of 3 sources"
    assert coverage_summary({"warnings": []}) == "" and coverage_summary(None) == ""


def test_horizon_scans_shows_each_scans_coverage(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app
    from horizon.workspace import Workspace

    store = Workspace(tmp_path / "ws").ensure().store()
    reports = {
        "s1-complete": coverage_report({"papers_arxiv": _summary()}),
        "s2-partial": coverage_report(
            {"papers_arxiv": _summary(), "patents_epo_ops": _summary(windows_failed=1)}
        ),
        "s3-before-the-report": None,
    }
    for scan_id, report in reports.items():
        store.begin_scan(scan_id, demo=False, code_version="t", config_sha256={}, parameters={})
        checks = {"warnings": [], **({"coverage": report} if report else {})}
        store.finish_scan(scan_id, "completed", source_counts={"checks": checks})
    out = CliRunner().invoke(app, ["scans", "--home", str(tmp_path / "ws")], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    header = next(line for line in out.stdout.splitlines() if "scan_id" in line)
    column = [c.strip() for c in header.split("┃")].index("coverage")
    cells = {
        parts[1]: parts[column]
        for line in out.stdout.splitlines()
        if "│ s" in line
        for parts in [[c.strip() for c in line.split("│")]]
    }
    assert cells == {"s1-complete": "complete", "s2-partial": "partial: 1 of 2 sources",
                     "s3-before-the-report": ""}  # fmt: skip
    assert "coverage" in out.stdout
