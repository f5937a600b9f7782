"""Training data the project may use (labelled arXiv train split, weak labels from codes) and training."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import sklearn

from horizon.config.taxonomy import Taxonomy
from nlp.classifier import ARTEFACT_VERSION, META_FILE, DomainClassifier
from nlp.codes import code_domains, code_rules, parse_codes
from nlp.extract import record_text
from nlp.gold import gold_domains, is_holdout, load_gold


def weak_labels(records: pd.DataFrame, taxonomy: Taxonomy) -> tuple[list[str], list[set[str]]]:
    """Texts and domain sets of records whose codes signal domains (codes are weak labels)."""
    rules = code_rules(taxonomy)
    texts, labels = [], []
    n = len(records)
    body = records["text"] if "text" in records else [""] * n
    for title, text, codes in zip(records["title"], body, records["codes"], strict=False):
        found = code_domains(parse_codes(codes), taxonomy, rules)
        if found:
            texts.append(record_text(title, text))
            labels.append(set(found))
    return texts, labels


def gold_training_set(
    gold_dir: Path, taxonomy: Taxonomy
) -> tuple[list[str], list[set[str]], list[str]]:
    """Title + abstract, gold domains and arXiv ids of the labelled corpus, held-out split excluded."""
    gold = load_gold(gold_dir)
    train = gold[~gold["arxiv_id"].map(is_holdout)]
    texts = [record_text(t, a) for t, a in zip(train["title"], train["abstract"], strict=False)]
    labels = [gold_domains(c, taxonomy) for c in train["categories"]]
    return texts, labels, list(train["arxiv_id"])


def train_classifier(
    taxonomy: Taxonomy,
    *,
    gold_dir: Path | None = None,
    records: pd.DataFrame | None = None,
) -> DomainClassifier:
    """Fit a DomainClassifier on the gold train split (if present) and weak labels of `records`."""
    texts: list[str] = []
    labels: list[set[str]] = []
    trained_ids: list[str] = []
    described = []
    if gold_dir is not None and Path(gold_dir).is_dir():
        t, y, ids = gold_training_set(Path(gold_dir), taxonomy)
        texts += t
        labels += y
        trained_ids = ids
        described.append(
            f"arXiv labelled corpus {Path(gold_dir).name} (train split, {len(t)} records)"
        )
    if records is not None and len(records):
        if "record_id" in records:  # the store returns rows in no set order; fits follow order
            records = records.sort_values("record_id", kind="stable")
        t, y = weak_labels(records, taxonomy)
        texts += t
        labels += y
        described.append(f"weak labels from codes ({len(t)} records)")
    clf = DomainClassifier(taxonomy.slugs)
    clf.trained_ids = frozenset(trained_ids)
    clf.metadata.update(
        taxonomy_version=taxonomy.version, training_data="; ".join(described) or "none"
    )
    if len(texts) >= clf.folds * 2 and any(labels):
        clf.fit(texts, labels)
    return clf


def saved_is_current(models_dir: Path, taxonomy: Taxonomy) -> bool:
    """Whether the saved classifier's metadata fits this taxonomy and scikit-learn (no unpickling)."""
    try:
        meta = json.loads((Path(models_dir) / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        meta.get("artefact_version") == ARTEFACT_VERSION
        and meta.get("sklearn_version") == sklearn.__version__
        and meta.get("taxonomy_version") == taxonomy.version
        and meta.get("domains") == taxonomy.slugs
    )


def load_or_train(
    models_dir: Path,
    taxonomy: Taxonomy,
    *,
    gold_dir: Path | None = None,
    records: pd.DataFrame | None = None,
    retrain: bool = False,
) -> DomainClassifier:
    """The saved classifier if it fits this taxonomy version and scikit-learn, else train and save.

    Training uses the labelled corpus at `gold_dir` (train split) when present and weak labels from
    the codes of `records`; with neither, an untrained classifier (all scores 0) is returned.
    """
    models_dir = Path(models_dir)
    if not retrain and (models_dir / META_FILE).exists():
        try:
            clf = DomainClassifier.load(models_dir)
            if (
                clf.metadata.get("taxonomy_version") == taxonomy.version
                and clf.domains == taxonomy.slugs
            ):
                return clf
        except (ValueError, OSError, EOFError):
            pass
    clf = train_classifier(taxonomy, gold_dir=gold_dir, records=records)
    clf.save(models_dir)
    return clf
