import numpy as np
import pandas as pd
import pytest

from horizon.config.taxonomy import Taxonomy
from nlp import assign_domains, check_assignments, extract_entities
from nlp.assign import term_evidence
from nlp.codes import code_domains, code_evidence
from tests.nlp.conftest import TAXONOMY


def _records(rows):
    base = {"kind": "paper", "text": "", "sharing": "CLEAR", "codes": None, "published_date": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def _assign(records, taxonomy, classifier=None):
    return assign_domains(records, extract_entities(records, taxonomy), taxonomy, classifier)


@pytest.fixture(scope="module")
def with_issuers() -> Taxonomy:
    """The test taxonomy with a sector regulator, a ministry, context terms and routine titles."""
    return Taxonomy.model_validate(
        {
            **TAXONOMY,
            "organisations": [
                {
                    "names": ["Quantum Agency", "QA"],
                    "urls": ["qa.gov"],
                    "domains": ["quantum"],
                    "dedicated": True,
                },
                {
                    "names": ["Ministry of Chips"],
                    "urls": ["gov.example/chips"],
                    "domains": ["semiconductors"],
                },
            ],
            "context_terms": ["SiC"],
            "routine_policy_titles": ["Civil Monetary Penalty"],
        }
    )


def test_patent_codes_and_title_terms_add_up_and_shares_split_by_confidence(taxonomy):
    records = _records(
        [
            {
                "record_id": "patent:1",
                "kind": "patent",
                "title": "A large language model for QKD",
                "codes": {"cpc": ["H10D30/01", "G06N10/40", "H10D62/10"]},
            },
        ]
    )
    out = _assign(records, taxonomy).set_index("domain")
    # quantum: code 2 + title 2 = 4 points → 1 − 0.5⁴; the others one deciding signal: 0.75
    assert out.loc["quantum", "confidence"] == 0.9375
    assert out.loc["quantum", "reason"] == "code:G06N10/40; title:qkd×1"
    assert out.loc["semiconductors", "confidence"] == 0.75
    assert out.loc["ai_ml", "reason"] == "title:large language model×1"
    assert np.isclose(out.loc["quantum", "share"], 0.9375 / 2.4375)
    assert np.isclose(out.share.sum(), 1.0)


def test_code_patterns_match_children_whatever_the_date_and_the_deepest_wins(taxonomy):
    assert code_domains({"cpc": ["G06N30/00"]}, taxonomy) == {}  # main group 3 is not 30
    assert code_domains({"cpc": ["G06N 3/08"]}, taxonomy) == {"ai_ml": ["G06N 3/08"]}
    # a subgroup pattern (H04L9/08) matches its CPC children written with more digits
    assert code_domains({"cpc": ["H04L9/0852"]}, taxonomy) == {"quantum": ["H04L9/0852"]}
    assert code_domains({"cpc": ["H04L9/10"]}, taxonomy) == {}
    # H01L (scheme to 2022) on any document: back files keep their codes
    assert code_domains({"cpc": ["H01L29/20"]}, taxonomy) == {"semiconductors": ["H01L29/20"]}
    assert code_domains({"arxiv": ["quant-ph"]}, taxonomy) == {"quantum": ["quant-ph"]}


def test_real_taxonomy_codes_fields_and_source_aware_topics(repo_root):
    from horizon.config.taxonomy import load_taxonomy

    tax = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    # G06F15/16 (computers joined by a network) is deeper than G06F15/ (advanced computing)
    assert code_domains({"ipc": ["G06F15/16"]}, tax) == {"ict_networks": ["G06F15/16"]}
    # a WIPO field code is evidence of a kind apart, and the first code is the main one
    ev = code_evidence({"cpc": ["G01L5/042", "B60Q3/80"]}, tax)
    assert (ev["sensing_pnt"].field, ev["sensing_pnt"].main) == (["G01L5/042"], True)
    assert (ev["transportation"].field, ev["transportation"].main) == (["B60Q3/80"], False)
    # MRI (G01R33/48) names medical imaging: the specific pattern wins over the measurement field
    assert set(code_evidence({"cpc": ["G01R33/4812"]}, tax)) == {"medical"}
    # "Safety" is a Federal Register topic, not an OpenAlex subfield of CBRN
    fr = {"topics": ["Air transportation", "Aviation safety", "Safety"]}
    assert set(code_evidence(fr, tax, policy=True)) == {"transportation"}
    assert code_evidence(fr, tax, openalex=True) == {}
    oa = {"topics": ["Radiology, Nuclear Medicine and Imaging", "Medicine"]}
    assert set(code_evidence(oa, tax, openalex=True)) == {"medical"}
    assert code_evidence({"topics": ["Medicine"]}, tax, openalex=True) == {}  # fields too broad


def test_policy_terms_title_counts_more_than_body_and_a_repeated_title_once(taxonomy):
    records = _records(
        [
            {"record_id": "fr:1", "kind": "policy", "title": "QKD and LLM funding",
             "sharing": "GREEN",
             "text": "Quantum key distribution networks; a large language model."},
            {"record_id": "fr:2", "kind": "policy", "title": "Fisheries quota notice"},
            {"record_id": "url:a", "kind": "policy", "title": "量子鍵配送の公募",
             "text": "2025年6月2日 総務省 量子鍵配送の公募"},
            {"record_id": "fr:3", "kind": "policy", "title": "Notice of meeting",
             "text": "Machine learning was discussed."},
        ]
    )  # fmt: skip
    out = _assign(records, taxonomy)
    assert set(out.record_id) == {"fr:1", "url:a"}  # one body hit (0.5) does not place fr:3
    fr1 = out[out.record_id == "fr:1"].set_index("domain")
    assert fr1.loc["quantum", "confidence"] == 1 - 0.5**2.5  # title 2 + one body hit 0.5
    assert fr1.loc["quantum", "reason"] == "title:qkd×1; text:quantum key distribution×1"
    assert (out[out.record_id == "fr:1"].sharing == "GREEN").all()
    feed = out[out.record_id == "url:a"].set_index("domain")
    assert feed.loc["quantum", "confidence"] == 0.75  # the title in the description counts once
    assert feed.loc["quantum", "reason"] == "title:量子鍵配送×1"
    assert check_assignments(out) == []


def test_issuers_place_policy_by_sector_and_support_a_ministry_terms(with_issuers):
    tax = with_issuers
    records = _records(
        [
            {"record_id": "fr:1", "kind": "policy", "title": "Amendment of rules",
             "organizations": ["Quantum Agency"]},
            {"record_id": "fr:2", "kind": "policy", "title": "Rules for the sector",
             "text": "The QA is adopting a rule."},
            {"record_id": "url:https://gov.example/chips/1", "kind": "policy",
             "title": "Subsidy decision", "url": "https://www.gov.example/chips/1",
             "text": "Lithography and gallium nitride lines."},
            {"record_id": "url:https://gov.example/chips/2", "kind": "policy",
             "title": "Personnel changes", "url": "https://gov.example/chips/2"},
            {"record_id": "fr:3", "kind": "policy", "title": "Civil Monetary Penalty Adjustments",
             "organizations": ["Quantum Agency"]},
            {"record_id": "fr:4", "kind": "paper", "title": "A study",
             "organizations": ["Quantum Agency"]},
        ]
    )  # fmt: skip
    out = _assign(records, tax).set_index("record_id")
    assert out.loc["fr:1", "reason"] == "issuer:Quantum Agency"
    assert out.loc["fr:2", "reason"] == "issuer:QA"  # named in the text's opening
    chips = out.loc["url:https://gov.example/chips/1"]
    # a supporting issuer (1) and two body hits (2 × 0.5) reach 2
    assert chips["domain"] == "semiconductors"
    assert chips["reason"].startswith("issuer (supporting):gov.example/chips; text:")
    assert set(out.index) == {"fr:1", "fr:2", "url:https://gov.example/chips/1"}


def test_context_terms_count_in_policy_only_beside_another_sign(with_issuers):
    tax = with_issuers
    records = _records(
        [
            {"record_id": "fr:1", "kind": "policy", "title": "SiC Holdings PLC annual report"},
            {"record_id": "fr:2", "kind": "policy", "title": "SiC and gallium nitride devices"},
            {"record_id": "patent:1", "kind": "patent", "title": "SiC wafer"},
        ]
    )
    out = _assign(records, tax).set_index("record_id")
    assert "fr:1" not in out.index
    assert out.loc["fr:2", "reason"] == "title:gallium nitride×1; context term:sic×1"
    assert out.loc["fr:2", "confidence"] == 1 - 0.5**4
    assert out.loc["patent:1", "reason"] == "title:sic×1"  # technical text: no context needed


def test_hits_inside_an_organisation_name_are_no_terms_of_the_subject(taxonomy):
    records = _records([{"record_id": "url:1", "kind": "policy", "title": "量子鍵配送機構の会合"}])
    entities = pd.DataFrame(
        {
            "record_id": ["url:1", "url:1"],
            "label": ["TECH", "ORG"],
            "text": ["量子鍵配送", "量子鍵配送機構"],
            "domain": ["quantum", None],
            "start_char": [0, 0],
            "end_char": [5, 7],
        }
    )
    ev = term_evidence(records, entities, taxonomy)["url:1"]["quantum"]
    assert (ev.n_hits, dict(ev.org_name)) == (0, {"量子鍵配送": 1})
    # the name of the subject's organisation supports the domain (1 point): alone it places nothing
    assert len(assign_domains(records, entities, taxonomy, None)) == 0


class _Stub:
    """A classifier stand-in with fixed scores (domain order as its `domains`)."""

    def __init__(self, domains, scores, modelled=None):
        self.domains = domains
        self.scores = np.array(scores)
        self.models = {d: object() for d in (modelled or domains)}
        self.metadata = {}

    def predict_scores(self, texts):
        return np.repeat(self.scores[None, :], len(texts), axis=0)


def test_classifier_rules_english_papers_and_nothing_else(taxonomy):
    records = _records([{"record_id": "doi:1", "title": "An LLM study of something"}])
    ents = extract_entities(records, taxonomy)
    clf = _Stub(["semiconductors", "quantum", "ai_ml"], [0.8, 0.1, 0.45])
    out = assign_domains(records, ents, taxonomy, clf).set_index("domain")
    assert set(out.index) == {"semiconductors", "ai_ml"}  # quantum: no hit, score < 0.5
    assert out.loc["semiconductors", "reason"] == "classifier:0.80"
    assert out.loc["ai_ml", "confidence"] == 0.5
    # a single hit the classifier does not back (score < 0.4) is dropped
    low = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.0, 0.3])
    assert len(assign_domains(records, ents, taxonomy, low)) == 0
    # past its cut (0.5) but with no term of the domain in the text, the classifier needs 0.7
    alone = _Stub(["semiconductors", "quantum", "ai_ml"], [0.69, 0.2, 0.55])
    out = assign_domains(records, ents, taxonomy, alone).set_index("domain")
    assert set(out.index) == {"ai_ml"}
    assert out.loc["ai_ml", "reason"].startswith("classifier:0.55; entities:")
    alone = _Stub(["semiconductors", "quantum", "ai_ml"], [0.7, 0.2, 0.55])
    assert set(assign_domains(records, ents, taxonomy, alone).domain) == {"semiconductors", "ai_ml"}
    # a domain it has no model for is weighed on its terms, not vetoed
    partial = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.0, 0.0], ["quantum"])
    out = assign_domains(records, ents, taxonomy, partial)
    assert list(zip(out.domain, out.reason, strict=True)) == [("ai_ml", "title:llm×1")]
    # policy and Japanese texts: the classifier is not asked
    other = _records(
        [
            {"record_id": "fr:1", "kind": "policy", "title": "An LLM study of something"},
            {"record_id": "doi:2", "title": "生成AIの研究"},
        ]
    )
    out = assign_domains(other, extract_entities(other, taxonomy), taxonomy, low)
    assert sorted(out.record_id) == ["doi:2", "fr:1"]
    assert set(out.domain) == {"ai_ml"}


def test_the_classifier_places_alone_only_domains_learnt_from_technology_categories(taxonomy):
    # quant-ph holds the foundations of physics beside quantum computing: a high quantum score
    # without a quantum term is physics; cs.AR (semiconductors) is defined by the technology
    records = _records(
        [{"record_id": "doi:1", "title": "Spontaneous collapse of the wavefunction"}]
    )
    ents = extract_entities(records, taxonomy)
    assert ents.empty
    clf = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.99, 0.0])
    assert assign_domains(records, ents, taxonomy, clf).empty
    clf = _Stub(["semiconductors", "quantum", "ai_ml"], [0.99, 0.0, 0.0])
    assert assign_domains(records, ents, taxonomy, clf).domain.tolist() == ["semiconductors"]
    # with a quantum term in the text and the classifier's support, quantum is placed
    named = _records(
        [{"record_id": "doi:2", "title": "Collapse", "text": "A quantum computer test."}]
    )
    clf = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.99, 0.0])
    out = assign_domains(named, extract_entities(named, taxonomy), taxonomy, clf)
    assert out.domain.tolist() == ["quantum"]
    # a taxonomy that maps no arXiv category gives the classifier its lone vote everywhere
    unmapped = Taxonomy.model_validate({**TAXONOMY, "arxiv_gold_mapping": {"categories": {}}})
    out = assign_domains(records, ents, unmapped, clf)
    assert out.domain.tolist() == ["quantum"]


def test_a_paper_title_naming_the_technology_in_full_decides_an_abbreviation_does_not(taxonomy):
    records = _records(
        [
            {"record_id": "doi:1", "title": "A large language model for tax law"},
            {"record_id": "doi:2", "title": "An LLM for tax law"},
        ]
    )
    ents = extract_entities(records, taxonomy)
    low = _Stub(["semiconductors", "quantum", "ai_ml"], [0.0, 0.0, 0.05])
    out = assign_domains(records, ents, taxonomy, low)
    # the full term in the title places the paper whatever the classifier says; LLM alone does not
    assert list(zip(out.record_id, out.domain, out.reason, strict=True)) == [
        ("doi:1", "ai_ml", "title:large language model×1")
    ]
    assert out.confidence.tolist() == [0.5]  # one hit: 1 − 0.5¹


def test_cpc_codes_of_a_record_speak_and_its_ipc_codes_only_without_them(repo_root):
    from horizon.config.taxonomy import load_taxonomy

    tax = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    # a ppubs record: CPC G06F16 (retrieval), IPC G06F15 of an older edition beside it
    both = {"cpc": ["G06F16/24578", "G06F16/955"], "ipc": ["G06F15/00", "G06F15/16"]}
    assert set(code_domains(both, tax)) == {"data_science"}
    assert set(code_domains({"ipc": ["G06F15/00", "G06F15/16"]}, tax)) == {
        "advanced_computing", "ict_networks"
    }  # fmt: skip
    # interconnection of memories, I/O and processors; disk drives; Fischer-Tropsch fuels
    assert set(code_domains({"cpc": ["G06F13/4027"]}, tax)) == {"advanced_computing"}
    assert set(code_domains({"cpc": ["G11B5/59666"]}, tax)) == {"data_science"}
    assert set(code_domains({"cpc": ["C10G2/332"]}, tax)) == {"energy"}
    assert set(code_domains({"cpc": ["H04N7/147"]}, tax)) == {"ict_networks"}
    assert code_domains({"cpc": ["H04N7/18"]}, tax) == {}  # closed-circuit television: not telecom


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


def test_every_domain_is_reachable_from_a_title_in_english_and_japanese(repo_root):
    from horizon.config.taxonomy import load_taxonomy

    tax = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    rows = []
    for d in tax.domains:
        en = next(t for _, t in d.terms("en") if t not in tax.context_terms)
        rows.append({"record_id": f"url:en/{d.slug}", "kind": "policy", "title": f"Call: {en}"})
        rows.append({"record_id": f"url:ja/{d.slug}", "kind": "policy",
                     "title": f"{d.terms('ja')[0][1]}に関する公募"})  # fmt: skip
    records = _records(rows)
    out = _assign(records, tax)
    got = set(zip(out.record_id, out.domain, strict=True))
    missing = [r["record_id"] for r in rows if (r["record_id"], r["record_id"][7:]) not in got]
    assert missing == []
