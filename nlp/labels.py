"""Analyst-labelled documents of every kind (`domains` per `doc_id`): reading them and scoring the
scan's own assignment against them, per domain, kind, language and source."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from horizon.config.taxonomy import Taxonomy
from nlp.assign import assign_domains
from nlp.classifier import DomainClassifier
from nlp.evaluate import EvaluationReport, score_predictions
from nlp.extract import extract_entities

LABEL_FIELDS = ("doc_id", "domains")


def is_label_file(path: Path) -> bool:
    """Whether `path` is a JSON Lines file of analyst labels (its first object has doc_id, domains)."""
    if not Path(path).is_file():
        return False
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip():
                    first = json.loads(line)
                    return isinstance(first, dict) and all(k in first for k in LABEL_FIELDS)
    except (OSError, ValueError):
        return False
    return False


def _record_id(doc_id: str) -> str:
    """The parsers' record id inside a label's doc_id (`fr:fr:2024-00012` → `fr:2024-00012`)."""
    for prefix in ("arxiv:", "patent:", "url:", "fr:", "doi:", "openalex:"):
        at = doc_id.find(prefix)
        if at >= 0 and (at == 0 or doc_id[at - 1] == ":"):
            return doc_id[at:]
    return doc_id


def load_labels(path: Path, taxonomy: Taxonomy) -> tuple[pd.DataFrame, list[set[str]]]:
    """Records (as a scan reads them) and gold domain sets of a label file.

    Each line: doc_id, source, kind, language, title, text, codes, domains (and optionally url,
    organizations, published_date). Lines that cannot be used are counted by reason in
    `frame.attrs["refused"]`; a doc_id seen before is refused, not merged.
    """
    rows, gold = [], []
    refused: Counter = Counter()
    seen: set[str] = set()
    known = set(taxonomy.slugs)
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                refused["not JSON"] += 1
                continue
            if not isinstance(item, dict) or not item.get("doc_id"):
                refused["no doc_id"] += 1
                continue
            domains = item.get("domains")
            if not isinstance(domains, list) or any(d not in known for d in domains):
                refused["domains missing or not of the taxonomy"] += 1
                continue
            if item["doc_id"] in seen:
                refused["doc_id seen before"] += 1
                continue
            seen.add(item["doc_id"])
            rid = _record_id(str(item["doc_id"]))
            url = item.get("url") or (rid[4:] if rid.startswith("url:") else None)
            rows.append({
                "record_id": str(item["doc_id"]), "kind": item.get("kind") or "paper",
                "source": str(item.get("source") or ""), "title": str(item.get("title") or ""),
                "text": str(item.get("text") or ""), "language": item.get("language") or "und",
                "codes": json.dumps(item.get("codes") or {}), "url": url,
                "organizations": json.dumps(item.get("organizations") or []),
                "published_date": item.get("published_date"), "sharing": "CLEAR",
            })  # fmt: skip
            gold.append(set(domains))
    frame = pd.DataFrame(rows, columns=["record_id", "kind", "source", "title", "text", "language",
                                        "codes", "url", "organizations", "published_date",
                                        "sharing"])  # fmt: skip
    frame.attrs["refused"] = dict(refused)
    return frame, gold


@dataclass
class GroupScore:
    """Micro P/R/F1 of one slice of the documents (a kind, a language, a source)."""

    group: str
    value: str
    documents: int
    precision: float
    recall: float
    f1: float
    none_given_one: int
    technology_given_none: int


@dataclass
class LabelReport:
    """Scores against analyst labels: per domain (as for arXiv), per slice, and the two error rates."""

    overall: EvaluationReport
    groups: list[GroupScore] = field(default_factory=list)
    negatives: int = 0
    none_given_one: int = 0
    positives: int = 0
    technology_given_none: int = 0
    errors: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready dict (without the error rows)."""
        return {
            "overall": self.overall.to_dict(),
            "groups": [g.__dict__ for g in self.groups],
            "negatives": self.negatives, "none_given_one": self.none_given_one,
            "positives": self.positives, "technology_given_none": self.technology_given_none,
        }  # fmt: skip

    def table(self) -> str:
        """Per-domain table, then one line per slice."""
        o = self.overall
        lines = [o.table(), "", f"{'slice':28s} {'docs':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} "
                 f"{'none→some':>9s} {'tech→none':>9s}"]  # fmt: skip
        for g in self.groups:
            lines.append(f"{g.group + ' ' + g.value:28s} {g.documents:5d} {g.precision:6.3f} "
                         f"{g.recall:6.3f} {g.f1:6.3f} {g.none_given_one:9d} "
                         f"{g.technology_given_none:9d}")  # fmt: skip
        lines.append(
            f"documents of no domain given one: {self.none_given_one} of {self.negatives} "
            f"({self.none_given_one / max(self.negatives, 1):.1%}); technology documents given "
            f"none: {self.technology_given_none} of {self.positives} "
            f"({self.technology_given_none / max(self.positives, 1):.1%})"
        )
        return "\n".join(lines)


def _micro(gold: list[set[str]], pred: list[set[str]]) -> tuple[float, float, float]:
    tp = sum(len(g & p) for g, p in zip(gold, pred, strict=True))
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, gold))
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate_labels(
    path: Path, taxonomy: Taxonomy, classifier: DomainClassifier | None
) -> LabelReport:
    """Run the scan's extraction and assignment on labelled documents and score them."""
    records, gold = load_labels(Path(path), taxonomy)
    entities = extract_entities(records, taxonomy)
    assigned = assign_domains(records, entities, taxonomy, classifier)
    by_record = assigned.groupby("record_id")["domain"].agg(set).to_dict()
    pred = [by_record.get(r, set()) for r in records["record_id"]]
    overall = score_predictions(gold, pred, taxonomy.slugs, min_gold=1, split="analyst labels")
    overall.micro_f1 = _micro(gold, pred)[2]  # over every label, whatever its domain's size
    overall.refused = dict(records.attrs.get("refused", {}))
    report = LabelReport(overall=overall)
    report.negatives = sum(not g for g in gold)
    report.none_given_one = sum(bool(p) for g, p in zip(gold, pred, strict=True) if not g)
    report.positives = len(gold) - report.negatives
    report.technology_given_none = sum(not p for g, p in zip(gold, pred, strict=True) if g)
    slices = [("all", {"": list(range(len(records)))})]
    slices += [(c, records.groupby(c).indices) for c in ("kind", "language", "source")]
    for column, groups in slices:
        for value, idx in groups.items():
            g = [gold[i] for i in idx]
            p = [pred[i] for i in idx]
            report.groups.append(GroupScore(
                column, str(value), len(idx), *_micro(g, p),
                none_given_one=sum(bool(b) for a, b in zip(g, p, strict=True) if not a),
                technology_given_none=sum(not b for a, b in zip(g, p, strict=True) if a),
            ))  # fmt: skip
    report.errors = _errors(records, gold, pred, assigned)
    return report


def _errors(records, gold, pred, assigned) -> pd.DataFrame:
    why: dict[str, list[str]] = {}
    for rid, domain, reason in zip(
        assigned["record_id"], assigned["domain"], assigned["reason"], strict=True
    ):
        why.setdefault(rid, []).append(f"{domain}: {reason}")
    rows = [
        (rid, kind, lang, src, title, " ".join(sorted(g)), " ".join(sorted(p)),
         " ".join(sorted(p - g)), " ".join(sorted(g - p)), " | ".join(why.get(rid, [])))
        for rid, kind, lang, src, title, g, p in zip(
            records["record_id"], records["kind"], records["language"], records["source"],
            records["title"], gold, pred, strict=True,
        )
        if g != p
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["doc_id", "kind", "language", "source", "title", "gold",
                                       "predicted", "false_positives", "false_negatives",
                                       "reasons"])  # fmt: skip
