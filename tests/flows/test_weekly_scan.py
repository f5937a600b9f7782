"""The weekly scan end to end on the demo corpus, under a Prefect test harness."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from horizon.config.taxonomy import DOMAIN_SLUGS
from horizon.workspace import Workspace


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, prefect_harness):
    """Two demo scans in one workspace."""
    from flows.weekly_scan import weekly_scan

    home = tmp_path_factory.mktemp("ws")
    first = weekly_scan(home=str(home), demo=True)
    second = weekly_scan(home=str(home), demo=True)
    return home, first, second


def test_demo_scan_scores_all_20_domains(demo_home):
    home, first, _ = demo_home
    assert first["status"] == "completed"
    store = Workspace(home).store(read_only=True)
    scores = store.read("scores", first["scan_id"])
    assert sorted(scores["domain"]) == sorted(DOMAIN_SLUGS)
    for col in (
        "japan_strength_score",
        "foreign_activity_score",
        "socioeconomic_score",
        "composite_score",
    ):
        assert scores[col].between(0, 1).all(), col
    assert set(scores["class"]) <= {"protect", "nurture", "monitor"}
    assert sorted(scores["rank"]) == list(range(1, 21))
    assert (scores["rank_low"] <= scores["rank_high"]).all()
    records = store.read("records", first["scan_id"])
    assert records["demo"].all()
    assert {"paper", "patent", "policy"} <= set(records["kind"])


def test_second_scan_keeps_the_first(demo_home):
    home, first, second = demo_home
    assert first["scan_id"] != second["scan_id"]
    store = Workspace(home).store(read_only=True)
    scans = store.scans()
    assert set(scans["scan_id"]) == {first["scan_id"], second["scan_id"]}
    assert set(scans["status"]) == {"completed"}
    a = store.read("scores", first["scan_id"]).set_index("domain").sort_index()
    b = store.read("scores", second["scan_id"]).set_index("domain").sort_index()
    assert len(store.read("records", first["scan_id"])) == len(
        store.read("records", second["scan_id"])
    )
    # same corpus, same seed: the same list
    assert (a["rank"] == b["rank"]).all()


def test_show_json_and_domain_evidence(demo_home):
    home, _, second = demo_home
    runner = CliRunner()
    out = runner.invoke(app, ["show", "--json", "--home", str(home)])
    assert out.exit_code == 0, out.output
    items = json.loads(out.stdout)
    assert len(items) == 20
    for key in (
        "domain",
        "class",
        "rank",
        "composite",
        "japan_strength",
        "foreign_activity",
        "socioeconomic",
        "rank_low",
        "rank_high",
        "maturity",
    ):
        assert key in items[0]
    out = runner.invoke(app, ["show", "--domain", "quantum", "--home", str(home)])
    assert out.exit_code == 0, out.output
    assert "evidence documents" in out.stdout
    store = Workspace(home).store(read_only=True)
    evidence = store.read("evidence", second["scan_id"], "domain = 'quantum'")
    assert len(evidence) > 0
    assert evidence["record_id"].iloc[0] in out.stdout


def test_scans_and_errors_are_one_line(demo_home, tmp_path):
    home, first, _ = demo_home
    runner = CliRunner()
    out = runner.invoke(app, ["scans", "--home", str(home)])
    assert out.exit_code == 0 and first["scan_id"] in out.stdout
    out = runner.invoke(app, ["show", "--home", str(tmp_path / "empty")])
    assert out.exit_code == 2
    assert "no store here yet" in out.stderr
    out = runner.invoke(app, ["show", "--domain", "warp", "--home", str(home)])
    assert out.exit_code == 2 and "no domain 'warp'" in out.stderr


def test_diff_between_the_two_scans(demo_home):
    home, first, second = demo_home
    runner = CliRunner()
    out = runner.invoke(
        app,
        [
            "diff",
            "--from",
            first["scan_id"],
            "--to",
            second["scan_id"],
            "--json",
            "--home",
            str(home),
        ],
    )
    assert out.exit_code == 0, out.output
    changes = json.loads(out.stdout)
    # same corpus and config: no rank leaves its band, no class changes, nothing new
    assert [c for c in changes if c["change"] in ("rank_move", "class_change")] == []


def test_calibration_against_published_statistics_is_in_checks_manifest_and_report(demo_home):
    home, first, _ = demo_home
    check = first["counts"]["checks"]["calibration"]
    fields = {r["field"]: r for r in check["fields"]}
    assert {"papers_all", "papers_ai", "patents_all", "patents_semiconductors"} <= set(fields)
    assert fields["papers_all"]["with_country"] > 0 and fields["papers_all"]["scan_share"] > 0
    # the demo's planted shares are said to be planted, and raise no warning
    assert "demo corpus" in check["note"]
    assert not [w for w in first["counts"]["checks"]["warnings"] if "published" in w]
    folder = home / "briefings" / first["scan_id"] / "clear-en"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checks"]["calibration"]["fields"] == check["fields"]
    report = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    assert "Calibration against published statistics" in report and "SPBS-2" in report
    ja = next((folder.parent / "clear-ja").glob("report_*.html")).read_text(encoding="utf-8")
    assert "公表統計との照合" in ja and "デモコーパス" in ja


def test_coverage_per_source_is_in_checks_and_manifest(demo_home):
    home, first, _ = demo_home
    coverage = first["counts"]["checks"]["coverage"]
    crawled = first["counts"]["sources"]
    assert set(coverage["sources"]) == set(crawled)
    for name, row in coverage["sources"].items():
        summary = crawled[name]
        assert row["finished"] is summary["finished"] and row["records"] == summary["records"]
        assert row["windows"] == summary["coverage"]["windows"]
        assert row["hits_fetched"] == summary["coverage"]["hits_fetched"]
    # the demo's sources announce what they serve and serve it all: no coverage warning
    assert any(r["hits_announced"] for r in coverage["sources"].values())
    assert coverage["warnings"] == [] and "demo corpus" in coverage["note"]
    folder = home / "briefings" / first["scan_id"] / "clear-en"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checks"]["coverage"] == coverage
    report = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    section = report.split("Coverage per source", 1)[1]
    assert all(f"<td>{name}</td>" in section for name in coverage["sources"])
    assert "Demo corpus served on loopback" in section
    ja = next((folder.parent / "clear-ja").glob("report_*.html")).read_text(encoding="utf-8")
    assert "収集の網羅性（情報源別）" in ja and "デモコーパス" in ja.split("収集の網羅性", 1)[1]
