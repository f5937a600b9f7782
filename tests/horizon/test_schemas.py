"""The record schema: what it accepts, what it refuses and why."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horizon.schemas import (
    TABLES,
    CountryWeight,
    Record,
    Reject,
    Sharing,
    fractional_weights,
    validate_record,
)

SHA = "a" * 64


def fields(**over):
    base = {
        "record_id": "doi:10.1000/xyz",
        "kind": "paper",
        "source": "papers_openalex",
        "title": "  Quantum   key distribution over 100 km ",
        "raw_sha256": SHA,
        "fetched_at": dt.datetime(2026, 11, 1, 12, 0),
        "countries": [{"country": "jp", "weight": 0.5}, {"country": "US", "weight": 0.5}],
    }
    base.update(over)
    return base


def test_valid_record_is_normalised():
    rec = validate_record(fields(), "papers_openalex")
    assert isinstance(rec, Record)
    assert rec.title == "Quantum key distribution over 100 km"
    assert [c.country for c in rec.countries] == ["JP", "US"]
    assert rec.sharing is Sharing.clear
    assert rec.id_prefix == "doi"


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"record_id": "10.1000/xyz"}, "record_id"),
        ({"title": "   "}, "title"),
        ({"kind": "book"}, "kind"),
        ({"countries": [{"country": "JPN", "weight": 1.0}]}, "ISO 3166"),
        ({"countries": [{"country": "JP", "weight": 0.7}]}, "sum to 1"),
        (
            {"countries": [{"country": "JP", "weight": 0.5}, {"country": "jp", "weight": 0.5}]},
            "twice",
        ),
        ({"raw_sha256": "nothex"}, "raw_sha256"),
        ({"cited_by_count": -3}, "cited_by_count"),
        ({"sharing": "SECRET"}, "sharing"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(over, reason):
    out = validate_record(fields(**over), "papers_openalex")
    assert isinstance(out, Reject)
    assert reason in out.reason
    assert out.source == "papers_openalex"
    assert "\n" not in out.reason


def test_sharing_labels_parse_and_order():
    assert Sharing.parse("amber-strict") is Sharing.amber_strict
    assert Sharing.parse("TLP:RED") is Sharing.red
    levels = [Sharing.parse(x).level for x in ["clear", "green", "amber", "amber+strict", "red"]]
    assert levels == [0, 1, 2, 3, 4]


def test_fractional_weights_by_hand():
    # Three authors: JP; JP+US; unknown.  Known authors: 2 → JP = 1/2 + 1/4, US = 1/4.
    weights = fractional_weights([["JP"], ["jp", "US"], []])
    assert [(w.country, w.weight) for w in weights] == [("JP", 0.75), ("US", 0.25)]
    assert fractional_weights([[], []]) == []


@given(
    st.lists(st.lists(st.sampled_from(["JP", "US", "CN", "DE", "KR", ""]), max_size=4), max_size=12)
)
def test_fractional_weights_sum_to_one(authors):
    weights = fractional_weights(authors)
    if any(c for a in authors for c in a):
        assert abs(sum(w.weight for w in weights) - 1) < 1e-9
    else:
        assert weights == []


def test_row_round_trip_carries_provenance_and_hash():
    rec = Record.model_validate(fields(text="abstract", sharing="AMBER"))
    row = rec.to_row(demo=True)
    assert row["sharing"] == "AMBER"
    assert json.loads(row["countries"]) == [
        {"country": "JP", "weight": 0.5},
        {"country": "US", "weight": 0.5},
    ]
    assert row["demo"] is True
    assert row["content_sha256"] == rec.content_sha256()
    changed = Record.model_validate(fields(text="another abstract", sharing="AMBER"))
    assert changed.content_sha256() != rec.content_sha256()
    assert set(row) <= set(TABLES["records"].names)


def test_country_weight_is_bounded():
    with pytest.raises(ValueError):
        CountryWeight(country="JP", weight=1.5)


def test_every_table_has_ddl_and_descriptions():
    for table in TABLES.values():
        assert table.ddl().startswith(f"CREATE TABLE IF NOT EXISTS {table.name}")
        assert all(c.description for c in table.columns)
