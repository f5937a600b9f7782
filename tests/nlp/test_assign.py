import datetime as dt

import numpy as np
import pandas as pd

from nlp import assign_domains, check_assignments, extract_entities
from nlp.codes import code_domains


def _records(rows):
    base = {"kind": "paper", "text": "", "sharing": "CLEAR", "codes": None, "published_date": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_codes_win_over_text_and_shares_split_by_code_count(taxonomy):
    records = _records(
        [
            {
                "record_id": "patent:1",
                "title": "A large language model for QKD",
                "codes": {"cpc": ["H10D30/01", "G06N10/40", "H10D62/10"]},
                "published_date": dt.date(2024, 5, 1),
            },
        ]
    )
    out = assign_domains(records, extract_entities(records, taxonomy), taxonomy, None)
    got = sorted(zip(out.domain, out.share.round(12), out.reason, strict=True))
    assert got == [
        ("quantum", round(1 / 3, 12), "code:G06N10/40"),
        ("semiconductors", round(2 / 3, 12), "code:H10D30/01"),
    ]
    assert out.share.sum() == 1.0
    assert (out.confidence == 0.95).all()


def test_cpc_patterns_are_date_aware(taxonomy):
    codes = {"cpc": ["H01L29/20"], "ipc": [], "arxiv": [], "topics": []}
    assert code_domains(codes, dt.date(2020, 1, 1), taxonomy) == {"semiconductors": ["H01L29/20"]}
    assert code_domains(codes, dt.date(2023, 6, 1), taxonomy) == {}
    assert code_domains(codes, None, taxonomy) == {"semiconductors": ["H01L29/20"]}
    # G06N3 is main group 3: it must not catch G06N30
    assert code_domains({"cpc": ["G06N30/00"]}, None, taxonomy) == {}
    assert code_domains({"cpc": ["G06N 3/08"]}, None, taxonomy) == {"ai_ml": ["G06N 3/08"]}
    assert code_domains({"arxiv": ["quant-ph"]}, None, taxonomy) == {"quantum": ["quant-ph"]}


def test_entities_assign_text_only_records_and_unmatched_get_no_rows(taxonomy):
    records = _records(
        [
            {
                "record_id": "fr:1",
                "kind": "policy",
                "title": "QKD and LLM funding",
                "sharing": "GREEN",
                "text": "Quantum key distribution networks; a large language model.",
            },
            {"record_id": "fr:2", "kind": "policy", "title": "Fisheries quota notice"},
            {"record_id": "doi:1", "title": "量子鍵配送の実証", "codes": "not json"},
        ]
    )
    out = assign_domains(records, extract_entities(records, taxonomy), taxonomy, None)
    assert set(out.record_id) == {"fr:1", "doi:1"}
    fr1 = out[out.record_id == "fr:1"].set_index("domain")
    assert fr1.loc["quantum", "confidence"] == 0.75  # two hits: 1 − 0.5²
    assert fr1.loc["quantum", "reason"].startswith("entities:")
    assert fr1.loc["ai_ml", "confidence"] == 0.75
    assert (out[out.record_id == "fr:1"].sharing == "GREEN").all()
    assert check_assignments(out) == []
    assert np.isclose(out.groupby("record_id").share.sum(), 1.0).all()
    assert out.confidence.between(0, 1).all()


class _Stub:
    """A classifier stand-in with fixed scores (domain order as its `domains`)."""

    def __init__(self, domains, scores):
        self.domains = domains
        self.scores = np.array(scores)

    def predict_scores(self, texts):
        return np.repeat(self.scores[None, :], len(texts), axis=0)


def test_classifier_scores_combine_with_single_entity_hits(taxonomy):
    records = _records([{"record_id": "doi:1", "title": "An LLM study of something"}])
    ents = extract_entities(records, taxonomy)
    clf = _Stub(["semiconductors", "quantum", "ai_ml"], [0.8, 0.1, 0.45])
    out = assign_domains(records, ents, taxonomy, clf).set_index("domain")
    assert set(out.index) == {"semiconductors", "ai_ml"}  # quantum: no hit, score < 0.5
    assert out.loc["semiconductors", "reason"] == "classifier:0.80"
    assert out.loc["ai_ml", "confidence"] == 0.5
    assert np.isclose(out.share.sum(), 1.0)
    # a single hit the classifier does not back (score < 0.4) is dropped
    low = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.0, 0.3])
    assert len(assign_domains(records, ents, taxonomy, low)) == 0
    # past its cut (0.5) but with no term of the domain in the text, the classifier needs 0.7
    alone = _Stub(["semiconductors", "quantum", "ai_ml"], [0.69, 0.7, 0.55])
    out = assign_domains(records, ents, taxonomy, alone).set_index("domain")
    assert set(out.index) == {"quantum", "ai_ml"}
    assert out.loc["quantum", "reason"] == "classifier:0.70"
    assert out.loc["ai_ml", "reason"].startswith("classifier:0.55; entities:")


def test_check_assignments_reports_bad_shares():
    bad = pd.DataFrame(
        {
            "record_id": ["a", "a"],
            "domain": ["x", "y"],
            "confidence": [0.5, 1.2],
            "share": [0.5, 0.6],
            "reason": ["", ""],
            "sharing": ["CLEAR"] * 2,
        }
    )
    problems = check_assignments(bad)
    assert len(problems) == 2
