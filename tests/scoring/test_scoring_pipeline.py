"""score_domains end to end on a small literal corpus; check_invariants; audience subsets."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from scoring_helpers import assignments, records, taxonomy, weights

from horizon.schemas import TABLES
from scoring import Judgement, Judgements, check_invariants, score_domains
from scoring.citations import top_weights
from scoring.inputs import prepare

AS_OF = date(2026, 6, 30)


def corpus():
    rows, pairs = [], []
    spec = {
        "alpha": [("JP", 30), ("US", 10)],
        "beta": [("US", 25), ("CN", 25), ("JP", 2)],
        "gamma": [("CN", 8), ("DE", 4)],
    }
    n = 0
    for domain, parts in spec.items():
        for country, k in parts:
            for i in range(k):
                year = 2016 + (i % 11)
                rows.append({"record_id": f"demo:{domain}{n}", "countries": {country: 1.0},
                             "cites": (i * 7) % 23, "date": f"{year}-05-01",
                             "orgs": [f"{country}-org{i % 3}"],
                             "sharing": "AMBER" if n % 9 == 0 else "CLEAR"})  # fmt: skip
                pairs.append((f"demo:{domain}{n}", domain, 1.0))
                n += 1
    for i, (country, domain) in enumerate(
        [("JP", "alpha"), ("US", "beta"), ("US", "beta"), ("CN", "gamma")]
    ):
        rows.append(
            {
                "record_id": f"patent:{i}",
                "kind": "patent",
                "countries": {country: 1.0},
                "date": "2025-01-01",
            }
        )
        pairs.append((f"patent:{i}", domain, 1.0))
    for i, (country, domain) in enumerate([("US", "beta"), ("JP", "alpha"), ("CN", "beta")]):
        rows.append(
            {
                "record_id": f"fr:{i}",
                "kind": "policy",
                "countries": {country: 1.0},
                "date": "2026-03-01",
            }
        )
        pairs.append((f"fr:{i}", domain, 1.0))
    # a record shared by two domains
    rows.append({"record_id": "demo:split", "countries": {"JP": 0.5, "US": 0.5}, "cites": 3})
    pairs += [("demo:split", "alpha", 0.5), ("demo:split", "gamma", 0.5)]
    recs = records(rows)
    ents = pd.DataFrame(
        [
            {"record_id": r, "label": "TECH", "text": s, "subtech": s, "domain": s.split("_")[0],
             "value": None, "currency": None, "sharing": "CLEAR"}
            for r, subs in [("demo:alpha0", ["alpha_core", "beta_core"]), ("demo:alpha1", ["alpha_core", "beta_core"]),
                            ("demo:beta40", ["beta_core", "gamma_core"])]
            for s in subs
        ]
    )  # fmt: skip
    return recs, assignments(pairs), ents


@pytest.fixture(scope="module")
def scored():
    recs, asg, ents = corpus()
    return recs, asg, ents, score_domains(recs, asg, ents, taxonomy(), weights(), as_of=AS_OF)


def test_tables_have_the_store_columns(scored):
    *_, t = scored
    for name, frame in t.frames().items():
        assert list(frame.columns) == TABLES[name].names[1:], name


def test_scores_are_sound_and_invariants_hold(scored):
    recs, asg, _, t = scored
    assert check_invariants(t, recs, asg) == []
    s = t.scores.set_index("domain")
    # alpha is Japanese (30 of 40 papers + the patent): the strongest Japan-strength score
    assert s["japan_strength_score"].idxmax() == "alpha"
    assert set(s["class"]) <= {"protect", "nurture", "monitor"}
    assert s["n_records"].to_dict() == {"alpha": 43, "beta": 56, "gamma": 14}
    assert sorted(t.scores["rank"]) == [1, 2, 3]
    assert (s["rank_low"] <= s["rank_median"]).all() and (s["rank_median"] <= s["rank_high"]).all()


def test_rationale_names_the_numbers(scored):
    *_, t = scored
    ind = t.indicators
    row = t.scores.set_index("domain").loc["alpha"]
    share = ind[(ind["domain"] == "alpha") & (ind["country"] == "JP") & (ind["indicator"] == "paper_share")
                & (ind["window"] == "2022-2026")]["value"].iloc[0]  # fmt: skip
    assert f"{100 * share:.1f}%" in row["rationale_en"]
    assert f"{100 * share:.1f}%" in row["rationale_ja"]
    assert "日本の技術的強み" in row["rationale_ja"] and "Japan strength" in row["rationale_en"]


def test_evidence_rows_carry_sharing_and_rank(scored):
    recs, _, _, t = scored
    ev = t.evidence
    labels = dict(zip(recs["record_id"], recs["sharing"], strict=True))
    assert (ev["sharing"] == ev["record_id"].map(labels)).all()
    assert set(ev["axis"]) == {"japan_strength", "foreign_activity", "socioeconomic"}
    assert ev.groupby(["domain", "axis"])["rank"].max().max() <= weights().evidence_per_axis
    js = ev[(ev["domain"] == "alpha") & (ev["axis"] == "japan_strength")].sort_values("rank")
    assert js["weight"].is_monotonic_decreasing
    assert ev[ev["axis"] == "socioeconomic"]["record_id"].str.startswith("fr:").all()


def test_indicator_inputs_are_json_and_windows_flagged(scored):
    *_, t = scored
    ind = t.indicators
    assert all(isinstance(json.loads(v), dict) for v in ind["inputs"])
    assert set(ind["window"]) == {"2022-2026", "2017-2021"}
    assert ind["incomplete"].dtype == bool


def test_network_links_domains_that_meet(scored):
    *_, t = scored
    edges = t.network_edges
    dom = edges[edges["level"] == "domain"]
    pairs = {
        (a, b): w for a, b, w in dom[["source_id", "target_id", "weight"]].itertuples(index=False)
    }
    assert pairs == {("domain:alpha", "domain:beta"): 2.0, ("domain:beta", "domain:gamma"): 1.0}
    nodes = t.network_nodes.set_index("node_id")
    # beta_core sits between alpha_core and gamma_core: the only bridge
    assert nodes.loc["beta_core", "betweenness"] == pytest.approx(1.0)
    assert nodes.loc["alpha_core", "betweenness"] == 0.0
    # demo:alpha0 is AMBER: what it touches is marked AMBER
    assert nodes.loc["alpha_core", "sharing"] == "AMBER"


def test_audience_subset_is_scored_from_its_records_only(scored):
    recs, asg, ents, full = scored
    clear = recs[recs["sharing"] == "CLEAR"]
    t = score_domains(clear, asg, ents, taxonomy(), weights(), as_of=AS_OF)
    assert check_invariants(t, clear, asg[asg["record_id"].isin(clear["record_id"])]) == []
    assert set(t.evidence["sharing"]) == {"CLEAR"}
    assert set(t.evidence["record_id"]) <= set(clear["record_id"])
    assert set(t.network_nodes["sharing"]) == {"CLEAR"}
    assert t.scores["n_records"].sum() < full.scores["n_records"].sum()


def test_judgement_shifts_priority_only_by_its_declared_adjustment(scored):
    recs, asg, ents, plain = scored
    j = Judgements(judgements=(
        Judgement(domain="gamma", analyst="a.n", date=date(2026, 5, 1), rating="△", note="thin data",
                  adjustment=0.2),
        Judgement(domain="beta", analyst="b.m", date=date(2026, 5, 2), rating="○", note="noted"),
    ))  # fmt: skip
    t = score_domains(recs, asg, ents, taxonomy(), weights(), as_of=AS_OF, judgements=j)
    a, b = plain.scores.set_index("domain"), t.scores.set_index("domain")
    for col in ("japan_strength_score", "foreign_activity_score", "socioeconomic_score", "class"):
        assert a[col].equals(b[col])
    assert b.loc["gamma", "judgement_adjustment"] == 0.2
    assert b.loc["gamma", "composite_score"] == pytest.approx(
        min(1.0, a.loc["gamma", "composite_score"] + 0.2)
    )
    assert b.loc["beta", "composite_score"] == a.loc["beta", "composite_score"]
    assert "△" in b.loc["gamma", "rationale_en"] and "+0.20" in b.loc["gamma", "rationale_en"]
    assert t.judgements["domain"].tolist() == ["gamma", "beta"]


def test_empty_input_scores_every_domain_without_crashing():
    recs = records([])
    t = score_domains(recs.reindex(columns=records([{"record_id": "demo:x"}]).columns), assignments([]),
                      None, taxonomy(), weights(), as_of=AS_OF)  # fmt: skip
    assert t.scores["domain"].tolist() == ["alpha", "beta", "gamma"]
    assert t.scores["n_records"].tolist() == [0, 0, 0]
    assert t.evidence.empty and t.network_nodes.empty


def test_evidence_lies_in_the_scored_window_and_adds_up_to_its_indicator():
    # With room for every record, the evidence weights of each indicator add up to the value the
    # indicator counted in the latest window: the evidence is exactly what drove it.
    recs, asg, ents = corpus()
    t = score_domains(recs, asg, ents, taxonomy(), weights(evidence_per_axis=1000), as_of=AS_OF)
    ev = t.evidence
    assert set(ev["window"]) == {"2022-2026"}
    years = pd.to_datetime(recs.set_index("record_id")["published_date"]).dt.year
    assert ev["record_id"].map(years).between(2022, 2026).all()
    assert years.lt(2022).any()  # the corpus has older records, and none of them is evidence
    ind = t.indicators[t.indicators["window"] == "2022-2026"].set_index(
        ["domain", "indicator", "country"]
    )
    sums = ev.groupby(["domain", "indicator"])["weight"].sum()
    for d in ("alpha", "beta", "gamma"):
        jp_papers = sums.get((d, "paper_share"), 0.0) + sums.get((d, "top10_share"), 0.0)
        counted = (
            json.loads(ind.loc[(d, "paper_share", "JP"), "inputs"])
            if (d, "paper_share", "JP") in ind.index
            else None
        )
        assert sums.get((d, "foreign_volume"), 0.0) == pytest.approx(
            ind.loc[(d, "foreign_volume", "WORLD"), "value"]
        )
        if counted is not None:
            assert jp_papers == pytest.approx(counted["paper_frac"])
    # top10_share rows are exactly the Japanese papers of the window's top-10% sets
    tops = top_weights(prepare(recs, asg, as_of=AS_OF).units, weights().citations.top_share)
    jp = recs.loc[recs["countries"].str.contains('"JP"'), "record_id"]
    expect = tops[(tops["top_weight"] > 0) & tops["year"].between(2022, 2026)]
    expect = expect[expect["record_id"].isin(jp)]
    listed = ev[ev["indicator"] == "top10_share"]
    assert len(listed) > 0
    assert sorted(zip(listed["domain"], listed["record_id"], strict=True)) == sorted(
        zip(expect["domain"], expect["record_id"], strict=True)
    )
    # alpha's Japanese patent is on patent_share; beta's US and CN announcements are foreign policy
    assert ev.loc[ev["record_id"] == "patent:0", "indicator"].tolist() == ["patent_share"]
    policy = ev[ev["axis"] == "socioeconomic"].set_index("record_id")["indicator"]
    assert policy.to_dict() == {"fr:0": "policy_intensity_foreign", "fr:1": "policy_intensity_domestic",
                                "fr:2": "policy_intensity_foreign"}  # fmt: skip
    assert check_invariants(t, recs, asg) == []


def test_check_invariants_catches_evidence_outside_the_window_or_indicator(scored):
    recs, asg, _, t = scored
    ev = t.evidence.copy()
    old = recs.loc[pd.to_datetime(recs["published_date"]).dt.year < 2022, "record_id"].iloc[0]
    ev.loc[ev.index[0], "record_id"] = old
    ev.loc[ev.index[1], "indicator"] = "policy_intensity_foreign"
    ev.loc[ev.index[1], "axis"] = "japan_strength"
    problems = "\n".join(check_invariants(type(t)(**{**t.frames(), "evidence": ev}), recs, asg))
    assert "1 evidence rows lie outside the scored window 2022-2026" in problems
    assert "1 evidence rows name no indicator of their axis" in problems


def test_check_invariants_reports_broken_tables(scored):
    recs, asg, _, t = scored
    bad_scores = t.scores.copy()
    bad_scores.loc[0, "japan_strength_score"] = 1.5
    bad_scores.loc[1, "rank_low"] = 99
    bad = type(t)(**{**t.frames(), "scores": bad_scores, "evidence": t.evidence.iloc[0:0]})
    bad_asg = asg.copy()
    bad_asg.loc[0, "share"] = 0.7
    problems = check_invariants(bad, recs, bad_asg)
    text = "\n".join(problems)
    assert "japan_strength_score outside [0, 1]" in text
    assert "rank band does not contain the median" in text
    assert "no evidence rows for indicators with counts: alpha (foreign_activity)" in text
    assert "assignment shares do not sum to 1 for 1 records" in text
