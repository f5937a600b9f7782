import json
from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from flows.cli import app
from horizon.config.taxonomy import DOMAIN_SLUGS, load_taxonomy
from nlp import DomainClassifier

QUANTUM = [
    "qubit entanglement in superconducting circuits",
    "quantum error correction with qubits",
    "entangled photons for qubit teleportation",
    "trapped ion qubit gates and entanglement",
]
AI = [
    "neural network training with gradient descent",
    "transformer language model pretraining",
    "deep neural network image classification",
    "reinforcement learning agents and neural policies",
]
OTHER = [
    "the history of medieval trade routes",
    "a survey of bird migration in europe",
    "poetry and rhyme in early modern verse",
    "soil erosion on hill farms",
]

runner = CliRunner()
TERMS = {
    "quantum": {"en": ["quantum key distribution", "qubit"], "ja": ["量子鍵配送"], "abbr": ["QKD"]},
    "ai_ml": {"en": ["machine learning", "neural network"], "abbr": ["LLM"]},
    "semiconductors": {"en": ["semiconductor"], "abbr": ["GaN"]},
    "ict_networks": {"en": ["machine learning"]},  # collides with ai_ml on purpose
}


def _taxonomy_file(tmp_path: Path) -> Path:
    domains = [
        {"slug": s, "label_en": s, "label_ja": s,
         "subtechs": [{"slug": f"{s}_core", "label_en": s, "label_ja": s, "terms": TERMS.get(s, {})}]}
        for s in DOMAIN_SLUGS
    ]  # fmt: skip
    body = yaml.safe_dump(
        {"version": "cli-1", "domains": domains}, allow_unicode=True, sort_keys=False
    )
    path = tmp_path / "taxonomy.yaml"
    path.write_text("# curated by the taxonomy team\n" + body, encoding="utf-8")
    return path


def test_classify_round_trip(tmp_path):
    tax_path = _taxonomy_file(tmp_path)
    home = tmp_path / "home"
    clf = DomainClassifier(list(DOMAIN_SLUGS), folds=3)
    clf.metadata["taxonomy_version"] = "cli-1"
    texts, labels = [], []
    for _ in range(3):
        texts += QUANTUM + AI + OTHER
        labels += [{"quantum"}] * 4 + [{"ai_ml"}] * 4 + [set()] * 4
    clf.fit(texts, labels).save(home / "models")
    lines = [
        {
            "id": "a",
            "title": "QKD over metro fibre",
            "abstract": "We demonstrate quantum key distribution with qubit entanglement.",
        },
        {"id": "b", "title": "Bird migration", "text": "Birds fly south."},
        {"id": "c", "title": "Qubit gates", "abstract": "qubit entanglement"},
    ]
    bad = ['not json', '["a list"]', '{"title": "no id"}', '{"id": "d", "title": "  "}',
           json.dumps(lines[1])]  # fmt: skip
    src = tmp_path / "in.jsonl"
    body = "\ufeff" + "\n".join([*(json.dumps(x) for x in lines), *bad]) + "\n\n"
    src.write_bytes(body.encode("utf-8") + b'{"id": "e", "title": "caf\xe9"}\n')  # Latin-1 byte
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--in", str(src), "--out", str(out), "--home", str(home),
                                 "--taxonomy", str(tax_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    refused_file = tmp_path / "out.jsonl.refused.jsonl"
    assert f"3 classified → {out}; 6 lines refused (" in result.output
    assert str(refused_file) in result.output
    refused = [json.loads(line) for line in refused_file.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["reason"]) for r in refused] == [
        (4, "not JSON"), (5, "not a JSON object"), (6, "no id"), (7, "no title or text"),
        (8, "repeated id"), (10, "not UTF-8"),
    ]  # fmt: skip
    assert refused[0]["input"] == "not json"  # kept as it came
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c"]
    assert got[0]["domains"][0]["domain"] == "quantum"  # best first
    assert got[1]["domains"] == []
    assert got[2]["domains"][0]["domain"] == "quantum"
    assert all(0 <= d["score"] <= 1 for g in got for d in g["domains"])

    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps(lines[0]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--in", str(clean), "--out", str(tmp_path / "o2.jsonl"),
                                 "--home", str(home), "--taxonomy", str(tax_path)])  # fmt: skip
    assert result.exit_code == 0 and "refused" not in result.output
    assert not (tmp_path / "o2.jsonl.refused.jsonl").exists()
    result = runner.invoke(app, ["classify", "--in", str(tmp_path / "none.jsonl"), "--out",
                                 str(out), "--home", str(home), "--taxonomy", str(tax_path)])  # fmt: skip
    assert result.exit_code == 2 and "no such file" in result.output


def test_classify_reads_parsed_records_and_gives_the_scan_reasons(tmp_path):
    tax_path = _taxonomy_file(tmp_path)
    home = tmp_path / "home"
    clf = DomainClassifier(list(DOMAIN_SLUGS), folds=3)
    clf.metadata["taxonomy_version"] = "cli-1"
    clf.fit((QUANTUM + AI + OTHER) * 3, ([{"quantum"}] * 4 + [{"ai_ml"}] * 4 + [set()] * 4) * 3)
    clf.save(home / "models")
    lines = [  # as `horizon parse` writes them: no classifier for policy or Japanese text
        {"record_id": "url:https://example.go.jp/1", "kind": "policy", "language": "ja",
         "title": "量子鍵配送の公募", "text": "", "codes": {}, "organizations": ["総務省"]},
        {"record_id": "fr:2024-1", "kind": "policy", "language": "en",
         "title": "Notice of meeting", "text": "Quantum key distribution was named once."},
    ]  # fmt: skip
    src, out = tmp_path / "records.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    result = runner.invoke(app, ["classify", "--in", str(src), "--out", str(out), "--home",
                                 str(home), "--taxonomy", str(tax_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    got = {g["id"]: g["domains"] for g in map(json.loads, out.read_text("utf-8").splitlines())}
    assert got["url:https://example.go.jp/1"] == [
        {"domain": "quantum", "score": 0.75, "reason": "title:量子鍵配送×1"}
    ]
    assert got["fr:2024-1"] == []  # one passing mention in the body is not the subject


def test_taxonomy_check_reports_collisions(tmp_path):
    tax_path = _taxonomy_file(tmp_path)
    result = runner.invoke(app, ["taxonomy", "check", "--taxonomy", str(tax_path)])
    assert result.exit_code == 0, result.output
    assert "20 domains" in result.output
    assert "machine learning: ai_ml, ict_networks" in result.output


def test_taxonomy_promote_adds_term_with_note_and_keeps_the_rest(tmp_path):
    tax_path = _taxonomy_file(tmp_path)
    args = ["taxonomy", "promote", "quantum error mitigation", "--domain", "quantum", "--by", "A. Tanaka",
            "--why", "bursting in arXiv", "--taxonomy", str(tax_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = tax_path.read_text(encoding="utf-8")
    assert text.startswith("# curated by the taxonomy team")
    assert (
        "# promoted " in text
        and "by A. Tanaka: quantum error mitigation (bursting in arXiv)" in text
    )
    assert "version: cli-2" in text and "version cli-2" in result.output
    taxonomy = load_taxonomy(tax_path)
    assert "quantum error mitigation" in taxonomy.domain("quantum").subtechs[0].terms.en
    assert taxonomy.domain("ai_ml").subtechs[0].terms.abbr == ("LLM",)
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already a term" in again.output
    bad = runner.invoke(
        app, ["taxonomy", "promote", "x", "--domain", "nope", "--taxonomy", str(tax_path)]
    )
    assert bad.exit_code == 2
    assert "unknown domain" in bad.output


def _gold_folder(tmp_path: Path, name: str, ids: list[str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    rows = [
        {"id": i, "title": "Qubit entanglement" if n % 2 else "Neural network training",
         "abstract": "quantum key distribution with qubits" if n % 2 else "deep learning models",
         "categories": "quant-ph" if n % 2 else "cs.LG"}
        for n, i in enumerate(ids)
    ]  # fmt: skip
    (folder / "set.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return folder


def test_evaluate_cli_scores_another_set_whole_and_says_what_it_cannot_score(tmp_path, repo_root):
    from nlp.gold import is_holdout
    from nlp.training import train_classifier

    tax_path = repo_root / "data/config/taxonomy.yaml"
    ids = [f"2501.{i:05d}" for i in range(60)]
    corpus = _gold_folder(tmp_path, "corpus", ids)
    home = tmp_path / "home"
    train_classifier(load_taxonomy(tax_path), gold_dir=corpus).save(home / "models")
    base = ["evaluate", "--home", str(home), "--taxonomy", str(tax_path), "--gold"]

    other = _gold_folder(tmp_path, "other", [f"2601.{i:05d}v1" for i in range(20)])
    result = runner.invoke(app, [*base, str(other)])
    assert result.exit_code == 0, result.output
    assert "records: 20 (unseen)" in result.output

    seen = _gold_folder(tmp_path, "seen", [i for i in ids if not is_holdout(i)][:10])
    result = runner.invoke(app, [*base, str(seen)])
    assert result.exit_code == 2
    assert "the classifier trained on all 10 records here" in result.output
    assert runner.invoke(app, [*base, str(seen), "--split", "all"]).exit_code == 0

    unlabelled = tmp_path / "unlabelled"
    unlabelled.mkdir()
    (unlabelled / "x.jsonl").write_text('{"id": "1", "title": "t"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, [*base, str(unlabelled)])
    assert result.exit_code == 2
    assert "no labelled records to score" in result.output and "no categories" in result.output

    result = runner.invoke(app, [*base, str(other), "--split", "train"])
    assert result.exit_code == 2
    assert "expected one of unseen, holdout, all" in result.output

    result = runner.invoke(app, [*base, str(other), "--errors", str(tmp_path / "no/such/e.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_evaluate_cli_writes_the_wrong_records_for_excel(tmp_path, repo_root):
    from nlp.training import train_classifier

    tax_path = repo_root / "data/config/taxonomy.yaml"
    corpus = _gold_folder(tmp_path, "corpus", [f"2501.{i:05d}" for i in range(60)])
    home = tmp_path / "home"
    train_classifier(load_taxonomy(tax_path), gold_dir=corpus).save(home / "models")
    other = _gold_folder(tmp_path, "other", [f"2601.{i:05d}" for i in range(6)])
    with (other / "set.json").open("a", encoding="utf-8") as f:  # a negative that names a qubit
        f.write("\n" + json.dumps({"id": "2601.09999", "title": "Qubit entanglement",
                                   "abstract": "quantum key distribution with qubits",
                                   "categories": "math.HO"}))  # fmt: skip
    out = tmp_path / "errors.csv"
    result = runner.invoke(app, ["evaluate", "--home", str(home), "--taxonomy", str(tax_path),
                                 "--gold", str(other), "--errors", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    errors = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert f"{len(errors)} records with a wrong or missing domain" in result.output
    row = errors.set_index("arxiv_id").loc["2601.09999"]
    assert row["categories"] == "math.HO" and row["gold"] == ""
    assert "quantum" in row["false_positives"].split() and row["reasons"].startswith("quantum: ")


def test_evaluate_cli_says_when_it_must_train_first(tmp_path, repo_root, monkeypatch):
    shared = tmp_path / "shared"
    corpus = _gold_folder(tmp_path, "corpus", [f"2501.{i:05d}" for i in range(40)])
    (shared / "data/corpus").mkdir(parents=True)
    corpus.rename(shared / "data/corpus/arxiv_labeled")
    monkeypatch.setenv("HORIZON_SHARED", str(shared))
    other = _gold_folder(tmp_path, "other", [f"2601.{i:05d}" for i in range(10)])
    args = ["evaluate", "--gold", str(other), "--home", str(tmp_path / "home"),
            "--taxonomy", str(repo_root / "data/config/taxonomy.yaml")]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "no current classifier" in first.output and "arxiv_labeled" in first.output
    assert "records: 10 (unseen)" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "no current classifier" not in again.output
