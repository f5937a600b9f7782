"""Fast paths of extraction give the same answers as the plain ones."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from horizon.config.taxonomy import Taxonomy
from nlp.extract import term_index_for
from nlp.normalize import normalize_text, to_original
from nlp.terms import build_term_index, match_ascii, match_terms, match_words


def _taxonomy(terms_en: list[str], terms_ja: list[str] | None = None) -> Taxonomy:
    sub = {"slug": "genome", "label_en": "Genome", "label_ja": "ゲノム",
           "terms": {"en": terms_en, "ja": terms_ja or []}}  # fmt: skip
    return Taxonomy.model_validate(
        {
            "version": "t",
            "domains": [
                {"slug": "bio", "label_en": "Bio", "label_ja": "バイオ", "subtechs": [sub]}
            ],
            "arxiv_gold_mapping": {"categories": {}},
        }
    )


def test_spellings_differing_by_punctuation_resolve_to_one_term_id_whatever_the_order():
    forward = build_term_index(_taxonomy(["CRISPR/Cas9", "CRISPR-Cas9"]))
    backward = build_term_index(_taxonomy(["CRISPR-Cas9", "CRISPR/Cas9"]))
    text = "Edits by CRISPR/Cas9 and CRISPR Cas9."
    norm, offsets = normalize_text(text)
    for index in (forward, backward):
        hits = match_words(index, norm, text, offsets)
        assert [(text[h.start : h.end], h.entry.term_id) for h in hits] == [
            ("CRISPR/Cas9", "genome/crispr cas9"),
            ("CRISPR Cas9", "genome/crispr cas9"),
        ]


def test_token_edges_are_computed_only_when_a_candidate_has_a_cjk_edge():
    index = build_term_index(_taxonomy(["gallium nitride"], ["窒化ガリウム", "GaN"]))
    calls = []

    def edges(text):
        def compute():
            calls.append(text)
            return {0, 4, len(text)}

        return compute

    latin = "GaNの話"
    assert [h.entry.term_id for h in match_terms(index, *_norm(latin), edges(latin))] == [
        "genome/gan"
    ]
    assert calls == []
    cjk = "窒化ガリウム基板"
    assert match_terms(index, *_norm(cjk), edges(cjk)) == []  # 6 is not a token edge
    assert calls == [cjk]


def _norm(text):
    norm, offsets = normalize_text(text)
    return norm, text, offsets


def test_expanding_characters_map_every_normalised_char_back():
    text = "㈱テスト…ＧａＮ"
    norm, offsets = normalize_text(text)
    assert norm == "(株)テスト...gan"
    assert [text[to_original(offsets, i)] for i in range(len(norm))] == list(
        "㈱㈱㈱テスト………ＧａＮ"
    )
    assert to_original(offsets, len(norm)) == len(text)


def test_policy_entities_are_the_same_as_on_the_whole_document(taxonomy):
    from nlp import extract_entities
    from nlp.extract import pipeline_for

    text = (
        "Filler words here and there. The Ministry of Economy, Trade and Industry said on Monday\n"
        "that the United States of America and the Netherlands will spend USD 3 million, "
        "5 billion yen and €100 million.  NASA, the UN and UNESCO agree; "
        + "more filler text without anchors "
        * 20
        + "Acme Corporation and Tokyo University cooperate with People's Republic of China "
        "and South Korea. Research Institute for Advanced Studies pays £40 million."
    )
    records = pd.DataFrame([{"record_id": "p:1", "kind": "policy", "title": "T",
                             "text": text, "sharing": "CLEAR"}])  # fmt: skip
    ents = extract_entities(records, taxonomy)
    got = sorted(
        tuple(None if pd.isna(v) else v for v in
              (r.label, r.start_char, r.end_char, r.text, r.term_id, r.value, r.currency))
        for r in ents[ents.label != "TECH"].itertuples()
    )  # fmt: skip
    full = f"T\n{text}"
    doc = pipeline_for(taxonomy, "en")(full)
    want = sorted(
        (s.label_, s.start_char, s.end_char, s.text, s._.term_id, s._.value, s._.currency)
        for s in doc.ents
    )
    assert len(want) >= 12
    assert got == want


_TERMS = ["quantum key distribution", "QKD", "large language model", "LLM", "GaN", "lithography",
          "EUV lithography", "stone lithography", "machine learning", "power semiconductor"]  # fmt: skip
_GLUE = [" ", "  ", "-", "\n", ", ", ". ", "(", ")", "/", "'s ", "s ", "x", "_", "\t", "organ"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TERMS + _GLUE + ["Qkd", "gan", "EUV", "stone"]), max_size=25))
def test_the_ascii_path_finds_what_normalising_first_finds(taxonomy, parts):
    """`match_ascii` (one translate) = `normalize_text` + `match_words`."""
    index = term_index_for(taxonomy)
    text = "".join(parts)
    norm, offsets = normalize_text(text)
    assert match_ascii(index, text) == match_words(index, norm, text, offsets)


def test_ascii_hits_are_leftmost_longest_with_case_and_exclusions(taxonomy):
    index = term_index_for(taxonomy)
    text = (
        "LLMs and machine-learning; qkd vs QKD. EUV lithography, not stone lithography,\n"
        "on GaN power\nsemiconductors."
    )
    hits = match_ascii(index, text)
    assert [(text[h.start : h.end], h.entry.term_id) for h in hits] == [
        ("LLMs", "generative_ai/llm"),
        ("machine-learning", "generative_ai/machine learning"),
        ("QKD", "quantum_communication/qkd"),
        ("EUV lithography", "lithography/euv lithography"),
        ("GaN", "power_devices/gan"),
        ("power\nsemiconductors", "power_devices/power semiconductor"),
    ]
