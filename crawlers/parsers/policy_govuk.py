"""GOV.UK content API items and search API pages → UK policy records."""

from __future__ import annotations

from typing import Any

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_json, to_date
from crawlers.parsers.patent_common import unique
from crawlers.parsers.policy_feed import html_to_text

BASE = "https://www.gov.uk"
#: Navigation pages, not announcements: refused with a reason.
NOT_DOCUMENTS = {"finder", "search", "special_route", "redirect", "gone", "vanish"}


def _body_html(details: dict[str, Any]) -> str:
    body = details.get("body")
    if isinstance(body, list):
        html = [
            b.get("content")
            for b in body
            if isinstance(b, dict) and b.get("content_type") == "text/html"
        ]
        return str(html[0]) if html else ""
    return body if isinstance(body, str) else ""


def _url(path: str) -> str | None:
    path = path.strip()
    if path.startswith(("https://", "http://")):
        return path.rstrip("/") or None
    return f"{BASE}{path.rstrip('/')}" if path.startswith("/") else None


def content_item_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one content store item; raises ParseError for non-documents."""
    doc_type = str(item.get("document_type") or item.get("schema_name") or "")
    if "base_path" not in item and "links" in item:
        raise ParseError("links-only content item (publishing API links), not a document")
    if doc_type in NOT_DOCUMENTS:
        raise ParseError(f"GOV.UK {doc_type} page is navigation, not a document")
    url = _url(str(item.get("base_path") or ""))
    if not url:
        raise ParseError("content item without base_path")
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    orgs = [o.get("title") for o in links.get("organisations") or [] if isinstance(o, dict)]
    published = (
        to_date(item.get("first_published_at"))
        or to_date(details.get("first_public_at"))
        or to_date(item.get("public_updated_at"))
    )
    description = clean_text(item.get("description"))
    body = html_to_text(_body_html(details))
    withdrawn = item.get("withdrawn_notice") or {}
    return {
        "record_id": f"url:{url}",
        "kind": "policy",
        "title": clean_text(item.get("title")),
        "text": " ".join(t for t in (description, body) if t),
        "language": str(item.get("locale") or "en").lower(),
        "published_date": published,
        "countries": [{"country": "GB", "weight": 1.0}],
        "organizations": unique(clean_text(o) for o in orgs if o),
        "codes": {
            "topics": unique(
                [
                    doc_type,
                    *(
                        clean_text(t.get("title"))
                        for t in links.get("topics") or []
                        if isinstance(t, dict)
                    ),
                ]
            )
        },
        "url": url,
        "ids": unique([f"url:{url}", item.get("content_id") and f"govuk:{item['content_id']}"]),
        "extra": {
            "document_type": doc_type or None,
            "public_updated_at": item.get("public_updated_at"),
            "withdrawn": bool(withdrawn),
            "world_locations": unique(
                clean_text(w.get("title"))
                for w in links.get("world_locations") or []
                if isinstance(w, dict)
            ),
        },
    }


def search_result_fields(hit: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one search API result."""
    url = _url(str(hit.get("link") or ""))
    if not url:
        raise ParseError("search result without a link")
    doc_type = str(hit.get("content_store_document_type") or hit.get("format") or "")
    orgs = [o.get("title") if isinstance(o, dict) else o for o in hit.get("organisations") or []]
    return {
        "record_id": f"url:{url}",
        "kind": "policy",
        "title": clean_text(hit.get("title")),
        "text": clean_text(hit.get("description")),
        "language": "en",
        "published_date": to_date(hit.get("public_timestamp")),
        "countries": [{"country": "GB", "weight": 1.0}],
        "organizations": unique(clean_text(str(o)) for o in orgs if o),
        "codes": {"topics": unique([doc_type, clean_text(hit.get("display_type"))])},
        "url": url,
        "ids": unique([f"url:{url}", hit.get("content_id") and f"govuk:{hit['content_id']}"]),
        "extra": {"document_type": doc_type or None},
    }


def _add(result: ParseResult, ctx: ParseContext, build: Any, item: Any) -> None:
    if not isinstance(item, dict):
        result.reject(ctx, "item is not an object")
        return
    try:
        fields = build(item)
    except ParseError as exc:
        result.reject(
            ctx, str(exc), item=str(item.get("base_path") or item.get("link") or "")[:200] or None
        )
        return
    result.add(fields, ctx)


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse a content API item or a search API page (`results`, `total`, `start`)."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError("GOV.UK body is not a JSON object")
    if "error" in data and "base_path" not in data:
        raise ParseError(f"GOV.UK error body: {str(data['error'])[:200]}")
    result = ParseResult()
    if isinstance(data.get("results"), list):
        total, start = data.get("total"), data.get("start", 0)
        result.total = total if isinstance(total, int) else None
        end = (start if isinstance(start, int) else 0) + len(data["results"])
        result.next_page = (
            str(end) if data["results"] and result.total and end < result.total else None
        )
        for hit in data["results"]:
            _add(result, ctx, search_result_fields, hit)
    else:
        _add(result, ctx, content_item_fields, data)
    return result


parse_govuk_page = parse
