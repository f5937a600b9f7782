"""The emerging-terms stage computes candidate phrases once per record content and counts in DuckDB."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from flows import stages
from flows.stages import ScanContext
from horizon.schemas import Record
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2026, 8, 3)


def record(i: int, week: int, title: str, *, sharing: str = "CLEAR") -> dict:
    return Record(
        record_id=f"doi:10.9/e{i}",
        kind="paper",
        source="papers_openalex" if i % 2 else "papers_crossref",
        title=title,
        text="",
        language="en",
        published_date=MONDAY + dt.timedelta(weeks=week, days=i % 5),
        sharing=sharing,
        raw_sha256="0" * 64,
        fetched_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    ).to_row()


def scan(home: Path, scan_id: str, rows: list[dict]) -> dict:
    store = Workspace(home).ensure().store()
    store.begin_scan(scan_id, demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", scan_id, pd.DataFrame(rows))
    ctx = ScanContext(home=str(home), config_dir=str(REPO / "data/config"), scan_id=scan_id,
                      as_of="2026-09-30")  # fmt: skip
    out = stages.emerging(ctx)
    store.finish_scan(scan_id, "completed")
    terms = store.read("emerging_terms", scan_id).set_index("term")
    return {**out, "terms": terms}


def test_second_scan_computes_candidates_of_new_and_changed_records_only(tmp_path):
    quiet = [record(i, i % 6, f"Routine survey number {i}") for i in range(24)]
    hot = [record(100 + i, 7, "Diffusion policy learning for legged robots") for i in range(5)]
    old = [record(200, -400, "Diffusion policy learning before the window")]  # 2018: outside
    first = scan(tmp_path, "s1", quiet + hot + old)
    assert first["candidates_computed"] == 29 and first["window_records"] == 29
    row = first["terms"].loc["diffusion policy learning"]
    assert row["count"] == 5
    assert pd.Timestamp(row["first_seen_date"]).date() == MONDAY + dt.timedelta(weeks=7)
    assert json.loads(row["sources"]) == {"papers_crossref": 3, "papers_openalex": 2}

    # a week later: two new records and one record whose title changed (new content hash)
    changed = record(3, 3, "Diffusion policy learning in warehouses", sharing="AMBER")
    new = [record(300 + i, 8, "Diffusion policy learning for drones") for i in range(2)]
    second = scan(tmp_path, "s2", [r for r in quiet if r["record_id"] != changed["record_id"]]
                  + hot + old + new + [changed])  # fmt: skip
    assert second["candidates_computed"] == 3 and second["window_records"] == 31
    row = second["terms"].loc["diffusion policy learning"]
    assert row["count"] == 8  # 5 + 2 new + the changed record, the old version no longer counts
    assert row["sharing"] == "AMBER"
    assert "routine survey number" in set(second["terms"].index)

    # nothing new: nothing computed, the same terms
    third = scan(tmp_path, "s3", [r for r in quiet if r["record_id"] != changed["record_id"]]
                 + hot + old + new + [changed])  # fmt: skip
    assert third["candidates_computed"] == 0
    pd.testing.assert_frame_equal(
        third["terms"].drop(columns="scan_id"), second["terms"].drop(columns="scan_id")
    )


def test_review_lists_the_scan_candidates_and_reject_keeps_one_out(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    hot = [record(100 + i, 7, "Diffusion policy learning for legged robots") for i in range(5)]
    scan(tmp_path, "s1", [record(i, i % 6, f"Routine survey number {i}") for i in range(24)] + hot)
    tax = tmp_path / "config" / "taxonomy.yaml"
    tax.parent.mkdir()
    tax.write_bytes((REPO / "data/config/taxonomy.yaml").read_bytes())
    runner = CliRunner()
    review = ["taxonomy", "review", "--home", str(tmp_path), "--taxonomy", str(tax)]
    first = runner.invoke(app, review)
    assert first.exit_code == 0, first.output
    assert ". diffusion policy learning [en] domain -, first seen 2026-09-21," in first.output
    assert "5 documents (papers_crossref 3, papers_openalex 2)" in first.output
    rejected = runner.invoke(app, ["taxonomy", "reject", "diffusion policy learning", "--by", "K. Sato",
                                   "--taxonomy", str(tax)])  # fmt: skip
    assert rejected.exit_code == 0, rejected.output
    assert (tax.parent / "rejected_terms.jsonl").exists()
    second = runner.invoke(app, review)
    assert "diffusion policy learning" not in second.output
    assert "routine survey number" in second.output
