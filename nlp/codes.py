"""Classification codes (CPC/IPC with dates, arXiv categories, OpenAlex topics) → domains."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from horizon.config.taxonomy import Taxonomy


def parse_codes(value: object) -> dict[str, list[str]]:
    """The records.codes cell (dict or JSON text) as {cpc, ipc, arxiv, topics} lists; junk → empty."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            value = {}
    if not isinstance(value, dict):
        return {"cpc": [], "ipc": [], "arxiv": [], "topics": []}
    out = {}
    for key in ("cpc", "ipc", "arxiv", "topics"):
        items = value.get(key) or []
        out[key] = [str(i) for i in items if i] if isinstance(items, list | tuple) else []
    return out


def _prefix_matches(code: str, prefix: str) -> bool:
    """`G06N3` matches G06N3/08 but not G06N30/00; `G06N3/08` matches its children G06N3/084.

    A subclass prefix matches all its groups; a main-group prefix stops at the group number; a
    subgroup prefix matches the subgroups written with more digits (CPC children: 3/08 → 3/084).
    """
    if not code.startswith(prefix):
        return False
    rest = code[len(prefix) :]
    return len(prefix) <= 4 or not rest or not rest[0].isdigit() or "/" in prefix


@dataclass(frozen=True)
class CodeRule:
    """One domain signal from the taxonomy."""

    domain: str
    scheme: str
    prefix: str
    strength: str = "specific"


def code_rules(taxonomy: Taxonomy) -> list[CodeRule]:
    """Every code pattern of the taxonomy."""
    return [
        CodeRule(d.slug, p.scheme, p.prefix, p.strength) for d in taxonomy.domains for p in d.codes
    ]


_CACHE: dict[tuple[str, int], tuple[object, object]] = {}


def _built_for(obj: object, build: Callable[[object], object]) -> object:
    """`build(obj)`, computed once per object (kept while the object lives, at most 16 of them)."""
    key = (build.__name__, id(obj))
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not obj:
        if len(_CACHE) > 16:
            _CACHE.clear()
        cached = _CACHE[key] = (obj, build(obj))
    return cached[1]


def _build_named(taxonomy: Taxonomy) -> dict[str, dict[str, tuple[tuple[str, str], ...]]]:
    named: dict[str, dict[str, list]] = {"arxiv": {}, "openalex": {}, "policy": {}}
    for d in taxonomy.domains:
        for cat in d.arxiv:
            named["arxiv"].setdefault(cat, []).append((d.slug, cat))
        for sig in (*d.openalex.topics, *d.openalex.subfields):
            named["openalex"].setdefault(sig.lower(), []).append((d.slug, sig))
        for topic in d.policy_topics:
            named["policy"].setdefault(topic.lower(), []).append((d.slug, topic))
    return {k: {s: tuple(v) for s, v in m.items()} for k, m in named.items()}


def _named_signals(taxonomy: Taxonomy) -> dict[str, dict[str, tuple[tuple[str, str], ...]]]:
    """Per scheme (arxiv, openalex, policy): the signal as a record writes it (topics lowercased)
    → (domain, signal as the taxonomy writes it) pairs, taxonomy order."""
    return _built_for(taxonomy, _build_named)


def _build_heads(rules: list[CodeRule]) -> dict[str, tuple[CodeRule, ...]]:
    heads: dict[str, list[CodeRule]] = {}
    for rule in rules:
        heads.setdefault(rule.prefix[:4], []).append(rule)
    return {k: tuple(v) for k, v in heads.items()}


def _by_head(rules: list[CodeRule]) -> dict[str, tuple[CodeRule, ...]]:
    """Rules by their first four characters (a subclass; three for a class prefix): a code is
    compared only with the rules of its own subclass."""
    return _built_for(rules, _build_heads)


@dataclass
class CodeEvidence:
    """What a record's codes say of one domain."""

    specific: list[str] = field(default_factory=list)
    field: list[str] = field(default_factory=list)
    #: The office's main classification (the first code listed) signals the domain.
    main: bool = False


def code_evidence(
    codes: dict[str, list[str]],
    taxonomy: Taxonomy,
    rules: list[CodeRule] | None = None,
    *,
    openalex: bool = False,
    policy: bool = False,
) -> dict[str, CodeEvidence]:
    """Domain → the codes of a record that signal it, by strength.

    A code counts for the domains of the deepest specific patterns it falls under, else for the
    WIPO fields it falls in. A code in a record is evidence whatever the record's date: offices reclassify their back files
    into new codes (H10 on documents of 2015), and old codes stay on the documents they were given
    to. OpenAlex topics and subfields count only on OpenAlex records, policy topics only on policy
    records (a Federal Register "Safety" topic is not an OpenAlex subfield); OpenAlex fields
    ("Medicine") are too broad to place a paper and are not compared.
    """
    rules = code_rules(taxonomy) if rules is None else rules
    by_head = _by_head(rules)
    out: dict[str, CodeEvidence] = {}
    main = next(iter(codes.get("cpc") or codes.get("ipc") or []), None)
    # CPC refines IPC and is what the office classified the document by: where a record has it,
    # its IPC symbols (coarser, often an older edition: G06F15/00 beside G06F16/24578) add nothing
    for scheme in ("cpc",) if codes.get("cpc") else ("ipc",):
        for raw in codes.get(scheme, []):
            code = raw.replace(" ", "").upper()
            candidates = by_head.get(code[:4], ()) + by_head.get(code[:3], ())
            matched = [
                r for r in candidates
                if r.scheme in (scheme, "both") and _prefix_matches(code, r.prefix)
            ]  # fmt: skip
            specific = [r for r in matched if r.strength == "specific"]
            if specific:  # the deepest group names the subject: G06F15/16 (networked computers)
                deepest = max(len(r.prefix) for r in specific)
                matched = [r for r in specific if len(r.prefix) == deepest]
            for rule in matched:
                ev = out.setdefault(rule.domain, CodeEvidence())
                (ev.specific if rule.strength == "specific" else ev.field).append(raw)
                ev.main = ev.main or raw == main
    named = _named_signals(taxonomy)
    found = [named["arxiv"].get(c.strip(), ()) for c in codes.get("arxiv", [])]
    topics = [t.strip().lower() for t in codes.get("topics", [])]
    if openalex:
        found += [named["openalex"].get(t, ()) for t in topics]
    if policy:
        found += [named["policy"].get(t, ()) for t in topics]
    for pairs in found:
        for domain, signal in pairs:
            out.setdefault(domain, CodeEvidence()).specific.append(signal)
    for ev in out.values():
        ev.specific = list(dict.fromkeys(ev.specific))
        ev.field = [c for c in dict.fromkeys(ev.field) if c not in ev.specific]
    return out


def code_domains(
    codes: dict[str, list[str]],
    taxonomy: Taxonomy,
    rules: list[CodeRule] | None = None,
    *,
    openalex: bool = False,
) -> dict[str, list[str]]:
    """Domain → the codes of a record that name its technology (specific signals only)."""
    found = code_evidence(codes, taxonomy, rules, openalex=openalex)
    return {d: ev.specific for d, ev in found.items() if ev.specific}
