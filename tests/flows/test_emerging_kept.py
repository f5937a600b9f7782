"""Emerging terms from counts kept between scans equal those counted from scratch, scan by scan."""

import datetime as dt
import random
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from flows import stages
from flows.emerging_terms import emerging_terms
from flows.stages import ScanContext
from horizon.schemas import Record
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 9, 30)
FIRST = AS_OF - dt.timedelta(weeks=155, days=AS_OF.weekday())  # Monday of the window's first week
PHRASES = [
    "photonic spiking accelerator", "lattice annealing schedule", "diffusion policy learning",
    "graph neural solver", "neuromorphic tactile skin", "sparse expert routing",
    "quantum error mitigation", "perovskite tandem cell", "solid electrolyte interphase",
    "swarm drone mapping", "federated anomaly detection", "optical lattice clock",
]  # fmt: skip
FILLER = ["field trial", "cost model", "lab bench", "sensor array", "control loop", "test rig"]
DOMAINS = ["quantum", "semiconductors", "ai"]
META = ["record_id", "content_sha256", "published_date", "source", "sharing"]


def generated(n: int, seed: int) -> list[dict]:
    """Records spread over the window (the first week included), sources, arXiv categories,
    labels and phrases, each with the domain its phrase leans to."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = rng.randrange(len(PHRASES))
        # late records lean to the later phrases: the recent weeks hold bursts
        week = 0 if i < 6 else rng.randrange(1, 155) if k < 6 else rng.randrange(140, 155)
        source = ["papers_arxiv", "papers_openalex", "policy_federal_register"][i % 3]
        codes = {"arxiv": [["cs.LG", "quant-ph"][k % 2]]} if source == "papers_arxiv" else {}
        rows.append(
            {
                "i": i,
                "title": f"{PHRASES[k].capitalize()} with {rng.choice(FILLER)}, report {i}",
                "week": week,
                "source": source,
                "codes": codes,
                "sharing": "GREEN" if i % 10 == 0 else "CLEAR",
                "domain": DOMAINS[k % 3],
            }
        )
    return rows


def as_record(row: dict) -> dict:
    return Record(
        record_id=f"doi:10.9/k{row['i']}",
        kind="paper",
        source=row["source"],
        title=row["title"],
        language="en",
        published_date=FIRST + dt.timedelta(weeks=row["week"], days=row["i"] % 5),
        codes=row["codes"],
        sharing=row["sharing"],
        raw_sha256="0" * 64,
        fetched_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    ).to_row()


def scan(
    home: Path, scan_id: str, rows: list[dict], as_of: dt.date, config: Path = REPO / "data/config"
) -> tuple[ScanContext, dict]:
    """One scan of `rows` (records and a TECH entity of each record's domain): the emerging stage."""
    store = Workspace(home).ensure().store()
    store.begin_scan(scan_id, demo=False, code_version="t", config_sha256={}, parameters={})
    records = pd.DataFrame([as_record(r) for r in rows])
    store.replace_rows("records", scan_id, records)
    tech = [
        {"record_id": rec["record_id"], "label": "TECH", "text": "x", "term_id": "x", "subtech": "x",
         "domain": row["domain"], "start_char": 0, "end_char": 1, "sharing": rec["sharing"]}
        for row, rec in zip(rows, records.to_dict("records"), strict=True)
    ]  # fmt: skip
    store.replace_rows("entities", scan_id, pd.DataFrame(tech))
    ctx = ScanContext(home=str(home), config_dir=str(config), scan_id=scan_id,
                      as_of=as_of.isoformat())  # fmt: skip
    out = stages.emerging(ctx)
    store.finish_scan(scan_id, "completed")
    return ctx, out


def stored_terms(ctx: ScanContext) -> pd.DataFrame:
    terms = ctx.workspace.store().read("emerging_terms", ctx.scan_id).drop(columns="scan_id")
    return terms.sort_values(["term", "language"]).reset_index(drop=True)


def kept_window(home: Path) -> int:
    with duckdb.connect(str(Workspace(home).candidates_dir / "counts" / "scan.duckdb")) as con:
        return con.execute("SELECT count(*) FROM recs").fetchone()[0]


def test_kept_counts_give_the_terms_of_a_scan_from_scratch(tmp_path):
    first = generated(240, seed=3)
    # a week later: the window slides by a week (the six records of its first week leave), one
    # record changes content, one leaves the window (its date corrected to before it) and the
    # audience's records (labelled GREEN), one record's domain hint changes, one is relabelled,
    # twelve are new
    second = [dict(r) for r in first]
    removed = next(r for r in second if r["i"] == 20)
    removed.update(week=-60, sharing="GREEN")
    changed = next(r for r in second if r["i"] == 21)
    changed["title"] = "Sparse expert routing with quantum error mitigation, revised"
    rehinted = next(r for r in second if r["i"] == 22)
    rehinted["domain"] = DOMAINS[(DOMAINS.index(rehinted["domain"]) + 1) % 3]
    relabelled = next(r for r in second if r["i"] == 23)
    relabelled["sharing"] = "AMBER"
    new = generated(252, seed=4)[240:]
    second += [dict(r, i=r["i"] + 1000, week=155) for r in new]
    later = AS_OF + dt.timedelta(weeks=1)
    # then the taxonomy learns one of the phrases: what was marked of each phrase is marked again
    config = tmp_path / "config"
    shutil.copytree(REPO / "data/config", config)
    taxonomy = (config / "taxonomy.yaml").read_text("utf-8")
    learnt = "photonic spiking accelerator"
    (config / "taxonomy.yaml").write_text(
        taxonomy.replace("en: [genome editing,", f"en: [{learnt}, genome editing,", 1), "utf-8"
    )
    kept = tmp_path / "kept"
    results = []
    scans = [(first, AS_OF, REPO / "data/config"), (second, later, REPO / "data/config"),
             (second, later, config)]  # fmt: skip
    for number, (rows, as_of, conf) in enumerate(scans, start=1):
        ctx, out = scan(kept, f"s{number}", rows, as_of, conf)
        scratch_ctx, scratch_out = scan(
            tmp_path / f"scratch{number}", f"s{number}", rows, as_of, conf
        )
        assert out["window_records"] == scratch_out["window_records"] == kept_window(kept)
        incremental, from_scratch = stored_terms(ctx), stored_terms(scratch_ctx)
        assert len(incremental) > 5
        pd.testing.assert_frame_equal(incremental, from_scratch)
        # an audience that may not see GREEN records: its terms, kept too, equal those from scratch
        visible = ctx.workspace.store().corpus("records", ctx.scan_id)
        visible = visible[visible["sharing"] != "GREEN"]
        scratch = emerging_terms(ctx, visible.reindex(columns=META), kept=None)[0]
        assert len(scratch) > 5
        pd.testing.assert_frame_equal(stages._visible_terms(ctx, visible), scratch)
        results.append((out, incremental))
    (out1, terms1), (out2, terms2), (out3, terms3) = results
    assert out2["candidates_computed"] == 13  # the new records and the changed one
    assert out2["window_records"] == out1["window_records"] - 6 - 1 + 12
    assert not terms1.equals(terms2)  # what changed shows in the terms
    assert out3["candidates_computed"] == 0
    assert learnt in set(terms2["term"]) and learnt not in set(terms3["term"])
