import pandas as pd
import pytest

from nlp import extract_entities
from nlp.money import parse_money


def _records(rows):
    base = {"kind": "paper", "text": "", "sharing": "CLEAR"}
    return pd.DataFrame([{**base, **r} for r in rows])


def _tech(frame, rid):
    sub = frame[(frame.record_id == rid) & (frame.label == "TECH")]
    return sorted(zip(sub.text, sub.subtech, sub.domain, strict=True))


def test_english_terms_with_offsets_into_title_and_text(taxonomy):
    records = _records(
        [
            {
                "record_id": "demo:1",
                "title": "GaN power semiconductors",
                "text": "A quantum key distribution link.",
                "sharing": "AMBER",
            }
        ]
    )
    ents = extract_entities(records, taxonomy)
    assert _tech(ents, "demo:1") == [
        ("GaN", "power_devices", "semiconductors"),
        ("power semiconductors", "power_devices", "semiconductors"),
        ("quantum key distribution", "quantum_communication", "quantum"),
    ]
    full = "GaN power semiconductors\nA quantum key distribution link."
    for row in ents.itertuples():
        assert full[row.start_char : row.end_char] == row.text
        assert row.sharing == "AMBER"
    assert set(ents.columns) >= {"term_id", "value", "currency"}


def test_word_boundaries_and_case_sensitive_abbreviations(taxonomy):
    records = _records(
        [
            {"record_id": "demo:1", "title": "The organ of Corti and a gan layer"},
            {"record_id": "demo:2", "title": "An LLM, not an llm; two LLMs; SiC-based"},
        ]
    )
    ents = extract_entities(records, taxonomy)
    assert _tech(ents, "demo:1") == []
    assert _tech(ents, "demo:2") == [
        ("LLM", "generative_ai", "ai_ml"),
        ("LLMs", "generative_ai", "ai_ml"),
        ("SiC", "power_devices", "semiconductors"),
    ]


def test_exclusion_phrase_vetoes_the_term_inside_it(taxonomy):
    records = _records(
        [
            {"record_id": "demo:1", "title": "A history of stone lithography"},
            {"record_id": "demo:2", "title": "EUV lithography at 2 nm"},
        ]
    )
    ents = extract_entities(records, taxonomy)
    assert _tech(ents, "demo:1") == []
    assert _tech(ents, "demo:2") == [("EUV lithography", "lithography", "semiconductors")]


def test_japanese_terms_after_normalisation_and_on_token_edges(taxonomy):
    records = _records(
        [
            {
                "record_id": "demo:1",
                "title": "量子コンピュータと量子鍵配送",
                "text": "ﾊﾟﾜｰ半導体とＧａＮ、生成ＡＩ",
            },
            {"record_id": "demo:2", "title": "東京都の天気と野球の結果"},
        ]
    )
    ents = extract_entities(records, taxonomy)
    got = _tech(ents, "demo:1")
    assert ("量子コンピュータ", "quantum_communication", "quantum") in got
    assert ("量子鍵配送", "quantum_communication", "quantum") in got
    assert ("ﾊﾟﾜｰ半導体", "power_devices", "semiconductors") in got
    assert ("ＧａＮ", "power_devices", "semiconductors") in got
    assert ("生成ＡＩ", "generative_ai", "ai_ml") in got
    assert _tech(ents, "demo:2") == []


def test_policy_texts_get_money_org_and_countries(taxonomy):
    records = _records(
        [
            {
                "record_id": "fr:1",
                "kind": "policy",
                "title": "Funding for QKD",
                "text": "The Department of Energy and NEDO commit $2.5 billion and €100 million with Japan and Germany.",
            },
            {
                "record_id": "url:1",
                "kind": "policy",
                "title": "経済産業省、パワー半導体に500億円",
                "text": "米国と連携し1兆2000億円を投じる。",
            },
        ]
    )
    ents = extract_entities(records, taxonomy)
    money = ents[ents.label == "MONEY"].sort_values("value")
    assert list(zip(money.text, money.value, money.currency, strict=True)) == [
        ("€100 million", 1e8, "EUR"),
        ("$2.5 billion", 2.5e9, "USD"),
        ("500億円", 5e10, "JPY"),
        ("1兆2000億円", 1.2e12, "JPY"),
    ]
    gpe = ents[ents.label == "GPE"]
    assert sorted(zip(gpe.record_id, gpe.term_id, strict=True)) == [
        ("fr:1", "DE"),
        ("fr:1", "JP"),
        ("url:1", "US"),
    ]
    orgs = set(ents[ents.label == "ORG"].text)
    assert {"Department of Energy", "NEDO", "経済産業省"} <= orgs
    assert _tech(ents, "fr:1") == [("QKD", "quantum_communication", "quantum")]
    assert _tech(ents, "url:1") == [("パワー半導体", "power_devices", "semiconductors")]


@pytest.mark.parametrize(
    ("surface", "value", "currency"),
    [
        ("$2.5 billion", 2.5e9, "USD"),
        ("USD 3 million", 3e6, "USD"),
        ("5 billion yen", 5e9, "JPY"),
        ("3,000万円", 3e7, "JPY"),
        ("5億ドル", 5e8, "USD"),
        ("£40 million", 4e7, "GBP"),
    ],
)
def test_parse_money(surface, value, currency):
    assert parse_money(surface) == (value, currency)


def test_empty_and_missing_text(taxonomy):
    records = _records([{"record_id": "demo:1", "title": "Nothing here", "text": None}])
    ents = extract_entities(records, taxonomy)
    assert len(ents) == 0
    assert next(iter(ents.columns)) == "record_id"


def test_japanese_edges_middle_dot_katakana_compounds_and_kanji_only_titles(repo_root):
    from horizon.config.taxonomy import load_taxonomy

    tax = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    titles = {
        "url:1": "全国ロボット・地域連携の取組",  # 「・」 separates words: not a katakana letter
        "url:2": "インフルエンザワクチンの供給",  # Sudachi splits the compound at ワクチン
        "url:3": "量子鍵配送技術実証事業",  # kanji only: reads as Chinese by script
        "url:4": "地域ケーブルテレビネットワーク整備事業",
        "url:5": "エクセル操作の講習",  # セル is no token of エクセル
    }
    records = pd.DataFrame(
        {"record_id": list(titles), "kind": "policy", "title": list(titles.values()), "text": ""}
    )
    tech = extract_entities(records, tax).query("label == 'TECH'")
    found = dict(zip(tech.record_id, zip(tech.text, tech.domain, strict=True), strict=True))
    assert found == {
        "url:1": ("ロボット", "robotics"),
        "url:2": ("ワクチン", "medical"),
        "url:3": ("量子鍵配送", "quantum"),
        "url:4": ("ケーブルテレビ", "ict_networks"),
    }
