"""The previous scan's re-scoring for an audience found again by the digest of its visible
records: the same briefing as reading and hashing them, and never a stale one."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import stages
from flows.stages import ScanContext
from horizon.workspace import Workspace
from tests.flows.test_scored_corpus import write_rows

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-09-30"


def _scan(home: Path, scan_id: str, ids: list[int], title: str) -> ScanContext:
    """A scan of records `ids` (GREEN every fourth), scored and briefed for TLP:CLEAR."""
    store = Workspace(home).ensure().store()
    store.begin_scan(scan_id, demo=False, code_version="t", config_sha256={}, parameters={})
    write_rows(store, scan_id, ids, title)
    ctx = ScanContext(home=str(home), config_dir=str(REPO / "data/config"), scan_id=scan_id,
                      as_of=AS_OF)  # fmt: skip
    stages.score(ctx)
    stages.brief(ctx, audience="CLEAR", language="en", run_by="test")
    store.finish_scan(scan_id, "completed")
    return ctx


def _rescored(monkeypatch) -> list[list[str]]:
    """The record sets re-scored from here on (the kept ones included)."""
    calls: list[list[str]] = []
    real = stages.rescore_visible

    def counted(ctx, records, cached=None):
        calls.append(sorted(records["record_id"]))
        return real(ctx, records, cached)

    monkeypatch.setattr(stages, "rescore_visible", counted)
    return calls


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".csv"}


@pytest.fixture
def second(tmp_path) -> ScanContext:
    """Two scans: the second changes record 2 and brings 12 and 13."""
    _scan(tmp_path, "s1", list(range(12)), "Photonic accelerator survey")
    ctx = _scan(tmp_path, "s2", [2, 12, 13], "Revised photonic accelerator survey")
    ctx.workspace.store().reopen_scan("s2")
    return ctx


def test_previous_rescoring_is_found_by_digest(second, monkeypatch):
    out = second.workspace.briefing_dir("s2", "CLEAR", "en")
    named = _files(out)
    calls = _rescored(monkeypatch)
    stages.brief(second, audience="CLEAR", language="en", run_by="test")
    first_visible = [f"doi:10.9/r{i}" for i in range(12) if i % 4]
    assert sorted(first_visible) not in calls  # s1's records were neither read nor hashed
    assert len(calls) == 1  # s2's own (kept: found by its hash)
    assert _files(out) == named

    # without the names, s1's records are read and hashed: the same briefing
    for index in (second.workspace.home / "cache" / "rescore" / "seen").glob("*.json"):
        index.unlink()
    calls.clear()
    stages.brief(second, audience="CLEAR", language="en", run_by="test")
    assert sorted(first_visible) in calls
    assert _files(out) == named


def test_a_changed_previous_corpus_is_scored_again(second, monkeypatch):
    store = second.workspace.store()
    with store.connect() as con:  # e.g. a reparse of the first scan's records
        con.execute("UPDATE records SET title = 'Renamed' WHERE scan_id = 's1' AND record_id ="
                    " 'doi:10.9/r5'")  # fmt: skip
    calls = _rescored(monkeypatch)
    stages.brief(second, audience="CLEAR", language="en", run_by="test")
    assert sorted(f"doi:10.9/r{i}" for i in range(12) if i % 4) in calls
