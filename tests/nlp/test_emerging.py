import datetime as dt
import json

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
    top = out.set_index("term").loc["diffusion policy"]
    assert top["count"] == 18
    assert top["language"] == "en"
    assert top["first_seen_date"] == start + dt.timedelta(weeks=7)
    assert json.loads(top["weeks"]) == {"2025-W09": 6, "2025-W10": 6, "2025-W11": 6}
    assert json.loads(top["sources"]) == {"papers_openalex": 9, "papers_arxiv": 9}
    assert top["growth"] == 18.0  # 18 in the last 4 weeks, none in the 4 before
    assert top["burst_weight"] > 0
    assert top["sharing"] == "AMBER"
    assert "quantum key distribution" not in set(out.term)  # taxonomy terms are not candidates
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
    from nlp.emerging import record_candidates

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
