"""diff_scans: rank moves beyond the band, class changes, new bursts, terms and announcements."""

from __future__ import annotations

import pandas as pd
from scoring_helpers import records

from scoring import diff_scans


def scores(rows):
    return pd.DataFrame(rows, columns=["domain", "rank", "rank_low", "rank_high", "class"])


def bursts(active):
    return pd.DataFrame(
        [{"domain": d, "country": "WORLD", "window": "2022-2026", "indicator": "foreign_burst_active",
          "value": v, "inputs": "{}", "incomplete": False} for d, v in active.items()]
    )  # fmt: skip


def test_diff_reports_each_kind_of_change():
    old = {
        "scores": scores(
            [
                ("alpha", 1, 1, 2, "protect"),
                ("beta", 2, 1, 3, "nurture"),
                ("gamma", 3, 2, 3, "monitor"),
            ]
        ),
        "indicators": bursts({"alpha": 1.0, "beta": 0.0, "gamma": 0.0}),
    }
    new = {
        # alpha 1 → 3 (outside 1–2); beta 2 → 1 (inside 1–3); gamma changes class
        "scores": scores(
            [
                ("alpha", 3, 2, 3, "protect"),
                ("beta", 1, 1, 2, "nurture"),
                ("gamma", 2, 1, 3, "nurture"),
            ]
        ),
        "indicators": bursts({"alpha": 1.0, "beta": 1.0, "gamma": 0.0}),
    }
    old_terms = pd.DataFrame({"term": ["Quantum Dot"], "domain_hint": ["quantum"]})
    new_terms = pd.DataFrame(
        {"term": ["quantum dot", "Photonic Chiplet"], "domain": ["alpha", "beta"]}
    )
    old_recs = records([{"record_id": "fr:1", "kind": "policy", "countries": {"US": 1.0}}])
    new_recs = records(
        [
            {"record_id": "fr:1", "kind": "policy", "countries": {"US": 1.0}},
            {"record_id": "fr:2", "kind": "policy", "countries": {"CN": 1.0}},
            {"record_id": "url:3", "kind": "policy", "countries": {"JP": 1.0}},
            {"record_id": "demo:4", "kind": "paper", "countries": {"US": 1.0}},
        ]
    ).assign(domain=["beta", "beta", "beta", "beta"])
    d = diff_scans(old, new, old_emerging=old_terms, new_emerging=new_terms,
                   old_records=old_recs, new_records=new_recs)  # fmt: skip
    got = {(r.domain, r.change): (r.old_value, r.new_value) for r in d.itertuples(index=False)}
    assert got == {
        ("alpha", "rank_move"): (1.0, 3.0),
        ("gamma", "class_change"): ("monitor", "nurture"),
        ("beta", "new_burst"): (0.0, 1.0),
        ("beta", "new_emerging_term"): (None, "photonic chiplet"),
        ("beta", "new_foreign_announcements"): (None, 1.0),
    }
    detail = d[d["change"] == "new_foreign_announcements"]["detail"].iloc[0]
    assert "CN" in detail and "fr:2" in detail and "url:3" not in detail


def test_no_change_no_rows():
    s = {"scores": scores([("alpha", 1, 1, 1, "monitor")]), "indicators": bursts({"alpha": 0.0})}
    assert diff_scans(s, s).empty
