"""USPTO Patent Public Search (ppubs) JSON: search pages and full documents → records."""

from __future__ import annotations

import re
from typing import Any

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_json, to_date
from crawlers.parsers.patent_common import (
    country_code,
    earliest,
    normalise_symbol,
    party_weights,
    patent_id,
    unique,
)

_GUID = re.compile(r"^([A-Z]{2})-([A-Z]{0,2}\d+)-([A-Z]\d?)$")


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _codes(doc: dict[str, Any], flattened: tuple[str, ...], listed: tuple[str, ...]) -> list[str]:
    """Symbols from `;`-joined fields, then from lists of `SYMBOL VERSION` strings."""
    raw: list[str] = []
    for key in flattened:
        raw += str(doc.get(key) or "").split(";")
    for key in listed:
        raw += [str(v).split()[0] for v in _list(doc.get(key)) if str(v).strip()]
    return unique(normalise_symbol(v) for v in raw)


def _countries(doc: dict[str, Any], prefix: str) -> list[str | None]:
    """Per party: its country, or US when only a US state is given (`N/A` elsewhere)."""
    countries = _list(doc.get(f"{prefix}Country"))
    states = _list(doc.get(f"{prefix}State"))
    out = []
    for i, value in enumerate(countries):
        state = str(states[i]) if i < len(states) else ""
        out.append(country_code(str(value)) or ("US" if country_code(state) else None))
    return out


def document_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one ppubs search hit or full document."""
    guid = str(doc.get("guid") or "")
    match = _GUID.match(guid)
    if not match:
        raise ParseError(f"unrecognised ppubs guid {guid[:80]!r}")
    record_id = patent_id(*match.groups())
    filing = [to_date(v) for v in _list(doc.get("applicationFilingDate"))]
    priority = [to_date(v) for v in _list(doc.get("priorityClaimsDate"))]
    published = to_date(doc.get("datePublished"))
    inventors = _countries(doc, "inventor")
    assignees = _countries(doc, "assignee")
    applicants = [country_code(str(c)) for c in _list(doc.get("applicantCountry"))]
    family = doc.get("familyIdentifierCur")
    app_number = re.sub(r"\D", "", str(doc.get("applicationNumber") or ""))
    number = record_id.removeprefix("patent:")
    return {
        "record_id": record_id,
        "kind": "patent",
        "title": clean_text(doc.get("inventionTitle")),
        "text": clean_text(doc.get("abstractHtml")),
        "language": str(doc.get("languageIndicator") or "en").lower()[:2],
        "published_date": earliest(priority + filing) or published,
        "countries": party_weights(inventors, [c for c in assignees if c] or applicants),
        "organizations": unique(clean_text(str(n)) for n in _list(doc.get("assigneeName"))),
        "codes": {
            "cpc": _codes(
                doc,
                ("cpcInventiveFlattened", "cpcAdditionalFlattened"),
                ("cpcInventive", "cpcAdditional"),
            ),
            "ipc": _codes(doc, ("ipcCodeFlattened",), ("ipcCode",)),
        },
        "url": f"https://ppubs.uspto.gov/pubwebapp/external.html?q={number}.pn.",
        "ids": unique(
            [
                record_id,
                app_number and f"application:US{app_number}",
                family and f"uspto-family:{family}",
            ]
        ),
        "extra": {
            "publication_date": published.isoformat() if published else None,
            "filing_date": earliest(filing) and earliest(filing).isoformat(),
            "inventor_countries": unique(inventors),
            "assignee_countries": unique(assignees),
            "database": doc.get("type"),
        },
    }


def _documents(data: Any) -> tuple[list[Any], dict[str, Any]]:
    if isinstance(data, list):
        return data, {}
    if not isinstance(data, dict):
        raise ParseError("ppubs body is neither a search page nor a list of documents")
    if data.get("error"):
        raise ParseError(f"ppubs error body: {str(data['error'])[:200]}")
    if "patents" in data:
        return _list(data["patents"]), data
    if "guid" in data:
        return [data], {}
    if "docs" in data:
        return _list(data["docs"]), data
    raise ParseError(f"ppubs body without patents (keys: {', '.join(sorted(data)[:8])})")


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse a ppubs search page (`patents[]`) or full-document list into patent records."""
    docs, page = _documents(load_json(body))
    result = ParseResult()
    total = page.get("totalResults", page.get("numFound"))
    result.total = total if isinstance(total, int) else None
    per_page, number = page.get("perPage"), page.get("page")
    if isinstance(per_page, int) and isinstance(number, int) and result.total is not None:
        start = (number + 1) * per_page
        result.next_page = str(start) if docs and start < result.total else None
    result.add_documents(docs, ctx, document_fields, "ppubs document is not an object")
    return result


parse_ppubs_page = parse
