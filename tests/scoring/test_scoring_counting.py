"""Fractional and full counting, patent families, windows, shares and RTA, by hand."""

from __future__ import annotations

from datetime import date

import pytest
from scoring_helpers import assignments, records, value, weights

from scoring.counting import count_outputs, is_incomplete, window_table
from scoring.indicators import volume_indicators
from scoring.inputs import prepare

AS_OF = date(2026, 6, 30)


def corpus():
    recs = records(
        [
            {"record_id": "demo:p1", "countries": {"JP": 0.5, "US": 0.5}},
            {"record_id": "demo:p2", "countries": {"JP": 1.0}},
            {"record_id": "demo:p3", "countries": {"US": 2 / 3, "CN": 1 / 3}, "date": "2023-01-10"},
            {"record_id": "patent:t1", "kind": "patent", "countries": {"JP": 1.0},
             "date": "2024-03-01", "ids": ["family:F1"]},
            {"record_id": "patent:t2", "kind": "patent", "countries": {"US": 1.0},
             "date": "2024-06-01", "ids": ["family:F1"]},
            {"record_id": "patent:t3", "kind": "patent", "countries": {"CN": 1.0}},
            {"record_id": "demo:future", "countries": {"JP": 1.0}, "date": "2027-01-01"},
        ]
    )  # fmt: skip
    asg = assignments(
        [
            ("demo:p1", "alpha", 1.0),
            ("demo:p2", "alpha", 0.5),
            ("demo:p2", "beta", 0.5),
            ("demo:p3", "alpha", 1.0),
            ("patent:t1", "alpha", 1.0),
            ("patent:t2", "alpha", 1.0),
            ("patent:t3", "alpha", 1.0),
            ("demo:future", "alpha", 1.0),
        ]
    )
    return recs, asg


def test_fractional_and_full_counts_times_share():
    recs, asg = corpus()
    prep = prepare(recs, asg, as_of=AS_OF)
    assert prep.dropped["after_as_of"] == 1
    assert prep.dropped["patent_family_duplicates"] == 1
    counts = count_outputs(prep.credit, window_table(AS_OF, weights().windows))
    ind = volume_indicators(counts)
    # papers in alpha: JP = 0.5 (p1) + 1.0 × 0.5 (p2, half in alpha) = 1.0
    assert value(ind, "alpha", "JP", "papers_frac") == pytest.approx(1.0)
    # US = 0.5 (p1) + 2/3 (p3) = 7/6; CN = 1/3
    assert value(ind, "alpha", "US", "papers_frac") == pytest.approx(7 / 6)
    assert value(ind, "alpha", "CN", "papers_frac") == pytest.approx(1 / 3)
    # full counting: 1 per record the country is on, times the share: JP = 1 + 0.5
    assert value(ind, "alpha", "JP", "papers_full") == pytest.approx(1.5)
    assert value(ind, "alpha", "US", "papers_full") == pytest.approx(2.0)
    # paper share of JP = 1.0 / (1.0 + 7/6 + 1/3) = 0.4
    assert value(ind, "alpha", "JP", "paper_share") == pytest.approx(0.4)
    # patent family F1 counted once, from its earliest member (t1, JP): JP 1, CN 1, US none
    assert value(ind, "alpha", "JP", "patent_families_frac") == pytest.approx(1.0)
    assert value(ind, "alpha", "JP", "patent_share") == pytest.approx(0.5)
    assert value(ind, "alpha", "US", "patent_families_frac") == 0.0
    assert value(ind, "beta", "JP", "papers_frac") == pytest.approx(0.5)


def test_activity_index_by_hand():
    recs, asg = corpus()
    prep = prepare(recs, asg, as_of=AS_OF)
    ind = volume_indicators(count_outputs(prep.credit, window_table(AS_OF, weights().windows)))
    # JP: 1.0 in alpha, 0.5 in beta; world: 2.5 in alpha, 0.5 in beta; total 3.0
    # AI(JP, alpha) = (1.0 / 1.5) / (2.5 / 3.0) = 0.8; AI(JP, beta) = (0.5/1.5)/(0.5/3.0) = 2
    assert value(ind, "alpha", "JP", "activity_index") == pytest.approx(0.8)
    assert value(ind, "beta", "JP", "activity_index") == pytest.approx(2.0)
    assert value(ind, "alpha", "US", "activity_index") == pytest.approx(1.2)
    assert value(ind, "alpha", "JP", "activity_index_sym") == pytest.approx(-0.2 / 1.8)


def test_windows_and_incomplete_flag():
    table = window_table(date(2026, 3, 1), weights().windows)
    assert table["window"].tolist() == ["2022-2026", "2017-2021"]
    recs = records(
        [
            {"record_id": f"demo:a{i}", "date": "2025-05-01", "countries": {"US": 1}}
            for i in range(10)
        ]
        + [
            {"record_id": f"demo:b{i}", "date": "2026-02-01", "countries": {"US": 1}}
            for i in range(5)
        ]
    )
    asg = assignments([(r, "alpha", 1.0) for r in recs["record_id"]])
    prep = prepare(recs, asg, as_of=date(2026, 3, 1))
    flag, info = is_incomplete(prep.units, date(2026, 3, 1), 0.6)
    assert flag is True  # 5 < 0.6 × 10
    assert info == {"last_year_records": 5.0, "previous_year_records": 10.0}
    assert is_incomplete(prep.units, date(2026, 3, 1), 0.5)[0] is False  # 5 ≥ 0.5 × 10


def test_decoded_lists_and_json_text_give_the_same_credit():
    recs, asg = corpus()
    decoded = recs.assign(
        countries=recs["countries"].map(__import__("json").loads),
        ids=recs["ids"].map(__import__("json").loads),
    )
    a = prepare(recs, asg, as_of=AS_OF).credit.sort_values(["record_id", "domain", "country"])
    b = prepare(decoded, asg, as_of=AS_OF).credit.sort_values(["record_id", "domain", "country"])
    assert a["weight"].tolist() == pytest.approx(b["weight"].tolist())
    assert a["record_id"].tolist() == b["record_id"].tolist()


def test_bad_country_entries_are_dropped_not_fatal():
    recs = records([{"record_id": "demo:x", "countries": {"JP": 1.0}}])
    recs.loc[0, "countries"] = "not json"
    recs2 = records([{"record_id": "demo:y", "countries": {"Japan": 1.0, "US": 1.0}}])
    both = __import__("pandas").concat([recs, recs2], ignore_index=True)
    prep = prepare(
        both, assignments([("demo:x", "alpha", 1.0), ("demo:y", "alpha", 1.0)]), as_of=AS_OF
    )
    assert prep.credit["country"].tolist() == ["US"]
    assert prep.credit["weight"].tolist() == [1.0]
