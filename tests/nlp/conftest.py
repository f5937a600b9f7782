"""A small literal taxonomy for the nlp tests (the real file is not needed)."""

from __future__ import annotations

import pytest

from horizon.config.taxonomy import Taxonomy

TAXONOMY = {
    "version": "test-1",
    "domains": [
        {
            "slug": "semiconductors",
            "label_en": "Semiconductors",
            "label_ja": "半導体",
            "subtechs": [
                {
                    "slug": "power_devices",
                    "label_en": "Power devices",
                    "label_ja": "パワー半導体",
                    "terms": {
                        "en": ["power semiconductor", "gallium nitride"],
                        "ja": ["パワー半導体", "窒化ガリウム"],
                        "abbr": ["GaN", "SiC"],
                    },
                },
                {
                    "slug": "lithography",
                    "label_en": "Lithography",
                    "label_ja": "リソグラフィ",
                    "terms": {"en": ["lithography", "EUV lithography"], "ja": ["リソグラフィ"]},
                    "exclude": ["stone lithography"],
                },
            ],
            "codes": [
                {"prefix": "H01L", "valid_to": "2022-12-31"},
                {"prefix": "H10"},
            ],
            "arxiv": ["cs.AR"],
        },
        {
            "slug": "quantum",
            "label_en": "Quantum",
            "label_ja": "量子",
            "subtechs": [
                {
                    "slug": "quantum_communication",
                    "label_en": "Quantum communication",
                    "label_ja": "量子通信",
                    "terms": {
                        "en": ["quantum key distribution", "quantum computer"],
                        "ja": ["量子鍵配送", "量子コンピューター"],
                        "abbr": ["QKD"],
                    },
                }
            ],
            "codes": [{"prefix": "H04L9/08"}, {"prefix": "G06N10"}],
            "arxiv": ["quant-ph"],
        },
        {
            "slug": "ai_ml",
            "label_en": "AI",
            "label_ja": "人工知能",
            "subtechs": [
                {
                    "slug": "generative_ai",
                    "label_en": "Generative AI",
                    "label_ja": "生成AI",
                    "terms": {
                        "en": ["large language model", "machine learning"],
                        "ja": ["生成AI", "機械学習"],
                        "abbr": ["LLM"],
                    },
                }
            ],
            "codes": [{"prefix": "G06N3"}],
            "arxiv": ["cs.LG"],
        },
    ],
    "arxiv_gold_mapping": {
        "categories": {"cs.LG": ["ai_ml"], "quant-ph": ["quantum"], "cs.AR": ["semiconductors"]}
    },
}


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """Three domains with EN/JA terms, abbreviations, an exclusion and dated codes."""
    return Taxonomy.model_validate(TAXONOMY)
