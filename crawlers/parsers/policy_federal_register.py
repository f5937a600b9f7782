"""Federal Register API `documents.json` pages → US policy records."""

from __future__ import annotations

from typing import Any

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_json, to_date
from crawlers.parsers.patent_common import unique
from crawlers.parsers.policy_feed import html_to_text


def _agencies(doc: dict[str, Any]) -> list[str]:
    names = [
        a.get("name") or a.get("raw_name")
        for a in _list(doc.get("agencies"))
        if isinstance(a, dict)
    ]
    return unique(clean_text(n) for n in names + _list(doc.get("agency_names")) if n)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def document_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one Federal Register document."""
    number = str(doc.get("document_number") or "").strip()
    if not number:
        raise ParseError("document without document_number")
    doc_type = clean_text(doc.get("type"))
    topics = [clean_text(t) for t in _list(doc.get("topics"))]
    excerpts = doc.get("excerpts")
    text = clean_text(doc.get("abstract")) or html_to_text(
        excerpts if isinstance(excerpts, str) else None
    )
    return {
        "record_id": f"fr:{number}",
        "kind": "policy",
        "title": clean_text(doc.get("title")),
        "text": text,
        "language": "en",
        "published_date": to_date(doc.get("publication_date")),
        "countries": [{"country": "US", "weight": 1.0}],
        "organizations": _agencies(doc),
        "codes": {"topics": unique([*topics, doc_type])},
        "url": doc.get("html_url") if isinstance(doc.get("html_url"), str) else None,
        # the citation ("89 FR 1234") names the page a document starts on, which several short
        # notices share: it is kept, but never as an id (ids merge records)
        "ids": [f"fr:{number}"],
        "extra": {
            "document_type": doc_type or None,
            "action": clean_text(doc.get("action")) or None,
            "significant": doc.get("significant"),
            "regulation_id_numbers": _list(doc.get("regulation_id_numbers")),
            "signing_date": doc.get("signing_date"),
            "citation": doc.get("citation") if isinstance(doc.get("citation"), str) else None,
        },
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one documents.json page; next_page is the API's `next_page_url`."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError("Federal Register body is not a JSON object")
    if data.get("errors") or data.get("status") in (400, 404, 422, 500):
        raise ParseError(f"Federal Register error body: {str(data.get('errors') or data)[:200]}")
    if "results" not in data and "document_number" in data:
        data = {"results": [data], "count": 1}
    if not isinstance(data.get("results", []), list):
        raise ParseError("Federal Register `results` is not a list")
    result = ParseResult(
        next_page=data.get("next_page_url") or None,
        total=data["count"] if isinstance(data.get("count"), int) else None,
    )
    result.add_documents(data.get("results"), ctx, document_fields, "result is not an object")
    return result


parse_federal_register_page = parse
