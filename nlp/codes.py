"""Classification codes (CPC/IPC with dates, arXiv categories, OpenAlex topics) → domains."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

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


def _date(value: object) -> dt.date | None:
    if value is None or value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _prefix_matches(code: str, prefix: str) -> bool:
    """`G06N3` matches G06N3/08 but not G06N30/00; a subclass prefix matches all its groups."""
    if not code.startswith(prefix):
        return False
    rest = code[len(prefix) :]
    return len(prefix) <= 4 or not rest or not rest[0].isdigit() or prefix.endswith("/")


@dataclass(frozen=True)
class CodeRule:
    """One domain signal from the taxonomy."""

    domain: str
    scheme: str
    prefix: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def code_rules(taxonomy: Taxonomy) -> list[CodeRule]:
    """Every code pattern of the taxonomy, dates parsed."""
    rules = []
    for d in taxonomy.domains:
        for p in d.codes:
            rules.append(
                CodeRule(d.slug, p.scheme, p.prefix, _date(p.valid_from), _date(p.valid_to))
            )
    return rules


def code_domains(
    codes: dict[str, list[str]],
    published: object,
    taxonomy: Taxonomy,
    rules: list[CodeRule] | None = None,
) -> dict[str, list[str]]:
    """Domain → the codes of a record that signal it (CPC/IPC patterns are date-aware)."""
    rules = code_rules(taxonomy) if rules is None else rules
    when = _date(published)
    hits: dict[str, list[str]] = {}
    for scheme in ("cpc", "ipc"):
        for raw in codes.get(scheme, []):
            code = raw.replace(" ", "").upper()
            for rule in rules:
                if rule.scheme not in (scheme, "both") or not _prefix_matches(code, rule.prefix):
                    continue
                if when and rule.valid_from and when < rule.valid_from:
                    continue
                if when and rule.valid_to and when > rule.valid_to:
                    continue
                hits.setdefault(rule.domain, []).append(raw)
    arxiv = {c.strip() for c in codes.get("arxiv", [])}
    topics = {t.strip().lower() for t in codes.get("topics", [])}
    for d in taxonomy.domains:
        for cat in d.arxiv:
            if cat in arxiv:
                hits.setdefault(d.slug, []).append(cat)
        signals = (*d.openalex.topics, *d.openalex.subfields, *d.openalex.fields)
        for sig in signals:
            if sig.lower() in topics:
                hits.setdefault(d.slug, []).append(sig)
    return {k: sorted(set(v), key=v.index) for k, v in hits.items()}
