"""Calibration against published statistics: the reference table, the scan's shares, the verdict."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scoring.calibration import (
    FIELDS,
    MIN_RECORDS,
    REFERENCE,
    build_reference,
    calibration,
    load_reference,
    scan_shares,
)


def _records(rows: list[tuple]) -> pd.DataFrame:
    """rows: (record_id, kind, [(country, weight)], codes dict)."""
    return pd.DataFrame(
        {
            "record_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "countries": [json.dumps([{"country": c, "weight": w} for c, w in r[2]]) for r in rows],
            "codes": [json.dumps(r[3]) for r in rows],
        }
    )


def test_committed_reference_is_what_the_published_tables_give(shared_data):
    rebuilt = build_reference(shared_data / "reference" / "nsf_sei")
    committed = load_reference(REFERENCE)
    pd.testing.assert_frame_equal(rebuilt.astype(committed.dtypes.to_dict()), committed)
    # the figures SOURCES.md quotes for 2022: 103,723 of 3,344,037 articles; 45,983 of 324,698 patents
    row = committed.set_index("field")
    assert round(row.at["papers_all", "japan"]) == 103723
    assert row.at["papers_all", "world"] == 3344037
    assert (row.at["patents_all", "japan"], row.at["patents_all", "world"]) == (45983, 324698)


def test_reference_covers_every_field_once():
    ref = load_reference()
    assert sorted(ref["field"]) == sorted(f.key for f in FIELDS)
    assert ref["share"].between(0, 1).all()
    assert (ref["share"] - ref["japan"] / ref["world"]).abs().max() < 1e-6


def test_fractional_share_counts_each_records_japanese_weight():
    recs = _records(
        [
            ("arxiv:1", "paper", [("JP", 0.5), ("US", 0.5)], {"arxiv": ["cs.LG"]}),
            ("arxiv:2", "paper", [("US", 1.0)], {"arxiv": ["cs.CV"]}),
            ("arxiv:3", "paper", [("JP", 1.0)], {"arxiv": ["quant-ph"]}),
            ("arxiv:4", "paper", [], {"arxiv": ["cs.AI"]}),  # no country: left out, and counted
            (
                "openalex:W5",
                "paper",
                [("DE", 1.0)],
                {"topics": ["Deep Learning", "Computer Science"]},
            ),
            ("patent:US1", "patent", [("JP", 1.0)], {"ipc": ["H01L21/02"]}),
            ("patent:US2", "patent", [("KR", 1.0)], {"cpc": ["H10B12/00"]}),
            ("patent:US3", "patent", [("US", 1.0)], {"ipc": ["A61K8/02"]}),  # cosmetics, not pharma
        ]
    )
    shares = scan_shares(recs, pd.DataFrame(columns=["record_id", "domain"])).set_index("field")
    cs = shares.loc["papers_computer"]
    assert (cs["records"], cs["with_country"]) == (4, 3)
    assert cs["share"] == pytest.approx(0.5 / 3)
    assert shares.at["papers_physics", "share"] == pytest.approx(1.0)
    assert shares.at["papers_all", "share"] == pytest.approx(1.5 / 4)
    assert shares.at["patents_semiconductors", "share"] == pytest.approx(0.5)
    assert shares.at["patents_pharmaceuticals", "records"] == 0
    assert pd.isna(shares.at["patents_pharmaceuticals", "share"])  # no records: no share


def test_ai_articles_are_whole_counted_over_the_records_assigned_to_ai():
    recs = _records(
        [
            ("arxiv:1", "paper", [("JP", 0.25), ("US", 0.75)], {}),
            ("arxiv:2", "paper", [("US", 1.0)], {}),
            ("arxiv:3", "paper", [("JP", 1.0)], {}),  # not assigned to ai_ml
        ]
    )
    assigned = pd.DataFrame({"record_id": ["arxiv:1", "arxiv:2"], "domain": ["ai_ml", "ai_ml"]})
    ai = scan_shares(recs, assigned).set_index("field").loc["papers_ai"]
    assert (ai["records"], ai["japan"], ai["share"]) == (2, 1.0, 0.5)


def _one_field(n_japan: int, n_other: int) -> pd.DataFrame:
    rows = [(f"arxiv:j{i}", "paper", [("JP", 1.0)], {"arxiv": ["cs.LG"]}) for i in range(n_japan)]
    rows += [(f"arxiv:o{i}", "paper", [("US", 1.0)], {"arxiv": ["cs.LG"]}) for i in range(n_other)]
    return _records(rows)


def test_a_share_off_by_more_than_a_factor_two_is_flagged_and_warned():
    ref = load_reference()
    published = ref.set_index("field").at["papers_computer", "share"]
    n = 200
    japan = round(n * published * 3)  # three times the published share
    check = calibration(
        _one_field(japan, n - japan), pd.DataFrame(columns=["record_id", "domain"]), ref
    )
    assert "papers_computer" in check["flagged"]
    row = next(r for r in check["fields"] if r["field"] == "papers_computer")
    assert row["ratio"] == pytest.approx(japan / n / published, rel=1e-3)
    assert any("computer and information sciences" in w for w in check["warnings"])
    within = calibration(
        _one_field(round(n * published), n - round(n * published)),
        pd.DataFrame(columns=["record_id", "domain"]),
        ref,
    )
    assert "papers_computer" not in within["flagged"]


def test_few_records_are_not_compared_and_a_demo_raises_no_warning():
    ref = load_reference()
    small = calibration(
        _one_field(5, MIN_RECORDS - 10), pd.DataFrame(columns=["record_id", "domain"]), ref
    )
    row = next(r for r in small["fields"] if r["field"] == "papers_computer")
    assert row["ratio"] is None and "too few" in row["verdict"] and not small["flagged"]
    demo = calibration(
        _one_field(150, 50), pd.DataFrame(columns=["record_id", "domain"]), ref, demo=True
    )
    assert "papers_computer" in demo["flagged"] and not demo["warnings"]
    assert "planted" in demo["note"] and demo["note_ja"]
