"""What scoring reads of the corpus, chosen in DuckDB: the same rows as reading every row into
pandas and filtering there, in the same order, and the same scores from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import scoring
from flows import stages
from flows.briefing_scope import RECORD_COLUMNS, member
from flows.scored_corpus import SCORED_ASSIGNMENTS, scored_rows
from flows.stages import SCORED_ENTITIES, ScanContext
from horizon.schemas import Record
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-09-30"
TECH = [("genome_editing", "biotech"), ("synthetic_biology", "biotech"), ("qubits", "quantum")]


def _record(i: int, title: str, sharing: str = "CLEAR") -> dict:
    return Record(
        record_id=f"doi:10.9/r{i}", kind=("paper", "patent", "policy")[i % 3],
        source="papers_openalex", title=title, text="", language="en",
        published_date=dt.date(2024, 1, 1) + dt.timedelta(days=37 * i),
        countries=[{"country": ("JP", "US", "CN")[i % 3], "weight": 1.0}], sharing=sharing,
        raw_sha256="0" * 64, fetched_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    ).to_row()  # fmt: skip


def write_rows(store, scan_id: str, ids: list[int], title: str) -> None:
    """Records `ids` in a scan, each with assignments to two domains and entities of three
    labels (TECH and MONEY are scored, ORG is not)."""
    recs = [_record(i, f"{title} {i}", "GREEN" if i % 4 == 0 else "CLEAR") for i in ids]
    store.replace_rows("records", scan_id, pd.DataFrame(recs))
    assigned, found = [], []
    for r, i in zip(recs, ids, strict=True):
        rid, label = r["record_id"], r["sharing"]
        for domain, share in (("biotech", 0.7), ("quantum", 0.3)):
            assigned.append({"record_id": rid, "domain": domain, "confidence": 0.9,
                             "share": share, "reason": "test", "sharing": label})  # fmt: skip
        for sub, domain in TECH[: 1 + i % 3]:
            found.append({"record_id": rid, "label": "TECH", "text": sub, "term_id": sub,
                          "subtech": sub, "domain": domain, "sharing": label})  # fmt: skip
        found.append({"record_id": rid, "label": "MONEY", "text": "¥5億", "value": 5e8 + i,
                      "currency": "JPY", "sharing": label})  # fmt: skip
        found.append({"record_id": rid, "label": "ORG", "text": "RIKEN", "sharing": label})
    store.replace_rows("assignments", scan_id, pd.DataFrame(assigned))
    store.replace_rows("entities", scan_id, pd.DataFrame(found))


@pytest.fixture
def ctx(tmp_path) -> ScanContext:
    """Two scans: the second changes records 2 and 3 and brings 12 and 13."""
    store = Workspace(tmp_path).ensure().store()
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    write_rows(store, "s1", list(range(12)), "Photonic accelerator survey")
    store.finish_scan("s1", "completed")
    store.begin_scan("s2", demo=False, code_version="t", config_sha256={}, parameters={})
    write_rows(store, "s2", [2, 3, 12, 13], "Revised photonic accelerator survey")
    return ScanContext(home=str(tmp_path), config_dir=str(REPO / "data/config"), scan_id="s2",
                       as_of=AS_OF)  # fmt: skip


def test_rows_and_order_are_those_of_the_corpus(ctx):
    store = ctx.workspace.store()
    whole = store.corpus("assignments", "s2")[["record_id", "domain", "share"]]
    got = scored_rows(store, "s2", "assignments", SCORED_ASSIGNMENTS)
    pd.testing.assert_frame_equal(got, whole.reset_index(drop=True))
    assert len(got) == 2 * 14  # each record's newest version only
    assert set(got.loc[got["record_id"] == "doi:10.9/r2", "share"]) == {0.7, 0.3}

    ids = ["doi:10.9/r2", "doi:10.9/r5", "doi:10.9/r13", "doi:10.9/absent"]
    chosen = scored_rows(store, "s2", "assignments", SCORED_ASSIGNMENTS, ids)
    pd.testing.assert_frame_equal(
        chosen, whole[member(whole["record_id"], ids)].reset_index(drop=True)
    )
    entities = store.corpus("entities", "s2", *SCORED_ENTITIES)
    picked = scored_rows(store, "s2", "entities", SCORED_ENTITIES, ids)
    assert set(picked["label"]) == {"TECH", "MONEY"}
    key = list(picked.columns)
    expected = entities[member(entities["record_id"], ids)]
    pd.testing.assert_frame_equal(
        picked.sort_values(key, ignore_index=True),
        expected.sort_values(key, ignore_index=True),
    )
    assert scored_rows(store, "s2", "assignments", SCORED_ASSIGNMENTS, []).empty


def test_rescoring_scores_what_filtering_in_pandas_scored(ctx):
    store = ctx.workspace.store()
    visible = store.corpus("records", "s2", RECORD_COLUMNS)
    visible = visible[visible["sharing"] == "CLEAR"].reset_index(drop=True)
    ids = visible["record_id"]
    assignments = store.corpus("assignments", "s2")
    entities = store.corpus("entities", "s2", *SCORED_ENTITIES)
    before = scoring.score_domains(
        visible,
        assignments[member(assignments["record_id"], ids)],
        entities[member(entities["record_id"], ids)],
        ctx.taxonomy(),
        ctx.weights(),
        as_of=dt.date.fromisoformat(AS_OF),
        judgements=stages._judgements(ctx),
    ).frames()
    after = stages.rescore_visible(ctx, visible)
    assert before["indicators"]["value"].notna().any()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, check_exact=True, obj=name)
