"""Checks as data on literal frames: records per source and kind, domain shares, degenerate
indicators and the warnings."""

from __future__ import annotations

import pandas as pd

from scoring.quality import degenerate_indicators, domain_shares, quality_checks, records_by_source

RECORDS = pd.DataFrame(
    [
        ("r1", "papers_openalex", "paper", "en"),
        ("r2", "papers_openalex,papers_crossref", "paper", "en"),
        ("r3", "patents_epo_ops", "patent", "en"),
        ("r4", "policy_feed", "policy", "ja"),
        ("r5", "policy_feed", "policy", "ja"),
        ("r6", "policy_govuk", "policy", None),
        ("r7", "policy_feed", "policy", "de"),
    ],
    columns=["record_id", "source", "kind", "language"],
)


def test_records_per_source_and_kind_count_a_merged_record_for_each_source():
    assert records_by_source(RECORDS) == {
        "papers_openalex": {"paper": 2},
        "papers_crossref": {"paper": 1},
        "patents_epo_ops": {"patent": 1},
        "policy_feed": {"policy": 3},
        "policy_govuk": {"policy": 1},
    }


def test_domain_shares_per_kind_and_language():
    assignments = pd.DataFrame({"record_id": ["r1", "r1", "r3", "r4"]})  # r1 in two domains
    shares = domain_shares(RECORDS, assignments)
    assert shares["kind"] == {
        "paper": {"records": 2, "with_domain": 1, "share": 0.5},
        "patent": {"records": 1, "with_domain": 1, "share": 1.0},
        "policy": {"records": 4, "with_domain": 1, "share": 0.25},
    }
    assert shares["language"]["ja"] == {"records": 2, "with_domain": 1, "share": 0.5}
    assert shares["language"]["unknown"]["records"] == 1


def indicator(name, values, country="JP", window="2022-2026"):
    """Indicator rows for the domains in `values`."""
    return [(d, country, window, name, v) for d, v in values.items()]


def test_constant_and_single_domain_indicators_in_the_latest_window():
    rows = (
        indicator("flat", {"a": 0.0, "b": 0.0})  # c missing counts as 0: constant
        + indicator("lonely", {"a": 0.0, "b": 2.5, "c": 0.0})
        + indicator("lonely", {"a": 1.0, "b": 1.0, "c": 1.0}, window="2017-2021")  # older window
        + indicator("fine", {"a": 1.0, "b": 2.0, "c": 0.0})
        + indicator("world", {"a": 3.0, "b": 3.0, "c": 3.0}, country="WORLD")
        + indicator("fine", {"a": 5.0, "b": 5.0, "c": 5.0}, country="US")  # Japan's row is read
    )
    frame = pd.DataFrame(rows, columns=["domain", "country", "window", "indicator", "value"])
    out = degenerate_indicators(frame, ["a", "b", "c"])
    assert out["constant"] == [
        {"indicator": "flat", "country": "JP", "window": "2022-2026", "value": 0.0},
        {"indicator": "world", "country": "WORLD", "window": "2022-2026", "value": 3.0},
    ]
    assert out["one_domain"] == [
        {"indicator": "lonely", "country": "JP", "window": "2022-2026", "domain": "b"}
    ]


def test_a_kind_or_read_language_without_any_domain_is_a_warning():
    assignments = pd.DataFrame({"record_id": ["r1", "r3"]})  # no policy record has a domain
    empty = pd.DataFrame(columns=["domain", "country", "window", "indicator", "value"])
    checks = quality_checks(RECORDS, assignments, empty, ["a"])
    # policy and Japanese are warned about; German (not a language the pipeline reads) is not
    assert checks["warnings"] == [
        "NO DOMAIN for any of the 4 policy records",
        "NO DOMAIN for any of the 2 records in language 'ja'",
    ]
    assert checks["indicators"] == {"constant": [], "one_domain": []}
    everything = pd.DataFrame({"record_id": RECORDS["record_id"]})
    assert quality_checks(RECORDS, everything, empty, ["a"])["warnings"] == []


def test_a_weighted_indicator_that_cannot_rank_is_a_warning():
    rows = indicator("lonely", {"a": 0.0, "b": 2.5, "c": 0.0}) + indicator(
        "flat", {"a": 1.0, "b": 1.0, "c": 1.0}
    )
    frame = pd.DataFrame(rows, columns=["domain", "country", "window", "indicator", "value"])
    everything = pd.DataFrame({"record_id": RECORDS["record_id"]})
    checks = quality_checks(RECORDS, everything, frame, ["a", "b", "c"], ["lonely", "flat"])
    assert checks["warnings"] == [
        "flat is constant across domains (1.0): left out of its axis",
        "lonely is non-zero in one domain (b): left out of its axis",
    ]
    # an indicator no axis weights is reported, not warned about
    assert quality_checks(RECORDS, everything, frame, ["a", "b", "c"])["warnings"] == []
