"""Tie-corrected top-10% share (NISTEP) and FWCI, by hand."""

from __future__ import annotations

from datetime import date

import pytest
from scoring_helpers import assignments, records, value, weights

from scoring.citations import fwci_values, top_weights
from scoring.counting import window_table
from scoring.indicators import citation_indicators
from scoring.inputs import prepare

AS_OF = date(2026, 6, 30)


def fifteen_papers():
    # cites 50 (JP), 30 (JP), 30 (US), 30 (US), 10 (CN), then ten uncited CN papers
    spec = [(50, "JP"), (30, "JP"), (30, "US"), (30, "US"), (10, "CN")] + [(0, "CN")] * 10
    recs = records(
        [
            {"record_id": f"demo:p{i}", "cites": c, "countries": {k: 1.0}}
            for i, (c, k) in enumerate(spec)
        ]
    )
    return recs, assignments([(r, "alpha", 1.0) for r in recs["record_id"]])


def test_tie_correction_shares_the_remaining_places():
    recs, asg = fifteen_papers()
    prep = prepare(recs, asg, as_of=AS_OF)
    tops = top_weights(prep.units, 0.10).set_index("record_id")
    # x·N = 1.5; θ = cites of the 2nd paper = 30; one paper above θ, three tied at θ:
    # each tied paper weighs (1.5 − 1) / 3 = 1/6; the set sums to exactly 1.5.
    assert tops.loc["demo:p0", "top_weight"] == 1.0
    for rid in ("demo:p1", "demo:p2", "demo:p3"):
        assert tops.loc[rid, "top_weight"] == pytest.approx(1 / 6)
    assert tops.loc["demo:p4", "top_weight"] == 0.0
    assert tops["top_weight"].sum() == pytest.approx(1.5)
    assert tops["theta"].iloc[0] == 30

    ind, _ = citation_indicators(
        prep.units, prep.credit, window_table(AS_OF, weights().windows), 0.10
    )
    # Top(JP) = 1 + 1/6 = 7/6 of 1.5 → 7/9; Top(US) = 2/6 → 2/9
    assert value(ind, "alpha", "JP", "top10_count") == pytest.approx(7 / 6)
    assert value(ind, "alpha", "JP", "top10_share") == pytest.approx(7 / 9)
    assert value(ind, "alpha", "US", "top10_share") == pytest.approx(2 / 9)


def test_small_set_gives_the_top_paper_a_fraction():
    recs = records(
        [
            {"record_id": f"demo:q{i}", "cites": c, "countries": {"JP": 1}}
            for i, c in enumerate([9, 3, 3, 1, 0])
        ]
    )
    prep = prepare(recs, assignments([(r, "alpha", 1.0) for r in recs["record_id"]]), as_of=AS_OF)
    tops = top_weights(prep.units, 0.10).set_index("record_id")["top_weight"]
    # x·N = 0.5 < 1: the most cited paper holds 0.5, nobody else anything
    assert tops["demo:q0"] == pytest.approx(0.5)
    assert tops.drop("demo:q0").sum() == 0.0


def test_top_set_is_per_year():
    recs = records(
        [
            {"record_id": "demo:a", "cites": 100, "date": "2023-01-01", "countries": {"US": 1}},
            {"record_id": "demo:b", "cites": 1, "date": "2024-01-01", "countries": {"JP": 1}},
        ]
    )
    prep = prepare(
        recs, assignments([("demo:a", "alpha", 1.0), ("demo:b", "alpha", 1.0)]), as_of=AS_OF
    )
    tops = top_weights(prep.units, 0.10).set_index("record_id")["top_weight"]
    # each year is its own set of one paper: both weigh 0.1
    assert tops["demo:a"] == pytest.approx(0.1)
    assert tops["demo:b"] == pytest.approx(0.1)


def test_fwci_by_hand():
    recs = records(
        [
            {"record_id": "demo:f1", "cites": 4, "countries": {"JP": 1.0}},
            {"record_id": "demo:f2", "cites": 2, "countries": {"JP": 0.5, "US": 0.5}},
            {"record_id": "demo:f3", "cites": 0, "countries": {"US": 1.0}},
            {"record_id": "demo:f4", "cites": None, "countries": {"US": 1.0}},
        ]
    )
    prep = prepare(recs, assignments([(r, "alpha", 1.0) for r in recs["record_id"]]), as_of=AS_OF)
    fw = dict(zip(prep.units["record_id"], fwci_values(prep.units), strict=True))
    # mean cites of the same domain, year, kind = (4 + 2 + 0) / 3 = 2 (unknown cites left out)
    assert fw["demo:f1"] == pytest.approx(2.0)
    assert fw["demo:f2"] == pytest.approx(1.0)
    assert fw["demo:f3"] == 0.0
    assert fw["demo:f4"] != fw["demo:f4"]  # NaN
    ind, _ = citation_indicators(
        prep.units, prep.credit, window_table(AS_OF, weights().windows), 0.10
    )
    # JP: (1·2 + 0.5·1) / 1.5 = 5/3; US: (0.5·1 + 1·0) / 1.5 = 1/3
    assert value(ind, "alpha", "JP", "fwci") == pytest.approx(5 / 3)
    assert value(ind, "alpha", "US", "fwci") == pytest.approx(1 / 3)
