"""The briefing's counts in DuckDB equal the frame functions they replace, over generated corpora
with mixed labels (own labels on assignments, an unknown label, several countries, two sources)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import briefing_corpus as bc
from flows.briefing_scope import read_assignments, read_scan, scope_scan
from horizon.api import country_counts, yearly_counts
from horizon.schemas import Sharing
from tests.flows.test_briefing_scope import LABELS, build_store

row = st.tuples(
    st.sampled_from(LABELS),
    st.lists(st.sampled_from(["quantum", "space", "ai"]), min_size=1, max_size=3, unique=True),
    st.one_of(st.none(), st.integers(2015, 2025)),
    st.lists(st.tuples(st.sampled_from(["JP", "US", "", "DE"]), st.floats(0, 1)), max_size=3),
    st.sampled_from([None, "CLEAR", "RED"]),  # the assignment's own label
)


def corpus(rows: list[tuple]) -> dict[str, pd.DataFrame]:
    records = pd.DataFrame(
        [
            {"record_id": f"r{i}", "kind": "paper", "source": "a, b" if i % 3 else "a",
             "title": f"title {i % 4}", "published_date": dt.date(year, 3, 1) if year else None,
             "countries": [{"country": c, "weight": w} for c, w in countries],
             "sharing": label, "raw_sha256": "0" * 64,
             "fetched_at": dt.datetime(2026, 11, 1 + i % 20)}
            for i, (label, _, year, countries, _) in enumerate(rows)
        ]
    )  # fmt: skip
    assignments = pd.DataFrame(
        [(f"r{i}", d, 1 / len(ds), own) for i, (_, ds, _, _, own) in enumerate(rows) for d in ds],
        columns=["record_id", "domain", "share", "sharing"],
    ).assign(confidence=1.0, reason="code")
    return {"records": records, "assignments": assignments}


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as objects, missing ones None (an all-missing column is read as None, else NaN)."""
    return frame.astype(object).where(frame.notna(), None)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=12), st.sampled_from(list(Sharing)))
def test_counts_in_duckdb_equal_the_frame_functions(rows, audience):
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "w.duckdb", corpus(rows))
        scoped = scope_scan(
            read_scan(store, "s1"), audience, rescore=None, taxonomy=None, weights=None,
            mark_withheld=True,
        )  # fmt: skip
        records, assignments = scoped.frames.records, scoped.frames.assignments
        labels = bc.visible_labels(store, audience)

        split = read_scan(store, "s1", audience=audience)
        pd.testing.assert_frame_equal(plain(split.records), plain(records))
        pd.testing.assert_frame_equal(
            plain(read_assignments(store, "s1", audience)), plain(assignments)
        )
        hidden = split.hidden.sort_values("record_id")["record_id"].tolist()
        assert hidden == sorted(
            set(corpus(rows)["records"]["record_id"]) - set(records["record_id"])
        )
        pd.testing.assert_frame_equal(
            bc.yearly_counts(store, "s1", labels), yearly_counts(records, assignments),
            check_dtype=False, check_exact=True,
        )  # fmt: skip
        pd.testing.assert_frame_equal(
            bc.country_counts(store, "s1", labels), country_counts(records, assignments),
            check_dtype=False, check_exact=True,
        )  # fmt: skip
        snaps = bc.source_snapshots(store, "s1", labels)
        per_source = records.assign(source=records["source"].str.split(",")).explode("source")
        assert {s: v["records"] for s, v in snaps.items()} == (
            per_source["source"].str.strip().value_counts().to_dict()
        )


def test_frames_read_for_one_audience_are_refused_for_another(tmp_path):
    store = build_store(tmp_path / "w.duckdb", corpus([("CLEAR", ["ai"], 2020, [], None)]))
    with pytest.raises(ValueError, match="read for TLP:CLEAR"):
        scope_scan(
            read_scan(store, "s1", audience=Sharing.clear), Sharing.red, rescore=None,
            taxonomy=None, weights=None,
        )  # fmt: skip
