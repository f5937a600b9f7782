"""Text-only evaluation of domain assignment on labelled arXiv records the classifier did not train on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from horizon.config.taxonomy import Taxonomy
from nlp.assign import assign_domains
from nlp.classifier import DomainClassifier
from nlp.extract import extract_entities
from nlp.gold import gold_domains, is_holdout, load_gold

SPLITS = ("unseen", "holdout", "all")


@dataclass
class DomainScore:
    """Precision, recall and F1 of one domain."""

    domain: str
    gold: int
    predicted: int
    true_positives: int
    precision: float
    recall: float
    f1: float


@dataclass
class EvaluationReport:
    """Per-domain scores, macro/micro F1 over domains with enough gold records, negatives assigned."""

    records: int
    split: str
    min_gold: int
    domains: list[DomainScore] = field(default_factory=list)
    macro_f1: float = 0.0
    micro_f1: float = 0.0
    evaluated_domains: list[str] = field(default_factory=list)
    negatives: int = 0
    negatives_assigned: int = 0
    excluded_trained_on: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    #: Every scored record whose predicted domains differ from its gold (see `error_rows`).
    errors: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (without the error rows)."""
        out = asdict(replace(self, errors=None))
        del out["errors"]
        return out

    def table(self) -> str:
        """The per-domain table as text."""
        lines = [f"{'domain':24s} {'gold':>6s} {'pred':>6s} {'P':>6s} {'R':>6s} {'F1':>6s}"]
        for d in self.domains:
            mark = "" if d.domain in self.evaluated_domains else "  (not in macro: < min gold)"
            lines.append(f"{d.domain:24s} {d.gold:6d} {d.predicted:6d} {d.precision:6.3f} "
                         f"{d.recall:6.3f} {d.f1:6.3f}{mark}")  # fmt: skip
        lines.append(f"macro-F1 {self.macro_f1:.3f}  micro-F1 {self.micro_f1:.3f}  over "
                     f"{len(self.evaluated_domains)} domains with ≥ {self.min_gold} gold records")  # fmt: skip
        lines.append(f"negatives (no gold domain): {self.negatives}, assigned a domain: "
                     f"{self.negatives_assigned} ({self.negatives_assigned / max(self.negatives, 1):.1%})")  # fmt: skip
        lines.append(f"records: {self.records} ({self.split})"
                     + (f"; {self.excluded_trained_on} left out: the classifier trained on them"
                        if self.excluded_trained_on else ""))  # fmt: skip
        if self.refused:
            lines.append(
                "refused input: " + ", ".join(f"{n} {why}" for why, n in self.refused.items())
            )
        return "\n".join(lines)


def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_predictions(
    gold: list[set[str]], predicted: list[set[str]], domains: list[str], *, min_gold: int = 30,
    records: int = 0, split: str = "",
) -> EvaluationReport:  # fmt: skip
    """Compare predicted with gold domain sets."""
    report = EvaluationReport(records=records or len(gold), split=split, min_gold=min_gold)
    tp_all = pred_all = gold_all = 0
    for d in domains:
        g = sum(d in s for s in gold)
        p = sum(d in s for s in predicted)
        tp = sum(d in s and d in t for s, t in zip(gold, predicted, strict=False))
        if not g and not p:
            continue
        report.domains.append(DomainScore(d, g, p, tp, *_prf(tp, p, g)))
        if g >= min_gold:
            report.evaluated_domains.append(d)
            tp_all, pred_all, gold_all = tp_all + tp, pred_all + p, gold_all + g
    f1s = [d.f1 for d in report.domains if d.domain in report.evaluated_domains]
    report.macro_f1 = sum(f1s) / len(f1s) if f1s else 0.0
    report.micro_f1 = _prf(tp_all, pred_all, gold_all)[2]
    report.negatives = sum(not s for s in gold)
    report.negatives_assigned = sum(bool(t) for s, t in zip(gold, predicted, strict=False) if not s)
    return report


def gold_records(gold: pd.DataFrame) -> pd.DataFrame:
    """Labelled records as the scan's records: title + abstract only, no codes, no date."""
    return pd.DataFrame(
        {
            "record_id": "arxiv:" + gold["arxiv_id"],
            "kind": "paper",
            "title": gold["title"],
            "text": gold["abstract"],
            "language": "en",
            "sharing": "CLEAR",
            "codes": [None] * len(gold),
            "published_date": [None] * len(gold),
        }
    ).reset_index(drop=True)


def evaluate(
    gold_dir: Path,
    taxonomy: Taxonomy,
    classifier: DomainClassifier | None,
    *,
    split: str = "unseen",
    min_gold: int = 30,
    limit: int | None = None,
) -> EvaluationReport:
    """Assign domains from title + abstract only (no codes) and score against the gold mapping.

    `split`: "unseen" (every record whose arXiv id the classifier did not train on: the held-out
    part of the corpus it was trained with, or the whole of another labelled set), "holdout" (the
    deterministic 25% hash split of this corpus), or "all".
    """
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    gold = load_gold(Path(gold_dir))
    refused = dict(gold.attrs.get("refused", {}))
    excluded = 0
    if split == "holdout":
        gold = gold[gold["arxiv_id"].map(is_holdout)]
    elif split == "unseen" and classifier is not None and classifier.trained_ids:
        seen = gold["arxiv_id"].isin(classifier.trained_ids)
        excluded = int(seen.sum())
        gold = gold[~seen]
    if limit:
        gold = gold.iloc[:limit]
    records = gold_records(gold)
    entities = extract_entities(records, taxonomy)
    assigned = assign_domains(records, entities, taxonomy, classifier)
    by_record = assigned.groupby("record_id")["domain"].agg(set).to_dict()
    predicted = [by_record.get(r, set()) for r in records["record_id"]]
    truth = [gold_domains(c, taxonomy) for c in gold["categories"]]
    report = score_predictions(truth, predicted, taxonomy.slugs, min_gold=min_gold,
                               records=len(records), split=split)  # fmt: skip
    report.excluded_trained_on = excluded
    report.refused = refused
    report.errors = error_rows(gold, truth, predicted, assigned)
    return report


ERROR_COLUMNS = ["arxiv_id", "title", "categories", "gold", "predicted", "false_positives",
                 "false_negatives", "reasons"]  # fmt: skip


def error_rows(
    gold: pd.DataFrame, truth: list[set[str]], predicted: list[set[str]], assigned: pd.DataFrame
) -> pd.DataFrame:
    """One row per record whose predicted domains differ from its gold: what was wrong, and why
    each predicted domain was assigned (the assignment's reason). Domain lists are space-separated."""
    why: dict[str, list[str]] = {}
    for rid, domain, reason in zip(
        assigned["record_id"], assigned["domain"], assigned["reason"], strict=True
    ):
        why.setdefault(rid, []).append(f"{domain}: {reason}")
    rows = []
    for (aid, title, cats), t, p in zip(
        gold[["arxiv_id", "title", "categories"]].itertuples(index=False), truth, predicted,
        strict=True,
    ):  # fmt: skip
        if t != p:
            rows.append((aid, title, " ".join(cats), " ".join(sorted(t)), " ".join(sorted(p)),
                         " ".join(sorted(p - t)), " ".join(sorted(t - p)),
                         " | ".join(why.get(f"arxiv:{aid}", []))))  # fmt: skip
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)
