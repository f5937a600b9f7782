"""Reuse of a stage's rows: the corpus fingerprint and the donor it names."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from flows import reuse
from horizon.workspace import Workspace


def _record(rid: str, title: str) -> dict:
    return {
        "record_id": rid, "kind": "paper", "source": "papers_openalex", "title": title,
        "text": "", "language": "en", "published_date": dt.date(2025, 1, 1),
        "countries": json.dumps([{"country": "JP", "weight": 1.0}]), "sharing": "CLEAR",
        "raw_sha256": "b" * 64, "fetched_at": dt.datetime(2026, 1, 1), "content_sha256": title,
    }  # fmt: skip


@pytest.fixture
def store(tmp_path):
    return Workspace(tmp_path / "ws").ensure().store()


def _scan(store, sid: str, records: list[dict], status: str = "completed") -> None:
    store.begin_scan(sid, demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", sid, pd.DataFrame(records))
    store.replace_rows("scores", sid, pd.DataFrame([{"domain": "quantum", "rank": 1}]))
    if status != "running":
        store.finish_scan(sid, status)


READS = {"records": ('"record_id", "title", "published_date", "countries"', "")}


def test_digest_ignores_row_order_and_sees_every_value(store):
    a, b = _record("doi:1", "a"), _record("doi:2", "b")
    _scan(store, "s1", [a, b])
    _scan(store, "s2", [b, a], status="running")
    same = reuse.corpus_digest(store, "s1", READS)
    assert reuse.corpus_digest(store, "s2", READS) == same
    _scan(store, "s3", [a, {**b, "title": "b!"}], status="running")
    assert reuse.corpus_digest(store, "s3", READS) != same
    # a column left out of what is read does not count
    _scan(store, "s4", [a, {**b, "fetched_at": dt.datetime(2026, 2, 2)}], status="running")
    assert reuse.corpus_digest(store, "s4", READS) == same


def test_donor_must_be_finished_with_its_rows(store, tmp_path):
    folder = tmp_path / "cache"
    _scan(store, "s1", [_record("doi:1", "a")])
    reuse.remember(folder, "k", "s1", {"scores": 1})
    _scan(store, "s2", [_record("doi:1", "a")], status="running")
    assert reuse.find_donor(folder, "k", store, "s2")["scan_id"] == "s1"
    assert reuse.find_donor(folder, "other", store, "s2") is None
    assert reuse.find_donor(folder, "k", store, "s1") is None  # never itself
    reuse.copy_rows(store, "s1", "s2", ["scores"])
    assert store.read("scores", "s2")[["domain", "rank"]].to_dict("records") == [
        {"domain": "quantum", "rank": 1}
    ]
    with store.connect() as con:  # the donor's rows changed since: computed again
        con.execute("DELETE FROM scores WHERE scan_id = 's1'")
    assert reuse.find_donor(folder, "k", store, "s2") is None
    _scan(store, "s3", [_record("doi:1", "a")], status="failed")
    reuse.remember(folder, "k", "s3", {"scores": 1})
    assert reuse.find_donor(folder, "k", store, "s2") is None  # a failed scan gives nothing
