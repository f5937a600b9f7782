"""Sharing scope, as a property: over generated corpora with mixed TLP labels, no exported file of
a briefing holds anything derived only from documents above its audience."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.briefing import build_briefing
from flows.briefing_scope import scope_terms, visible_mask
from horizon.schemas import TABLES, Sharing
from horizon.store import Store
from tests.flows.test_briefing import all_text

LABELS = [
    "CLEAR",
    "GREEN",
    "AMBER",
    "AMBER+STRICT",
    "RED",
    "TLP:PURPLE",
]  # the last is unknown: withheld
DOMAINS = ["quantum", "semiconductors", "space"]
TOKEN = st.text(alphabet="bcdfghjkmnpqrstvwxz", min_size=8, max_size=8)

corpus = st.lists(
    st.tuples(TOKEN, st.sampled_from(LABELS), st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=2, unique=True),
              st.integers(2015, 2025), st.sampled_from(["JP", "US", "CN", "DE"])),
    min_size=1, max_size=8, unique_by=lambda r: r[0],
)  # fmt: skip


def level(label: str) -> int:
    try:
        return Sharing.parse(label).level
    except ValueError:
        return 99


def frames(rows: list[tuple]) -> dict[str, pd.DataFrame]:
    """Records, assignments, entities, evidence, terms and scores quoting their evidence titles."""
    recs = pd.DataFrame(
        [
            {"record_id": f"doi:10.9/{tok}", "kind": "paper", "source": f"src_{tok}", "title": f"{tok}-表題 study",
             "published_date": dt.date(year, 1, 1), "countries": [{"country": c, "weight": 1.0}],
             "url": f"https://doi.org/10.9/{tok}", "sharing": label, "raw_sha256": "0" * 64,
             "fetched_at": dt.datetime(2026, 11, 1)}
            for tok, label, _, year, c in rows
        ]
    )  # fmt: skip
    assign = [
        (f"doi:10.9/{tok}", d, 1 / len(ds), label) for tok, label, ds, _, _ in rows for d in ds
    ]
    assignments = pd.DataFrame(assign, columns=["record_id", "domain", "share", "sharing"]).assign(
        confidence=1.0, reason="code"
    )
    entities = pd.DataFrame(
        [(f"doi:10.9/{tok}", "TECH", f"term{tok}", label) for tok, label, *_ in rows],
        columns=["record_id", "label", "text", "sharing"],
    )
    evidence = assignments.assign(axis="japan_strength", weight=0.5, rank=1)[
        ["record_id", "domain", "axis", "weight", "rank", "sharing"]
    ]
    terms = pd.DataFrame(
        [
            {"term": f"term{tok}", "language": "en", "domain_hint": ds[0], "count": 1, "growth": 1.0,
             "record_ids": [f"doi:10.9/{tok}"] + ([f"doi:10.9/{rows[0][0]}"] if i % 2 else []),
             "sharing": max([label, rows[0][1]] if i % 2 else [label], key=level)}
            for i, (tok, label, ds, _, _) in enumerate(rows)
        ]
    )  # fmt: skip
    return {"records": recs, "assignments": assignments, "entities": entities, "evidence": evidence,
            "emerging_terms": terms, "scores": score(recs, assignments)}  # fmt: skip


def score(records: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Scores whose rationale quotes a title of the domain (as a careless scorer might)."""
    merged = assignments.merge(records[["record_id", "title"]], on="record_id")
    rows = []
    for rank, (domain, grp) in enumerate(merged.groupby("domain"), start=1):
        rows.append({
            "domain": domain, "label_en": domain, "label_ja": domain, "japan_strength_score": 0.5,
            "foreign_activity_score": 0.5, "socioeconomic_score": 0.5, "composite_score": 0.5, "rank": rank,
            "rank_low": rank, "rank_high": rank, "class": "monitor", "maturity": "applied",
            "rationale_en": "led by " + "; ".join(grp["title"]), "rationale_ja": "; ".join(grp["record_id"]),
            "n_records": len(grp),
        })  # fmt: skip
    return pd.DataFrame(rows)


def rescore_from(all_assignments: pd.DataFrame):
    """Re-scoring on the records given, as the scan flow would do it."""

    def rescore(records: pd.DataFrame) -> dict[str, pd.DataFrame]:
        a = all_assignments[all_assignments["record_id"].isin(set(records["record_id"]))]
        ev = a.assign(axis="japan_strength", weight=0.5, rank=1)
        return {"scores": score(records, a), "evidence": ev, "indicators": pd.DataFrame()}

    return rescore


def build_store(path: Path, data: dict[str, pd.DataFrame]) -> Store:
    store = Store(path)
    store.migrate()
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    for name, frame in data.items():
        if name in TABLES:
            store.replace_rows(name, "s1", frame)
    store.finish_scan("s1", "completed")
    return store


def withheld_items(rows: list[tuple], audience: Sharing) -> list[str]:
    """What must not appear: the token of every document above the audience (in its id, url,
    title, source and term), or, where its term was also seen in a visible document, all but it."""
    out = []
    for i, (tok, label, *_rest) in enumerate(rows):
        if level(label) > audience.level:
            if i % 2 and level(rows[0][1]) <= audience.level:
                out += [f"10.9/{tok}", f"{tok}-表題", f"src_{tok}"]
            else:
                out.append(tok)
    return out


def redacted_outside_rationale(folder: Path) -> list[str]:
    """Files where the last-resort redaction had to act, other than the rationale it exists for."""
    hits = []
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        if path.stem == "priority_list":
            frame = frame.drop(columns="rationale")
        if frame.apply(lambda col: col.str.contains("[withheld]", regex=False)).any().any():
            hits.append(path.name)
    return hits


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=corpus, audience=st.sampled_from(list(Sharing)), mode=st.sampled_from(["rescore", "mark"])
)
def test_no_item_above_the_audience_in_any_file(rows, audience, mode):
    tmp = Path(tempfile.mkdtemp(prefix="brief-prop-"))
    try:
        data = frames(rows)
        store = build_store(tmp / "w.duckdb", data)
        folder = build_briefing(
            store, "s1", audience=audience, language="ja", out_dir=tmp / "out", run_by="prop",
            rescore=rescore_from(data["assignments"]) if mode == "rescore" else None,
            mark_withheld=mode == "mark",
        )  # fmt: skip
        text = all_text(folder)
        leaked = [item for item in withheld_items(rows, audience) if item in text]
        assert leaked == []
        manifest = (folder / "manifest.json").read_text(encoding="utf-8")
        withheld = sum(level(r[1]) > audience.level for r in rows)
        assert f'"documents": {withheld}' in manifest
        if mode == "rescore":
            assert '"redacted_cells": 0' in manifest  # the filters alone kept everything out
        else:
            assert redacted_outside_rationale(folder) == []
        audit = store.read("exports")
        assert audit["audience"].tolist() == [audience.value]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@settings(deadline=None)  # a few ms each; on a loaded machine one example took 278 ms
@given(rows=corpus, audience=st.sampled_from(list(Sharing)))
def test_visible_terms_never_name_a_withheld_example(rows, audience):
    data = frames(rows)
    recs = data["records"]
    visible = recs[visible_mask(recs["sharing"], audience)]
    labels = dict(zip(visible["record_id"], visible["sharing"], strict=True))
    out = scope_terms(data["emerging_terms"], labels, audience, mark_withheld=False)
    for row in out.to_dict("records"):
        assert level(row["sharing"]) <= audience.level
        assert set(row["record_ids"]) <= set(labels)


def test_unknown_labels_are_withheld_from_everyone():
    labels = pd.Series(["CLEAR", "TLP:PURPLE", None, "amber-strict", "RED"])
    assert visible_mask(labels, Sharing.red).tolist() == [True, False, False, True, True]
    assert visible_mask(labels, Sharing.amber).tolist() == [True, False, False, False, False]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE") != "long", reason="long profile: HYPOTHESIS_PROFILE=long"
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=corpus, audience=st.sampled_from(list(Sharing)), mode=st.sampled_from(["rescore", "mark"])
)
def test_no_item_above_the_audience_long_profile(rows, audience, mode):
    test_no_item_above_the_audience_in_any_file.hypothesis.inner_test(rows, audience, mode)


def test_redact_blanks_string_columns_naming_withheld_records():
    import pandas as pd

    from flows.briefing import WITHHELD_TEXT, redact

    frames = {
        "t": pd.DataFrame(
            {
                "note": pd.Series(["cites Secret quantum radar results", "open text"], dtype="str"),
                "ids": ["see doi:10.1/withheld", "doi:10.1/open"],
                "n": [1, 2],
            }
        )
    }
    blanked = redact(frames, frozenset({"doi:10.1/withheld"}), frozenset({"Secret quantum radar"}))
    assert blanked == 2
    assert frames["t"]["note"].tolist() == [WITHHELD_TEXT, "open text"]
    assert frames["t"]["ids"].tolist() == [WITHHELD_TEXT, "doi:10.1/open"]


def test_redact_blanks_every_repeat_of_a_text_and_reads_columns_of_lists():
    import pandas as pd

    from flows.briefing import WITHHELD_TEXT, redact

    title = "Secret quantum radar"
    frames = {
        "t": pd.DataFrame(
            {
                "title": [title, "open", title, None, f"on {title}"],
                "codes": [["a"], ["doi:10.1/withheld"], [], None, ["b"]],
            }
        )
    }
    blanked = redact(frames, frozenset({"doi:10.1/withheld"}), frozenset({title}))
    titles = frames["t"]["title"]
    assert titles.drop(index=3).tolist() == [WITHHELD_TEXT, "open", WITHHELD_TEXT, WITHHELD_TEXT]
    assert pd.isna(titles[3])
    assert frames["t"]["codes"].tolist() == [["a"], ["doi:10.1/withheld"], [], None, ["b"]]
    assert blanked == 3
