import gzip
import json

import pytest

from nlp import evaluate
from nlp.evaluate import score_predictions
from nlp.gold import arxiv_key, gold_domains, is_holdout, load_gold
from nlp.training import train_classifier


def test_score_predictions_by_hand():
    gold = [{"a"}, {"a", "b"}, set(), set(), {"b"}]
    pred = [{"a"}, {"a"}, {"a"}, set(), {"b"}]
    report = score_predictions(gold, pred, ["a", "b", "c"], min_gold=2)
    a = next(d for d in report.domains if d.domain == "a")
    b = next(d for d in report.domains if d.domain == "b")
    assert (a.precision, a.recall) == (2 / 3, 1.0)
    assert (b.precision, b.recall, b.f1) == (1.0, 0.5, 2 / 3)
    assert report.macro_f1 == pytest.approx((0.8 + 2 / 3) / 2)
    assert report.micro_f1 == pytest.approx(2 * 0.75 * 0.75 / 1.5)
    assert (report.negatives, report.negatives_assigned) == (2, 1)
    assert [d.domain for d in report.domains] == ["a", "b"]


def test_gold_reading_mapping_and_split(tmp_path, taxonomy):
    rows = [
        {
            "arxiv_id": "2501.00001",
            "title": "QKD networks",
            "abstract": "quantum key distribution",
            "categories": ["quant-ph", "cs.CR"],
        },
        {"arxiv_id": "2501.00001", "title": "duplicate", "abstract": "", "categories": ["cs.LG"]},
        {
            "arxiv_id": "0806.4410",
            "title": "Kempner series",
            "abstract": "sums",
            "categories": None,
            "subjects": ["Mathematics - Number Theory", "Computer Science - Machine Learning"],
        },
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    gold = load_gold(tmp_path)
    assert list(gold.arxiv_id) == ["2501.00001", "0806.4410"]
    assert gold_domains(gold.categories[0], taxonomy) == {"quantum"}
    assert gold_domains(gold.categories[1], taxonomy) == {"ai_ml"}
    assert is_holdout("2501.00001") == is_holdout("2501.00001")
    share = sum(is_holdout(f"2501.{i:05d}") for i in range(4000)) / 4000
    assert 0.2 < share < 0.3


def test_gold_reads_arxiv_snapshot_json_array_and_gzip_and_counts_refusals(tmp_path, taxonomy):
    snapshot = [  # arXiv's metadata snapshot: `id` with no prefix, categories as one string
        {"id": "2501.00002v2", "title": "QKD", "abstract": "keys", "categories": "quant-ph cs.CR"},
        {"id": "arXiv:2501.00002v1", "title": "QKD again", "categories": "quant-ph"},
        {"id": "2501.00003", "title": "  ", "categories": "cs.LG"},
        {"title": "no id", "categories": "cs.LG"},
        {"id": "2501.00004", "title": "unlabelled"},
    ]
    (tmp_path / "snapshot.json").write_text("\n".join(json.dumps(r) for r in snapshot) + "\n[1]\n")
    old_style = {"id": "http://arxiv.org/abs/cs/0101001v3", "title": "Old style",
                 "summary": "an LLM", "categories": ["cs.LG"]}  # fmt: skip
    (tmp_path / "array.json").write_text(json.dumps([old_style, 7]))
    with gzip.open(tmp_path / "more.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"arxiv_id": "2502.00001", "title": "Chips", "categories": ["cs.AR"]})
        )
    (tmp_path / "broken.jsonl.gz").write_bytes(b"not gzip at all")
    (tmp_path / "latin1.jsonl").write_bytes('{"id": "1", "title": "caf\u00e9"}'.encode("latin-1"))
    gold = load_gold(tmp_path)
    assert list(gold.arxiv_id) == ["cs/0101001", "2502.00001", "2501.00002"]
    assert list(gold.file) == ["array.json", "more.jsonl.gz", "snapshot.json"]
    assert list(gold.abstract) == ["an LLM", "", "keys"]
    assert [gold_domains(c, taxonomy) for c in gold.categories] == [
        {"ai_ml"}, {"semiconductors"}, {"quantum"}
    ]  # fmt: skip
    assert gold.attrs["refused"] == {
        "not a JSON object": 2, "arXiv id seen before": 1, "no title": 1, "no arXiv id": 1,
        "no categories": 1, "unreadable file (BadGzipFile)": 1,
        "unreadable file (UnicodeDecodeError)": 1,
    }  # fmt: skip
    assert arxiv_key(" oai:arXiv.org:quant-ph/9501001v1 ") == "quant-ph/9501001"


def _labelled(ids, tmp_path, name):
    rows = []
    for n, arxiv_id in enumerate(ids):
        quantum = n % 2 == 0
        rows.append({
            "arxiv_id": arxiv_id,
            "title": "Qubit entanglement" if quantum else "Neural network training",
            "abstract": ("quantum key distribution with qubits and entangled photons" if quantum
                         else "a machine learning model with gradient descent and transformers"),
            "categories": ["quant-ph"] if quantum else ["cs.LG"],
        })  # fmt: skip
    folder = tmp_path / name
    folder.mkdir()
    (folder / "g.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return folder


def test_unseen_split_scores_only_records_the_classifier_did_not_train_on(tmp_path, taxonomy):
    corpus = _labelled([f"2501.{i:05d}" for i in range(80)], tmp_path, "corpus")
    clf = train_classifier(taxonomy, gold_dir=corpus)
    train_ids = {f"2501.{i:05d}" for i in range(80) if not is_holdout(f"2501.{i:05d}")}
    assert clf.trained_ids == train_ids and clf.models
    own = evaluate(corpus, taxonomy, clf, min_gold=1)
    assert own.split == "unseen"
    assert (own.records, own.excluded_trained_on) == (80 - len(train_ids), len(train_ids))
    assert "left out: the classifier trained on them" in own.table()
    assert evaluate(corpus, taxonomy, clf, split="all", min_gold=1).records == 80
    other = _labelled([f"2601.{i:05d}" for i in range(30)], tmp_path, "other")
    report = evaluate(other, taxonomy, clf, min_gold=1)
    assert (report.records, report.excluded_trained_on) == (30, 0)
    assert report.macro_f1 == 1.0
    with pytest.raises(ValueError, match="split 'train'"):
        evaluate(other, taxonomy, clf, split="train")


def test_evaluate_text_only_without_classifier(tmp_path, taxonomy):
    rows = [
        {
            "arxiv_id": "1",
            "title": "QKD",
            "abstract": "quantum key distribution and quantum computer",
            "categories": ["quant-ph"],
        },
        {"arxiv_id": "2", "title": "Poems", "abstract": "verse", "categories": ["math.HO"]},
        {
            "arxiv_id": "3",
            "title": "An LLM",
            "abstract": "a large language model",
            "categories": ["cs.LG"],
        },
    ]
    (tmp_path / "g.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    report = evaluate(tmp_path, taxonomy, None, split="all", min_gold=1)
    assert report.records == 3
    assert report.macro_f1 == 1.0
    assert report.negatives == 1 and report.negatives_assigned == 0
    assert "macro-F1 1.000" in report.table()


@pytest.mark.shared
@pytest.mark.slow
def test_shared_corpus_quick_subset(shared_data, repo_root):
    """A subset: train on 1,500 train-split records, score 800 held-out ones (text only)."""
    from horizon.config.taxonomy import load_taxonomy
    from nlp import DomainClassifier, record_text
    from nlp.evaluate import score_predictions
    from nlp.gold import gold_domains, load_gold
    from nlp.training import gold_training_set

    taxonomy = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    gold = shared_data / "corpus/arxiv_labeled"
    texts, labels, _ = gold_training_set(gold, taxonomy)
    step = len(texts) // 1500
    clf = DomainClassifier(taxonomy.slugs, folds=2)
    clf.fit(texts[::step], labels[::step])
    report = evaluate(gold, taxonomy, clf, limit=800, min_gold=20)
    assert report.records == 800
    assert {"ai_ml", "quantum"} <= set(report.evaluated_domains)
    assert report.negatives_assigned < report.negatives
    # the classifier itself reproduces the arXiv categories it learnt; the assignment gives it no
    # lone vote in quant-ph and cond-mat (nlp.assign.TECHNOLOGY_CATEGORIES), so it is scored apart
    records = load_gold(gold).iloc[:800]
    texts = [record_text(t, a) for t, a in zip(records["title"], records["abstract"], strict=True)]
    predicted = [{d for d, _ in p} for p in clf.predict(texts)]
    truth = [gold_domains(c, taxonomy) for c in records["categories"]]
    own = score_predictions(truth, predicted, taxonomy.slugs, min_gold=20, records=800)
    assert own.micro_f1 > 0.6


def test_error_rows_name_what_was_wrong_and_why(tmp_path, taxonomy):
    rows = [
        {"arxiv_id": "1", "title": "QKD", "abstract": "quantum key distribution",
         "categories": ["quant-ph"]},
        {"arxiv_id": "2", "title": "Odes to the quantum computer", "abstract": "an ode",
         "categories": ["math.HO"]},
        {"arxiv_id": "3", "title": "Descent", "abstract": "gradient methods", "categories": ["cs.LG"]},
    ]  # fmt: skip
    (tmp_path / "g.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    report = evaluate(tmp_path, taxonomy, None, split="all", min_gold=1)
    errors = report.errors.set_index("arxiv_id")
    assert list(errors.index) == ["2", "3"]  # the correct record is not listed
    assert errors.loc["2", "gold"] == "" and errors.loc["2", "false_positives"] == "quantum"
    assert errors.loc["2", "reasons"] == "quantum: title:quantum computer×1"
    assert errors.loc["3", "false_negatives"] == "ai_ml" and errors.loc["3", "predicted"] == ""
    assert errors.loc["3", "categories"] == "cs.LG"
    assert "errors" not in report.to_dict()
    json.dumps(report.to_dict())
