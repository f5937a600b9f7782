"""Scope computed, not inherited: a briefing's derived items (emerging terms and their minimum of
records, the network, counts, evidence) come from the audience's documents alone, so adding
documents above the audience changes nothing in it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from flows import stages
from flows.briefing_scope import read_scan, scope_scan
from flows.stages import ScanContext
from horizon.schemas import Record, Sharing
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2026, 8, 3)
AS_OF = "2026-09-30"
SECRET = "quiet lattice annealing"
#: (subtech, domain) pairs the records mention: the open ones share one edge, the secret ones add
#: another and weigh on the first.
OPEN_TECH = [("genome_editing", "biotech"), ("synthetic_biology", "biotech")]
SECRET_TECH = [("genome_editing", "biotech"), ("drug_discovery", "medical")]


def record(i: int, week: int, title: str, sharing: str = "CLEAR") -> dict:
    return Record(
        record_id=f"doi:10.9/s{i}", kind="paper", source="papers_openalex", title=title, text="",
        language="en", published_date=MONDAY + dt.timedelta(weeks=week, days=i % 5),
        countries=[{"country": ("JP", "US", "CN")[i % 3], "weight": 1.0}],
        sharing=sharing, raw_sha256="0" * 64, fetched_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    ).to_row()  # fmt: skip


def corpus(with_red: bool) -> list[tuple[dict, list[tuple[str, str]]]]:
    """Records and the TECH (subtech, domain) pairs each mentions."""
    rows = [(record(i, i % 6, f"Routine survey number {i}"), []) for i in range(12)]
    rows += [
        (record(50 + i, 6, f"Photonic spiking accelerator, trial {i}"), OPEN_TECH) for i in range(3)
    ]
    rows += [(record(60, 7, "Quiet lattice annealing in one open report"), OPEN_TECH)]
    if with_red:  # the phrase reaches 5 records only with these four
        rows += [(record(70 + i, 7, "Quiet lattice annealing for secret radar", "RED"), SECRET_TECH)
                 for i in range(4)]  # fmt: skip
    return rows  # fmt: skip


def scan(home: Path, with_red: bool) -> tuple[ScanContext, Path]:
    """One scan of the corpus (emerging terms and scores as the flow runs them), and its CLEAR
    English briefing written as the flow writes it."""
    rows = corpus(with_red)
    store = Workspace(home).ensure().store()
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("records", "s1", pd.DataFrame([r for r, _ in rows]))
    tech = [
        {"record_id": r["record_id"], "label": "TECH", "text": sub.replace("_", " "),
         "term_id": sub, "subtech": sub, "domain": dom, "start_char": 0, "end_char": 1, "sharing": r["sharing"]}
        for r, pairs in rows for sub, dom in pairs
    ]  # fmt: skip
    store.replace_rows("entities", "s1", pd.DataFrame(tech))
    assign = pd.DataFrame(
        [
            {"record_id": t["record_id"], "domain": t["domain"], "sharing": t["sharing"]}
            for t in tech
        ]
    ).drop_duplicates()
    shares = 1 / assign.groupby("record_id")["domain"].transform("size")
    store.replace_rows(
        "assignments", "s1", assign.assign(share=shares, confidence=0.9, reason="code")
    )
    ctx = ScanContext(
        home=str(home), config_dir=str(REPO / "data/config"), scan_id="s1", as_of=AS_OF
    )
    stages.emerging(ctx)
    stages.score(ctx)
    store.finish_scan("s1", "completed")
    return ctx, stages.brief(ctx, audience="CLEAR", language="en", run_by="t")


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    """The same CLEAR documents scanned alone and beside four RED ones."""
    return {red: scan(tmp_path_factory.mktemp(f"red{red}"), red) for red in (False, True)}


def scoped(ctx: ScanContext):
    store = ctx.workspace.store()
    return scope_scan(
        read_scan(store, ctx.scan_id), Sharing.clear,
        rescore=lambda records: stages.rescore_visible(ctx, records), taxonomy=ctx.taxonomy(),
        weights=ctx.weights(),
    )  # fmt: skip


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as timestamps (a stored table gives datetimes, a computed one dates)."""
    out = frame.reset_index(drop=True)
    for col in [c for c in out.columns if c.endswith("_date")]:
        out[col] = pd.to_datetime(out[col])
    return out


def test_a_phrase_at_the_minimum_only_with_red_records_is_not_a_clear_term(scans):
    ctx, folder = scans[True]
    stored = ctx.workspace.store().read("emerging_terms", "s1").set_index("term")
    assert stored.loc[SECRET, "count"] == 5 and stored.loc[SECRET, "sharing"] == "RED"
    terms = pd.read_csv(folder / "emerging_terms.csv", encoding="utf-8-sig")
    assert "photonic spiking accelerator" in set(terms["term"])  # 3 CLEAR records: kept
    assert not {t for t in terms["term"] if "lattice" in t or "secret" in t}
    assert set(terms["sharing"]) == {"CLEAR"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["withheld"]["documents"] == 4 and manifest["includes_withheld"] is False
    # the stored term resting on the RED records: "quiet lattice annealing" ("quiet lattice" and
    # "lattice annealing" are its fragments; "secret radar" holds the taxonomy's "radar")
    assert manifest["withheld"]["emerging_terms"] == int((stored["sharing"] == "RED").sum()) == 1


@pytest.mark.parametrize(
    "table", ["emerging_terms", "priority_list", "indicators", "evidence", "trends"]
)
def test_clear_exports_are_the_same_with_or_without_red_records(scans, table):
    alone = pd.read_csv(scans[False][1] / f"{table}.csv", encoding="utf-8-sig")
    beside = pd.read_csv(scans[True][1] / f"{table}.csv", encoding="utf-8-sig")
    assert len(alone) > 0
    pd.testing.assert_frame_equal(beside, alone)


def test_network_and_counts_are_the_same_with_or_without_red_records(scans):
    alone, beside = scoped(scans[False][0]), scoped(scans[True][0])
    assert beside.withheld["documents"] == 4 and alone.withheld["documents"] == 0
    stored = scans[True][0].workspace.store().read("network_edges", "s1")
    assert "drug_discovery" in set(stored["source_id"]) | set(stored["target_id"])
    for name in ("network_nodes", "network_edges", "emerging_terms", "evidence"):
        a, b = getattr(alone.frames, name), getattr(beside.frames, name)
        assert len(a) > 0, name
        cols = [c for c in a.columns if c != "scan_id"]
        pd.testing.assert_frame_equal(plain(b[cols]), plain(a[cols]), check_dtype=False)
    counts = alone.frames.scores.set_index("domain")["n_records"]
    assert counts.equals(beside.frames.scores.set_index("domain")["n_records"])
