import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from nlp import find_emerging_terms
from nlp.burst import burst_states


def test_burst_detects_the_burst_weeks_only():
    states, weight = burst_states([1, 1, 1, 1, 9, 10, 12, 1, 1], [100] * 9)
    assert states == [0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert weight > 0
    flat, flat_weight = burst_states([2] * 8, [100] * 8)
    assert flat == [0] * 8
    assert flat_weight == 0


def test_emerging_terms_count_weeks_growth_burst_and_sharing(taxonomy):
    rows = []
    start = dt.date(2025, 1, 6)  # a Monday
    for week in range(10):
        day = start + dt.timedelta(weeks=week)
        for i in range(10):
            hot = week >= 7 and i < 6
            rows.append(
                {
                    "record_id": f"demo:{week}-{i}",
                    "kind": "paper",
                    "source": "papers_arxiv" if i % 2 else "papers_openalex",
                    "title": "Diffusion policy learning for robots"
                    if hot
                    else f"Routine topic number {i}",
                    "text": "We study quantum key distribution." if hot else "",
                    "published_date": day,
                    "sharing": "AMBER" if (hot and week == 9 and i == 0) else "CLEAR",
                }
            )
    records = pd.DataFrame(rows)
    out = find_emerging_terms(
        records,
        pd.DataFrame(columns=["record_id", "label", "domain"]),
        taxonomy,
        as_of=start + dt.timedelta(weeks=9, days=2),
    )
    top = out.set_index("term").loc["diffusion policy learning"]
    assert top["count"] == 18
    assert top["language"] == "en"
    assert top["first_seen_date"] == start + dt.timedelta(weeks=7)
    assert json.loads(top["weeks"]) == {"2025-W09": 6, "2025-W10": 6, "2025-W11": 6}
    assert json.loads(top["sources"]) == {"papers_openalex": 9, "papers_arxiv": 9}
    assert top["growth"] == 18.0  # 18 in the last 4 weeks, none in the 4 before
    assert top["burst_weight"] > 0
    assert top["sharing"] == "AMBER"
    assert "quantum key distribution" not in set(out.term)  # taxonomy terms are not candidates
    # always inside the longer phrase: a fragment of it (C-value), not a term of its own
    assert "diffusion policy" not in set(out.term) and "policy learning" not in set(out.term)
    assert out.iloc[0]["burst_weight"] >= out.iloc[-1]["burst_weight"]


def test_japanese_candidates_are_compound_nouns(taxonomy):
    day = dt.date(2025, 3, 3)
    records = pd.DataFrame(
        [
            {
                "record_id": f"demo:{i}",
                "title": "全固体電池の量産技術",
                "text": "ペロブスカイト太陽電池も紹介。",
                "published_date": day,
                "source": "policy_x",
                "sharing": "CLEAR",
            }
            for i in range(3)
        ]
    )
    out = find_emerging_terms(
        records, pd.DataFrame(columns=["record_id", "label", "domain"]), taxonomy, as_of=day
    )
    terms = set(out[out.language == "ja"].term)
    assert "ペロブスカイト太陽電池" in terms
    assert any("固体電池" in t for t in terms)


def test_vectorised_burst_weights_equal_the_viterbi_per_series():
    import numpy as np

    from nlp.burst import burst_states, burst_weights

    rng = np.random.default_rng(7)
    for _ in range(300):
        n, rows = int(rng.integers(1, 30)), int(rng.integers(1, 5))
        totals = rng.integers(0, 25, size=n)
        relevant = np.minimum(rng.integers(0, 9, size=(rows, n)), totals)
        expected = [burst_states(list(r), list(totals))[1] for r in relevant]
        assert np.allclose(burst_weights(relevant, totals), expected, atol=1e-9)
    # an exact tie (r = d = 3 gains ln 8 = τ for n = 8) is settled towards the base state
    totals = np.array([11, 8, 10, 25, 0, 7, 23, 3])
    relevant = np.array([[2, 0, 7, 5, 0, 6, 0, 3]])
    assert burst_weights(relevant, totals)[0] == pytest.approx(burst_states(relevant[0], totals)[1])


def test_demo_marks_never_become_candidate_terms():
    from nlp.candidates import record_candidates

    records = pd.DataFrame(
        [
            {"record_id": "a", "title": "[DEMO] Quantum network security",
             "text": "Demo study of quantum discord and photonic computing for edge devices."},
            {"record_id": "b", "title": "【デモ】量子暗号通信の実証",
             "text": "デモデータです。量子分野の量子暗号通信について、政府の取組を取りまとめました。"},
        ]
    )  # fmt: skip
    terms = set(record_candidates(records)["term"])
    assert not [t for t in terms if "demo" in t or "デモ" in t], terms
    # the title's last words and the body's first are not one phrase
    assert "security demo" not in terms and "network security" in terms
    assert {"quantum discord", "photonic computing", "量子暗号通信"} <= terms


#: Ten ordinary phrases of each generated stream (flat shares in their own stream).
_LATTICE = [f"{a} lattice" for a in ("alpha", "beta", "gamma", "delta", "omega",
                                     "sigma", "kappa", "theta", "zeta", "iota")]  # fmt: skip
_PROGRAMME = [f"{a} programme" for a in ("export", "import", "budget", "grant", "tariff",
                                         "subsidy", "levy", "audit", "treaty", "quota")]  # fmt: skip


def _stream(weeks, per_week, *, planted=None, double_from=None):
    """Generated records of two sources over `weeks` weeks, each with its own ten phrases, two a
    record in rotation (so every phrase keeps a flat share of its source); `planted` = (source,
    first week, records a week) of a new phrase; the second source doubles from `double_from`."""
    vocab = {"papers_arxiv": _LATTICE, "policy_feed": _PROGRAMME}
    start = dt.date(2025, 1, 6)
    rows = []
    for week in range(weeks):
        for source, words in vocab.items():
            doubled = double_from is not None and week >= double_from and source == "policy_feed"
            for i in range(per_week * (2 if doubled else 1)):
                title = f"{words[(2 * i) % 10]}; {words[(2 * i + 1) % 10]}"
                if planted and source == planted[0] and week >= planted[1] and i < planted[2]:
                    title += "; photonic spiking accelerator"
                rows.append({"record_id": f"{source}:{week}-{i}", "title": title, "text": "",
                             "source": source, "sharing": "CLEAR",
                             "published_date": start + dt.timedelta(weeks=week, days=i % 5)})  # fmt: skip
    return pd.DataFrame(rows), start


def test_a_term_rising_in_one_source_is_found_within_two_weeks(taxonomy):
    none = pd.DataFrame(columns=["record_id", "label", "domain"])
    records, start = _stream(30, 20, planted=("policy_feed", 25, 3))
    found = None
    for weeks_after in (0, 1):  # the week of the rise and the week after
        out = find_emerging_terms(
            records, none, taxonomy, as_of=start + dt.timedelta(weeks=25 + weeks_after, days=6)
        )
        hits = out.set_index("term")
        term = "photonic spiking accelerator"
        if term in hits.index and hits.loc[term, "burst_weight"] > 0:
            found = weeks_after
            break
    assert found is not None
    row = hits.loc["photonic spiking accelerator"]
    assert json.loads(row["sources"]) == {"policy_feed": row["count"]}
    assert out.iloc[0]["term"] == "photonic spiking accelerator"  # ranked first
    assert row["first_seen_date"] == start + dt.timedelta(weeks=25)
    assert (out.iloc[1:]["burst_weight"] == 0).all()  # the flat vocabulary does not burst


def test_a_source_doubling_its_volume_makes_no_burst_of_its_ordinary_vocabulary(taxonomy):
    none = pd.DataFrame(columns=["record_id", "label", "domain"])
    records, start = _stream(30, 20, double_from=20)
    out = find_emerging_terms(records, none, taxonomy, as_of=start + dt.timedelta(weeks=29, days=6))
    assert set(out["term"]) >= {"export programme", "quota programme", "alpha lattice"}
    assert (out["burst_weight"] == 0).all()
    # while a new phrase rising in the doubled source still bursts
    records, start = _stream(30, 20, double_from=20, planted=("policy_feed", 26, 4))
    out = find_emerging_terms(records, none, taxonomy, as_of=start + dt.timedelta(weeks=29, days=6))
    assert out.iloc[0]["term"] == "photonic spiking accelerator"
    assert out.iloc[0]["burst_weight"] > 0
    assert (out.iloc[1:]["burst_weight"] == 0).all()


def test_known_terms_their_variants_sub_and_super_phrases_are_folded():
    from pathlib import Path

    from horizon.config.taxonomy import load_taxonomy
    from nlp.nesting import fold_known

    taxonomy = load_taxonomy(Path(__file__).resolve().parents[2] / "data/config/taxonomy.yaml")
    terms = ["quantum key distribution", "quantum key", "quantum key distributions",
             "fault tolerant quantum key distribution", "multiple input multiple output",
             "movable antenna", "adversarial learning", "dna storage", "adversarial storage",
             "ペロブスカイト太陽電池の量産", "固体電池", "量子井戸レーザ"]  # fmt: skip
    langs = ["en"] * 9 + ["ja"] * 3
    got = dict(zip(terms, fold_known(pd.Series(terms), pd.Series(langs), taxonomy), strict=True))
    assert got == {
        "quantum key distribution": True,  # the term itself
        "quantum key": True,  # a sub-phrase
        "quantum key distributions": True,  # a plural variant
        "fault tolerant quantum key distribution": True,  # a super-phrase
        "multiple input multiple output": True,  # spelled-out MIMO
        "movable antenna": False,
        "adversarial learning": True,  # "adversarial machine learning" with a word left out
        "dna storage": True,  # "DNA data storage" likewise
        "adversarial storage": False,  # first and last words of no one known term
        "ペロブスカイト太陽電池の量産": True,
        "固体電池": True,  # inside 全固体電池
        "量子井戸レーザ": False,
    }


def test_c_value_discounts_a_phrase_by_the_longer_phrases_holding_it():
    from nlp.nesting import c_values

    terms = pd.Series(["policy learning", "diffusion policy learning", "robot arm"])
    cvalue, nested_max = c_values(terms, pd.Series(["en"] * 3), np.array([10.0, 8.0, 5.0]))
    assert cvalue.tolist() == pytest.approx([10 - 8, np.log2(3) * 8, 5])
    assert nested_max.tolist() == [8, 0, 0]


def test_boilerplate_diverges_little_from_the_corpus_spread():
    from nlp.ranking import spread_divergence

    corpus = np.array([40.0, 30.0, 20.0, 10.0])
    rows = np.array([[8.0, 6.0, 4.0, 2.0], [0.0, 0.0, 9.0, 1.0]])
    even, leaning = spread_divergence(rows, corpus)
    assert even == pytest.approx(0.0)
    assert 0.3 < leaning <= 1.0


def _terms_of(title: str, text: str) -> set[str]:
    """The candidate phrases of one English record."""
    from nlp.candidates import record_candidates

    records = pd.DataFrame([{"record_id": "a", "title": title, "text": text}])
    return set(record_candidates(records)["term"])


def test_a_hyphenated_compound_is_one_token_of_a_candidate():
    terms = _terms_of("Non-convex optimization of KV-cache eviction",
                      "A token-level study of multi-turn dialogue agents.")  # fmt: skip
    assert {"non convex optimization", "kv cache eviction", "multi turn dialogue agents",
            "dialogue agents"} <= terms  # fmt: skip
    # a compound alone is one word, and no candidate starts or ends inside one
    assert not terms & {"non convex", "kv cache", "token level", "multi turn", "convex optimization",
                        "cache eviction", "turn dialogue", "turn dialogue agents"}  # fmt: skip


def test_a_hyphenated_compound_opening_with_a_modifier_ends_no_candidate():
    terms = _terms_of("Hierarchical multi-agent reinforcement learning",
                      "A hard x-ray source and lightweight high-resolution sensors.")  # fmt: skip
    assert {"hierarchical multi agent reinforcement", "multi agent reinforcement learning",
            "hard x ray", "lightweight high resolution sensors"} <= terms  # fmt: skip
    # "multi-agent", "high-resolution" are premodifiers, as "multi", "high" alone; "x-ray" is not
    assert not terms & {"hierarchical multi agent", "lightweight high resolution"}


def test_a_record_marks_the_phrases_it_is_about_and_those_it_counts():
    from nlp.candidates import record_candidates

    records = pd.DataFrame(
        [{"record_id": "a", "title": "Kalman filter tracking of drones",
          "text": "We train a graph transformer. The Fermi surface of the lattice is flat; an "
                  "alternating optimization loop and the graph transformer converge in policy "
                  "learning. A Kalman filter is on board."}]
    )  # fmt: skip
    got = record_candidates(records).set_index("term")
    # about: in the title, or named twice; countable: right after "a" or "an"
    about = {"kalman filter", "kalman filter tracking", "filter tracking", "graph transformer"}
    assert set(got.index[got["keyphrase"]]) == about
    assert set(got.index[got["countable"]]) == {
        "graph transformer", "alternating optimization", "alternating optimization loop",
        "kalman filter",
    }  # fmt: skip
    assert not got.loc[["fermi surface", "policy learning"], ["keyphrase", "countable"]].any().any()


def test_no_english_phrase_runs_from_the_title_into_the_body():
    from nlp.candidates import record_candidates

    records = pd.DataFrame([{"record_id": "a", "title": "Quantum network",
                             "text": "Security matters greatly"}])  # fmt: skip
    assert set(record_candidates(records)["term"]) == {"quantum network", "security matters"}


def test_a_phrase_its_documents_mark_outranks_one_named_in_passing():
    from nlp.ranking import order_terms

    frame = pd.DataFrame(
        {
            "term": ["policy learning", "graph transformer", "fermi surface"],
            "language": ["en"] * 3,
            "n": [10, 10, 10],
            "cvalue": [10.0, 10.0, 10.0],
            "termhood": [2.0, 1.0, 1.0],
            "keyphrase": [0.5, 2.0, 1.0],
            "countable": [0.5, 3.0, 0.25],
            "burst_weight": [0.0, 0.0, 0.0],
            "recency": [1.0, 1.0, 1.0],
        }
    )
    out = order_terms(frame)
    # 10 · 1 · 2 · 3 = 60; 10 · 2 · 0.5 · 0.5 = 5; 10 · 1 · 1 · 0.25 = 2.5
    assert out["term"].tolist() == ["graph transformer", "policy learning", "fermi surface"]
    assert out["emerging_score"].tolist() == pytest.approx([60.0, 5.0, 2.5])


def _category_mix(weeks, *, grow_from, planted=None):
    """Generated records of one arXiv source over `weeks` weeks in two primary categories, each
    with its own ten phrases two a record in rotation (flat shares within the category): 40 a week
    in cond-mat.str-el, 5 a week in cs.IT until `grow_from`, 20 a week after; `planted` = (first
    week, records a week) of a new phrase in cs.IT."""
    vocab = {"cond-mat.str-el": _LATTICE, "cs.IT": _PROGRAMME}
    start = dt.date(2025, 1, 6)
    rows = []
    for week in range(weeks):
        for category, words in vocab.items():
            n = 40 if category != "cs.IT" else (20 if week >= grow_from else 5)
            for i in range(n):
                title = f"{words[(2 * i) % 10]}; {words[(2 * i + 1) % 10]}"
                if planted and category == "cs.IT" and week >= planted[0] and i < planted[1]:
                    title += "; photonic spiking accelerator"
                rows.append({"record_id": f"{category}:{week}-{i}", "title": title, "text": "",
                             "source": "papers_arxiv", "sharing": "CLEAR",
                             "codes": json.dumps({"arxiv": [category, "cs.LG"]}),
                             "published_date": start + dt.timedelta(weeks=week, days=i % 5)})  # fmt: skip
    return pd.DataFrame(rows), start


def test_a_shift_in_the_mix_of_arxiv_categories_makes_no_burst(taxonomy):
    """One category's volume quadruples while every phrase keeps its share within its category:
    against the source's volume its phrases rise (they burst when the source is one stream);
    against the mix of categories nothing bursts, while a phrase rising within one still does."""
    none = pd.DataFrame(columns=["record_id", "label", "domain"])
    records, start = _category_mix(30, grow_from=20)
    as_of = start + dt.timedelta(weeks=29, days=6)
    pooled = find_emerging_terms(records.drop(columns="codes"), none, taxonomy, as_of=as_of)
    assert (pooled.set_index("term").loc["export programme", "burst_weight"]) > 0
    out = find_emerging_terms(records, none, taxonomy, as_of=as_of)
    assert set(out["term"]) >= {"export programme", "quota programme", "alpha lattice"}
    assert (out["burst_weight"] == 0).all()
    # growth counts against the same mix: the category quadrupled in the last four weeks
    records, start = _category_mix(30, grow_from=26)
    out = find_emerging_terms(records, none, taxonomy, as_of=as_of).set_index("term")
    assert out.loc["export programme", "growth"] == pytest.approx(0.0)
    assert (out["burst_weight"] == 0).all()
    records, start = _category_mix(30, grow_from=20, planted=(26, 4))
    out = find_emerging_terms(records, none, taxonomy, as_of=as_of)
    assert out.iloc[0]["term"] == "photonic spiking accelerator"
    assert out.iloc[0]["burst_weight"] > 0
    assert (out.iloc[1:]["burst_weight"] == 0).all()


def test_expected_counts_give_kleinberg_its_constant_base_rate_when_one_stream():
    from nlp.burst import burst_weights

    totals = np.array([10, 20, 30, 40, 10, 20])
    relevant = np.array([[1, 2, 3, 12, 1, 2], [0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 1, 2]])
    expected = relevant.sum(axis=1, keepdims=True) * totals / totals.sum()
    assert np.allclose(burst_weights(relevant, totals, expected=expected),
                       burst_weights(relevant, totals))  # fmt: skip
    # a series that follows its expectation bin by bin never bursts, however its share moves
    assert burst_weights(np.array([[1, 1, 1, 8, 8, 8]]), totals,
                         expected=np.array([[1, 1, 1, 8, 8, 8]]))[0] == 0  # fmt: skip


def test_a_records_stream_is_its_source_and_arxiv_primary_category():
    from nlp.emerging import record_stream

    codes = {"cpc": [], "ipc": [], "arxiv": ["cs.IT", "math.IT"], "topics": []}
    assert record_stream("papers_arxiv", json.dumps(codes)) == "papers_arxiv/cs.IT"
    assert record_stream("papers_arxiv", codes) == "papers_arxiv/cs.IT"
    assert record_stream("patents_epo_ops", json.dumps({**codes, "arxiv": []})) == "patents_epo_ops"
    assert record_stream("policy_feed", None) == "policy_feed"
    assert record_stream("policy_feed", "not json") == "policy_feed"
