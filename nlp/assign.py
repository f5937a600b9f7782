"""Domain assignment: every signal a careful analyst reads, each weighed where it was validated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from nlp.classifier import DomainClassifier
from nlp.codes import CodeEvidence, code_evidence, code_rules, parse_codes
from nlp.extract import record_text, text_language
from nlp.normalize import normalize_term
from nlp.signals import OrgHit, find_organisations

ASSIGNMENT_COLUMNS = ["record_id", "domain", "confidence", "share", "reason", "sharing"]

# --- papers in English: the classifier was trained and validated there (arXiv) -----------------
CODE_CONFIDENCE = 0.95
#: Taxonomy-term hits count only with some classifier support: ≥ 2 hits and a score ≥ 0.25, or 1 hit
#: and a score ≥ 0.4 (large term lists alone over-assign general text).
SUPPORT_TWO_HITS = 0.25
SUPPORT_ONE_HIT = 0.4
#: Without a taxonomy term of the domain in the text, the classifier alone assigns it only from this
#: score (its cut sits at 0.5): with each corpus file left out of training in turn, 14–45% fewer
#: records of no domain get one on the three files that have such records (bench_generalisation).
CLASSIFIER_ALONE = 0.7
#: Where the classifier is validated by default: the kind and language of its training data.
VALIDATED_FOR = (("paper", "en"),)

# --- everywhere else: points of evidence, a domain assigned at ASSIGN_AT --------------------------
#: A signal that places a document on its own is worth ASSIGN_AT; a supporting one half of it.
#: The weights are the analyst guideline's reading order (GUIDELINE.md of the analyst labels):
#: codes and a title that names the technology decide; a sector regulator decides for its sector;
#: a ministry that covers several sectors, a code of a broad field and a term in the body support.
ASSIGN_AT = 2.0
POINTS = {
    "code": 2.0,  # a code that names the technology, an arXiv category, a policy subject topic
    "main_field": 2.0,  # the office's main classification falls in the domain's WIPO field
    "field": 1.0,  # another code in that field
    "title": 2.0,  # a taxonomy term in the title
    "body_hit": 0.5,  # each hit in the body (the title repeated in the body does not count twice)
    "dedicated_org": 2.0,  # a regulator of the sector (FAA, FCC, MHRA, 資源エネルギー庁)
    "org": 1.0,  # an organisation that covers the domain among others (総務省's telecom bureaus)
}
BODY_CAP = 2.0


def entity_confidence(hits: int) -> float:
    """Confidence from the number of taxonomy-term hits: 1 → 0.5, 2 → 0.75, 3 → 0.875 …"""
    return 1.0 - 0.5**hits


def points_confidence(points: float) -> float:
    """Confidence from points of evidence: 2 (one deciding signal) → 0.75, 3 → 0.875, 4 → 0.94."""
    return float(min(1.0 - 0.5**points, 0.99))


def _shares(confidences: list[float]) -> list[float]:
    total = sum(confidences)
    shares = [c / total for c in confidences]
    shares[-1] = 1.0 - sum(shares[:-1])
    return shares


@dataclass
class TermEvidence:
    """Taxonomy-term hits of one domain in one record."""

    title: Counter = field(default_factory=Counter)
    body: Counter = field(default_factory=Counter)
    #: Hits of context terms (PLC, HMI…) in policy text, kept until the domain shows another sign.
    context: Counter = field(default_factory=Counter)

    @property
    def n_hits(self) -> int:
        return sum(self.title.values()) + sum(self.body.values())

    def terms(self) -> Counter:
        return self.title + self.body


def _context_terms(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(normalize_term(t) for t in taxonomy.context_terms)


def _org_spans(entities: pd.DataFrame) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    if not len(entities) or "label" not in entities:
        return spans
    orgs = entities[entities["label"] == "ORG"]
    for rid, s, e in zip(orgs["record_id"], orgs["start_char"], orgs["end_char"], strict=False):
        spans.setdefault(rid, []).append((int(s), int(e)))
    return spans


def _repeat_span(title: str, text: str) -> tuple[int, int] | None:
    """Where the title stands again in the body, as offsets of `record_text` (feeds repeat it)."""
    title = title.strip()
    if not title or not text:
        return None
    at = text.find(title)
    if at < 0:
        return None
    base = len(title) + 1
    return base + at, base + at + len(title)


def term_evidence(
    records: pd.DataFrame, entities: pd.DataFrame, taxonomy: Taxonomy
) -> dict[str, dict[str, TermEvidence]]:
    """Record → domain → its term hits: title or body; none inside an organisation's name (原子力 in
    国際原子力機関), none twice for a title repeated in the body; context terms set apart in policy."""
    out: dict[str, dict[str, TermEvidence]] = {}
    if not len(entities) or "label" not in entities:
        return out
    tech = entities[entities["label"] == "TECH"]
    if not len(tech):
        return out
    context = _context_terms(taxonomy)
    orgs = _org_spans(entities)
    info = {
        rid: (str(title or ""), str(text or ""), kind)
        for rid, title, text, kind in zip(
            records["record_id"],
            records["title"],
            _col(records, "text", ""),
            _col(records, "kind", "paper"),
            strict=False,
        )
    }
    for rid, dom, text, start in zip(
        tech["record_id"], tech["domain"], tech["text"], tech["start_char"], strict=False
    ):
        if not isinstance(dom, str) or not dom or rid not in info:
            continue
        title, body, kind = info[rid]
        start = int(start)
        if any(s <= start < e for s, e in orgs.get(rid, ())):
            continue
        repeat = _repeat_span(title, body)
        if repeat and repeat[0] <= start < repeat[1]:
            continue
        ev = out.setdefault(rid, {}).setdefault(dom, TermEvidence())
        term = str(text).lower()
        if kind == "policy" and normalize_term(str(text)) in context:
            ev.context[term] += 1
        elif start < len(title):
            ev.title[term] += 1
        else:
            ev.body[term] += 1
    return out


def _col(records: pd.DataFrame, name: str, default: object) -> list:
    return records[name].tolist() if name in records else [default] * len(records)


def _validated(classifier: DomainClassifier | None) -> set[tuple[str, str]]:
    if classifier is None or not classifier.models:
        return set()
    pairs = classifier.metadata.get("validated_for") or VALIDATED_FOR
    return {tuple(p) for p in pairs}


def _paper_domains(
    codes: dict[str, CodeEvidence],
    terms: dict[str, TermEvidence],
    scores: np.ndarray,
    column: dict[str, int],
    taxonomy: Taxonomy,
) -> dict[str, tuple[float, str]]:
    """Papers in the classifier's language: specific codes decide, else terms with its support."""
    specific = {d: ev.specific for d, ev in codes.items() if ev.specific}
    if specific:
        return {d: (CODE_CONFIDENCE, f"code:{c[0]}") for d, c in specific.items()}
    # Domains the classifier has no model for (no arXiv category is theirs): it cannot speak for
    # or against them, so their terms are weighed as on any other record.
    unmodelled = {d: ev for d, ev in terms.items() if d not in column}
    found = evidence_domains({}, unmodelled, [])
    for d in taxonomy.slugs:
        if d not in column:
            continue
        ev = terms.get(d)
        n_hits = ev.n_hits if ev else 0
        score = float(scores[column[d]]) if d in column else 0.0
        reasons, conf = [], 0.0
        if score >= 0.5:
            reasons.append(f"classifier:{score:.2f}")
            conf = score
        if (n_hits >= 2 and score >= SUPPORT_TWO_HITS) or (
            n_hits >= 1 and score >= SUPPORT_ONE_HIT
        ):
            reasons.append(_terms_reason("entities", ev.terms()))
            conf = max(conf, entity_confidence(n_hits))
        elif conf < CLASSIFIER_ALONE:
            continue
        found[d] = (min(conf, 1.0), "; ".join(reasons))
    return found


def _terms_reason(label: str, terms: Counter) -> str:
    return f"{label}:" + ",".join(f"{t}×{n}" for t, n in terms.most_common(3))


def evidence_domains(
    codes: dict[str, CodeEvidence],
    terms: dict[str, TermEvidence],
    orgs: list[OrgHit],
) -> dict[str, tuple[float, str]]:
    """Domains whose points of evidence reach ASSIGN_AT → (confidence, reasons)."""
    points: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}

    def add(domain: str, value: float, reason: str) -> None:
        points[domain] = points.get(domain, 0.0) + value
        reasons.setdefault(domain, []).append(reason)

    for d, ev in codes.items():
        if ev.specific:
            add(d, POINTS["code"], f"code:{ev.specific[0]}")
        elif ev.field:
            add(d, POINTS["main_field" if ev.main else "field"], f"field code:{ev.field[0]}")
    issuer: dict[str, OrgHit] = {}  # one issuer per domain, the strongest: names of one body
    for org in orgs:  # found by its address and in its text do not add up
        for d in org.domains:
            if d not in issuer or (org.dedicated and not issuer[d].dedicated):
                issuer[d] = org
    for d, org in issuer.items():
        if org.dedicated:
            add(d, POINTS["dedicated_org"], f"issuer:{org.name}")
        else:
            add(d, POINTS["org"], f"issuer (supporting):{org.name}")
    for d, ev in terms.items():
        if ev.title:
            add(d, POINTS["title"], _terms_reason("title", ev.title))
        if ev.body:
            add(d, min(BODY_CAP, POINTS["body_hit"] * sum(ev.body.values())),
                _terms_reason("text", ev.body))  # fmt: skip
    for d, ev in terms.items():  # context terms count once the domain shows another sign
        if ev.context and d in points:
            add(d, POINTS["title"], _terms_reason("context term", ev.context))
    return {
        d: (points_confidence(p), "; ".join(reasons[d]))
        for d, p in points.items()
        if p >= ASSIGN_AT
    }


def assign_domains(
    records: pd.DataFrame,
    entities: pd.DataFrame,
    taxonomy: Taxonomy,
    classifier: DomainClassifier | None,
) -> pd.DataFrame:
    """Assignments (table `assignments` without scan_id): domain, confidence, share, reason, sharing.

    Papers in a language the classifier was validated on (English arXiv) keep its calibrated rule:
    specific codes decide, else taxonomy terms with classifier support or a high classifier score.
    Every other record (patents, policy, Japanese) is placed by points of evidence from its codes
    (specific and WIPO-field), its issuing organisation, and taxonomy terms (title over body), with
    no classifier veto outside the data the classifier was validated on. Shares split a record by
    confidence; the reason names every signal.
    """
    rules = code_rules(taxonomy)
    routine = tuple(t.casefold() for t in taxonomy.routine_policy_titles)
    terms = term_evidence(records, entities, taxonomy)
    validated = _validated(classifier)
    n = len(records)
    kinds = _col(records, "kind", "paper")
    titles, texts = records["title"].tolist(), _col(records, "text", "")
    languages = [text_language(record_text(t, x)) for t, x in zip(titles, texts, strict=False)]
    use_clf = [(k, lang) in validated for k, lang in zip(kinds, languages, strict=False)]
    scores, column = None, {}
    if any(use_clf):
        picked = [i for i in range(n) if use_clf[i]]
        batch = [record_text(titles[i], texts[i]) for i in picked]
        raw = classifier.predict_scores(batch)
        scores = dict(zip(picked, raw, strict=False))
        column = {d: j for j, d in enumerate(classifier.domains) if d in classifier.models}
    ids = records["record_id"].tolist()
    sources, urls = _col(records, "source", ""), _col(records, "url", None)
    org_lists = _col(records, "organizations", None)
    sharing = _col(records, "sharing", "CLEAR")
    rows: list[tuple] = []
    for i, (rid, codes) in enumerate(zip(ids, _col(records, "codes", None), strict=False)):
        openalex = "openalex" in str(sources[i]) or str(rid).startswith("openalex:")
        by_code = code_evidence(parse_codes(codes), taxonomy, rules, openalex=openalex,
                                policy=kinds[i] == "policy")  # fmt: skip
        record_terms = terms.get(rid, {})
        if use_clf[i]:
            found = _paper_domains(by_code, record_terms, scores[i], column, taxonomy)
        else:
            orgs = []
            if kinds[i] == "policy" and not _routine(titles[i], routine):
                orgs = find_organisations(taxonomy, organizations=_names(org_lists[i]),
                                          url=urls[i], text=texts[i])  # fmt: skip
            found = evidence_domains(by_code, record_terms, orgs)
        if found:
            domains = sorted(found, key=lambda d: (-found[d][0], d))
            for d, share in zip(domains, _shares([found[d][0] for d in domains]), strict=False):
                rows.append((rid, d, found[d][0], share, found[d][1], sharing[i]))
    frame = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    frame["confidence"] = frame["confidence"].astype("float64").clip(0.0, 1.0)
    frame["share"] = frame["share"].astype("float64")
    return frame


def _routine(title: object, phrases: tuple[str, ...]) -> bool:
    folded = str(title or "").casefold()
    return any(p in folded for p in phrases)


def _names(value: object) -> list[str]:
    """An `organizations` cell (list, array or JSON text) as a list of names."""
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    try:
        return [str(v) for v in value if v]
    except TypeError:
        return []


def check_assignments(frame: pd.DataFrame) -> list[str]:
    """Invariant violations of an assignments frame (empty when it is sound)."""
    problems = []
    if len(frame):
        sums = frame.groupby("record_id")["share"].sum()
        bad = sums[~np.isclose(sums, 1.0, atol=1e-9)]
        if len(bad):
            problems.append(f"shares do not sum to 1 for {len(bad)} records (e.g. {bad.index[0]})")
        if ((frame["confidence"] < 0) | (frame["confidence"] > 1)).any():
            problems.append("confidence outside [0, 1]")
        if frame.duplicated(["record_id", "domain"]).any():
            problems.append("a record is assigned twice to the same domain")
    return problems
