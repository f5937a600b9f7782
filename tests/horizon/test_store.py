"""The store: migrations, scans side by side, idempotent writes, corpus view, clear errors."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from horizon.store import SCHEMA_VERSION, RawStore, Store, StoreError
from horizon.workspace import Workspace


def record_row(record_id: str, title: str, **over) -> dict:
    row = {
        "record_id": record_id,
        "kind": "paper",
        "source": "papers_openalex",
        "title": title,
        "text": "",
        "language": "en",
        "published_date": dt.date(2025, 1, 1),
        "countries": json.dumps([{"country": "JP", "weight": 1.0}]),
        "sharing": "CLEAR",
        "raw_sha256": "b" * 64,
        "fetched_at": dt.datetime(2026, 1, 1),
        "content_sha256": title,
    }
    row.update(over)
    return row


@pytest.fixture
def store(tmp_path) -> Store:
    ws = Workspace(tmp_path / "ws").ensure()
    return ws.store()


def test_migration_is_idempotent_and_versioned(tmp_path):
    s = Store(tmp_path / "w.duckdb")
    assert s.migrate() == 0
    assert s.migrate() == SCHEMA_VERSION
    assert s.schema_version() == SCHEMA_VERSION
    with s.connect() as con:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {
        "scans",
        "records",
        "entities",
        "assignments",
        "indicators",
        "scores",
        "evidence",
    } <= tables


def test_newer_store_is_refused(tmp_path):
    s = Store(tmp_path / "w.duckdb")
    s.migrate()
    with s.connect() as con:
        con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    with pytest.raises(StoreError, match="newer than this horizon-scan"):
        s.migrate()


def test_two_scans_side_by_side(store):
    for sid in ("s1", "s2"):
        store.begin_scan(sid, demo=True, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", "s1", pd.DataFrame([record_row("doi:1", "first")]))
    store.replace_rows(
        "records",
        "s2",
        pd.DataFrame([record_row("doi:1", "first v2"), record_row("doi:2", "second")]),
    )
    store.finish_scan("s1", "completed")
    store.finish_scan("s2", "completed")
    assert store.read("records", "s1")["title"].tolist() == ["first"]
    assert sorted(store.read("records", "s2")["title"]) == ["first v2", "second"]
    assert store.latest_scan() == "s2"
    assert set(store.scans()["status"]) == {"completed"}
    with pytest.raises(StoreError, match="never overwrites"):
        store.begin_scan("s1", demo=True, code_version="t", config_sha256={}, parameters={})


def test_replace_rows_is_idempotent(store):
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    frame = pd.DataFrame([record_row("doi:1", "a"), record_row("doi:2", "b")])
    store.replace_rows("records", "s1", frame)
    store.replace_rows("records", "s1", frame)
    assert len(store.read("records", "s1")) == 2


def test_failed_write_leaves_previous_rows(store):
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", "s1", pd.DataFrame([record_row("doi:1", "a")]))
    dupes = pd.DataFrame([record_row("doi:2", "b"), record_row("doi:2", "b again")])
    with pytest.raises(duckdb.Error):
        store.replace_rows("records", "s1", dupes)
    assert store.read("records", "s1")["title"].tolist() == ["a"]


def test_corpus_takes_newest_version_from_completed_scans(store):
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows(
        "records", "s1", pd.DataFrame([record_row("doi:1", "old"), record_row("doi:2", "kept")])
    )
    store.finish_scan("s1", "completed")
    store.begin_scan("s2", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", "s2", pd.DataFrame([record_row("doi:1", "new")]))
    store.finish_scan("s2", "failed")
    store.begin_scan("s3", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", "s3", pd.DataFrame([record_row("doi:3", "third")]))
    corpus = store.corpus("records", "s3").set_index("record_id")["title"].to_dict()
    # s2 failed, so its version of doi:1 is not part of the corpus
    assert corpus == {"doi:1": "old", "doi:2": "kept", "doi:3": "third"}
    assert store.corpus("records", "s1").shape[0] == 2
    # columns and a condition narrow what is read, the version rule still holds
    some = store.corpus("records", "s3", "record_id, title", "title <> 'kept'")
    assert list(some.columns) == ["record_id", "title"]
    assert some.set_index("record_id")["title"].to_dict() == {"doi:1": "old", "doi:3": "third"}


def test_readers_see_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="no store here yet"):
        Store(tmp_path / "missing.duckdb", read_only=True).scans()
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a horizon-scan store or it is damaged"):
        Store(junk).migrate()


def test_watermark_only_moves_forward(store):
    store.set_watermark("papers_openalex", dt.date(2026, 5, 1), "s1")
    store.set_watermark("papers_openalex", dt.date(2026, 1, 1), "s2")
    assert store.watermark("papers_openalex") == dt.date(2026, 5, 1)
    assert store.watermark("policy_feed") is None


def test_raw_store_is_content_addressed_and_immutable(tmp_path):
    raw = RawStore(tmp_path / "raw")
    sha, path = raw.put(b"<xml/>")
    mtime = path.stat().st_mtime_ns
    sha2, path2 = raw.put(b"<xml/>")
    assert (sha, path) == (sha2, path2)
    assert path.stat().st_mtime_ns == mtime
    assert raw.get(sha) == b"<xml/>"


def test_v1_store_gains_new_tables_and_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
        con.execute("INSERT INTO schema_version VALUES (1, now())")
        con.execute(
            'CREATE TABLE scores (scan_id VARCHAR NOT NULL, domain VARCHAR NOT NULL, "rank" INTEGER)'
        )
        con.execute("INSERT INTO scores VALUES ('s0', 'quantum', 3)")
    store = Store(path)
    assert store.migrate() == 1
    with store.connect() as con:
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'scores'"
            ).fetchall()
        }
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {"composite_score", "class", "rank_low"} <= cols
    assert {"records", "evidence", "scans"} <= tables
    assert store.read("scores", "s0")["rank"].tolist() == [3]


def test_a_bad_memory_cap_is_one_line_error(tmp_path, monkeypatch):
    import horizon.store

    monkeypatch.setattr(horizon.store, "DUCKDB_MEMORY", "lots")
    with pytest.raises(StoreError, match="HORIZON_DUCKDB_MEMORY='lots' is not a size"):
        Store(tmp_path / "w.duckdb").migrate()


def test_a_body_on_disk_is_stored_as_its_bytes_would_be(tmp_path):
    """put_file (a bulk file, read in chunks) gives the same hash, path and body as put."""
    body = bytes(range(256)) * 5000  # 1.28 MB: more than one chunk
    source = tmp_path / "ipg.zip"
    source.write_bytes(body)
    raw = RawStore(tmp_path / "raw")
    sha, path = raw.put_file(source, chunk=65536)
    assert (sha, path) == raw.put(body) and raw.get(sha) == body
    assert [p.name for p in (tmp_path / "raw").rglob("*") if p.is_file()] == [f"{sha}.gz"]


def test_corpus_counts_count_rows_by_their_record_label(store):
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows(
        "records",
        "s1",
        pd.DataFrame([record_row("doi:1", "a"), record_row("doi:2", "b", sharing="AMBER")]),
    )
    ent = lambda rid, text, sharing=None: {  # noqa: E731
        "record_id": rid, "label": "TECH", "text": text, "sharing": sharing,
    }  # fmt: skip
    rows = [ent("doi:1", "qubit"), ent("doi:1", "qubit"), ent("doi:2", "qubit", "AMBER"),
            ent("doi:9", "laser")]  # fmt: skip
    store.replace_rows("entities", "s1", pd.DataFrame(rows))
    counts = store.corpus_counts("entities", "s1", ["text", "sharing"])
    got = {
        (r.record_sharing if isinstance(r.record_sharing, str) else None, r.text, r.n)
        for r in counts.itertuples()
    }
    # doi:9 has no record in the corpus, so its rows are no part of it (as with `corpus`)
    assert got == {("CLEAR", "qubit", 2), ("AMBER", "qubit", 1)}
    assert counts["n"].sum() == len(store.corpus("entities", "s1"))
