import pandas as pd
import pytest

from nlp import detect_language, extract_entities

TECH = ("it-life-hack", "kaden-channel", "smax")
OTHER = ("topic-news", "sports-watch")


@pytest.mark.shared
def test_livedoor_tech_articles_get_entities_and_sports_mostly_not(shared_data, repo_root):
    from horizon.config.taxonomy import load_taxonomy

    root = shared_data / "japanese/livedoor_news_corpus"
    if not root.is_dir():
        pytest.skip("livedoor corpus absent")
    taxonomy = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    rows = []
    for cat in TECH + OTHER:
        for path in sorted((root / cat).glob(f"{cat}-*.txt"))[:40]:
            lines = path.read_text(encoding="utf-8").splitlines()
            rows.append({"record_id": f"demo:{path.stem}", "kind": "paper", "title": lines[2],
                         "text": "\n".join(lines[3:]), "sharing": "CLEAR", "cat": cat})  # fmt: skip
    records = pd.DataFrame(rows)
    assert all(detect_language(t) == "ja" for t in records.text)
    ents = extract_entities(records, taxonomy)
    hit = set(ents[ents.label == "TECH"].record_id)
    rate = records.assign(hit=records.record_id.isin(hit)).groupby("cat").hit.mean()
    tech_rate = rate[list(TECH)].mean()
    other_rate = rate[list(OTHER)].mean()
    assert tech_rate > other_rate + 0.2
