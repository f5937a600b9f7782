"""Domain assignment: every signal a careful analyst reads, each weighed where it was validated."""

from __future__ import annotations

import json
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
#: arXiv categories that are defined by a technology (computer science, electrical engineering,
#: machine learning, information theory). A domain learnt only from categories of a natural
#: science (quant-ph, cond-mat.*, physics.*, q-bio.*) gets no lone vote from the classifier: those
#: archives hold the science beside the technology (foundations of quantum mechanics beside quantum
#: computing, pure condensed-matter theory beside materials for applications), and the analysts'
#: guideline counts a theory paper only where its subject is the technology. Such a paper needs a
#: taxonomy term of the domain, with the classifier's support, or in its title.
TECHNOLOGY_CATEGORIES = ("cs.", "eess.", "stat.ML", "math.IT")

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


@dataclass(slots=True)
class TermEvidence:
    """Taxonomy-term hits of one domain in one record (term → hits)."""

    title: dict[str, int] = field(default_factory=dict)
    body: dict[str, int] = field(default_factory=dict)
    #: Hits of context terms (PLC, HMI…) in policy text, kept until the domain shows another sign.
    context: dict[str, int] = field(default_factory=dict)
    #: Terms inside an organisation's name (医薬品 in 医薬品規制調和国際会議): not the subject's terms.
    org_name: dict[str, int] = field(default_factory=dict)

    @property
    def n_hits(self) -> int:
        return sum(self.title.values()) + sum(self.body.values())

    def terms(self) -> Counter:
        return Counter(self.title) + Counter(self.body)


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
    info = dict(
        zip(
            records["record_id"],
            zip(records["title"], _col(records, "text", ""), _col(records, "kind", "paper"),
                strict=False),
            strict=False,
        )
    )  # fmt: skip
    seen: dict[str, tuple[int, tuple[int, int] | None, str]] = {}
    for rid, dom, text, start in zip(
        tech["record_id"], tech["domain"], tech["text"], tech["start_char"], strict=False
    ):
        if not isinstance(dom, str) or not dom or rid not in info:
            continue
        if rid not in seen:  # once per record: the title's length, its repeat in the body
            title, body, kind = info[rid]
            title = "" if title is None or title != title else str(title)
            body = "" if body is None or body != body else str(body)
            seen[rid] = (len(title), _repeat_span(title, body), kind)
        title_len, repeat, kind = seen[rid]
        start = int(start)
        ev = out.setdefault(rid, {}).setdefault(dom, TermEvidence())
        if any(s <= start < e for s, e in orgs.get(rid, ())):
            _count(ev.org_name, str(text))  # the subject's organisation (国際原子力機関)
            continue
        if repeat and repeat[0] <= start < repeat[1]:
            continue
        term = str(text).lower()
        if kind == "policy" and normalize_term(str(text)) in context:
            _count(ev.context, term)
        elif start < title_len:
            _count(ev.title, term)
        else:
            _count(ev.body, term)
    return {rid: {d: ev for d, ev in doms.items() if ev.title or ev.body or ev.context
                  or ev.org_name} for rid, doms in out.items()}  # fmt: skip


def _count(counts: dict[str, int], term: str) -> None:
    counts[term] = counts.get(term, 0) + 1


def _col(records: pd.DataFrame, name: str, default: object) -> list:
    return records[name].tolist() if name in records else [default] * len(records)


def _validated(classifier: DomainClassifier | None) -> set[tuple[str, str]]:
    if classifier is None or not classifier.models:
        return set()
    pairs = classifier.metadata.get("validated_for") or VALIDATED_FOR
    return {tuple(p) for p in pairs}


def _abbreviations(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(t.casefold() for d in taxonomy.domains for _, t in d.terms("abbr"))


def lone_vote_domains(taxonomy: Taxonomy) -> frozenset[str] | None:
    """Domains the classifier may place alone: those learnt from a technology-defined category
    (None, any domain, for a taxonomy that maps no arXiv category: its labels came from elsewhere)."""
    categories = taxonomy.arxiv_gold_mapping.categories
    if not categories:
        return None
    return frozenset(
        d for cat, domains in categories.items() if cat.startswith(TECHNOLOGY_CATEGORIES)
        for d in domains
    )  # fmt: skip


def _titled(ev: TermEvidence | None, abbreviations: frozenset[str]) -> bool:
    """The title names the domain's technology by a full term, not only by an abbreviation.

    Such a paper is placed in the domain whatever the classifier says: the analysts' guideline
    counts a title that names the technology, and the arXiv categories the classifier learnt from
    do not carry application domains (a paper on synthetic ECG is filed cs.LG only). An
    abbreviation alone (ALE, MaaS, AI) is too ambiguous to decide. Measured in BENCHMARKS.md.
    """
    return ev is not None and any(t.casefold() not in abbreviations for t in ev.title)


def _paper_domains(
    codes: dict[str, CodeEvidence],
    terms: dict[str, TermEvidence],
    scores: np.ndarray,
    column: dict[str, int],
    taxonomy: Taxonomy,
    abbreviations: frozenset[str] = frozenset(),
    lone: frozenset[str] | None = None,
) -> dict[str, tuple[float, str]]:
    """Papers in the classifier's language: specific codes decide, else terms with its support,
    a title that names the technology, or a high score for a domain in `lone` (None: any)."""
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
        elif _titled(ev, abbreviations):
            reasons.append(_terms_reason("title", ev.title))
            conf = max(conf, entity_confidence(n_hits))
        elif conf < CLASSIFIER_ALONE or (lone is not None and d not in lone):
            continue
        found[d] = (min(conf, 1.0), "; ".join(reasons))
    return found


def _terms_reason(label: str, terms: dict[str, int]) -> str:
    top = sorted(terms.items(), key=lambda item: -item[1])[:3]  # stable: first seen first on ties
    return f"{label}:" + ",".join(f"{t}×{n}" for t, n in top)


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
        if ev.org_name:  # the subject's organisation, not the issuer: 国際原子力機関 in a notice
            add(d, POINTS["org"], _terms_reason("named organisation", ev.org_name))
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
    abbreviations = _abbreviations(taxonomy)
    lone = lone_vote_domains(taxonomy)
    validated_kinds = {k for k, _ in validated}
    ids, kinds = records["record_id"].tolist(), _col(records, "kind", "paper")
    titles, texts = records["title"].tolist(), _col(records, "text", "")
    sources = _col(records, "source", "")
    by_code = [
        code_evidence(parse_codes(codes), taxonomy, rules, policy=kind == "policy",
                      openalex="openalex" in str(src) or str(rid).startswith("openalex:"))
        for rid, kind, src, codes in zip(ids, kinds, sources, _col(records, "codes", None),
                                         strict=False)
    ]  # fmt: skip
    # the classifier reads only records of a kind and language it was validated on, and only
    # those that no specific code places already
    use_clf = [
        kind in validated_kinds
        and not _coded(by_code[i])
        and (kind, text_language(record_text(titles[i], texts[i]))) in validated
        for i, kind in enumerate(kinds)
    ]
    scores, column = {}, {}
    if any(use_clf):
        picked = [i for i, use in enumerate(use_clf) if use]
        raw = classifier.predict_scores([record_text(titles[i], texts[i]) for i in picked])
        scores = dict(zip(picked, raw, strict=False))
        column = {d: j for j, d in enumerate(classifier.domains) if d in classifier.models}
    urls, org_lists = _col(records, "url", None), _col(records, "organizations", None)
    sharing = _col(records, "sharing", "CLEAR")
    rows: list[tuple] = []
    for i, rid in enumerate(ids):
        record_terms = terms.get(rid, {})
        if use_clf[i] or (kinds[i] in validated_kinds and _coded(by_code[i])):
            found = _paper_domains(by_code[i], record_terms, scores.get(i), column, taxonomy,
                                   abbreviations, lone)  # fmt: skip
        else:
            orgs = []
            if kinds[i] == "policy" and not _routine(titles[i], routine):
                orgs = find_organisations(taxonomy, organizations=_names(org_lists[i]),
                                          url=urls[i], text=texts[i])  # fmt: skip
            found = evidence_domains(by_code[i], record_terms, orgs)
        if found:
            domains = sorted(found, key=lambda d: (-found[d][0], d))
            for d, share in zip(domains, _shares([found[d][0] for d in domains]), strict=False):
                rows.append((rid, d, found[d][0], share, found[d][1], sharing[i]))
    frame = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    frame["confidence"] = frame["confidence"].astype("float64").clip(0.0, 1.0)
    frame["share"] = frame["share"].astype("float64")
    return frame


def _coded(codes: dict[str, CodeEvidence]) -> bool:
    return any(ev.specific for ev in codes.values())


def _routine(title: object, phrases: tuple[str, ...]) -> bool:
    folded = str(title or "").casefold()
    return any(p in folded for p in phrases)


def _names(value: object) -> list[str]:
    """An `organizations` cell (list, array or JSON text) as a list of names."""
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
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
