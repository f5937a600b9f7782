"""J-STAGE WebAPI article search (service=3, Atom + PRISM) → paper records (no abstracts served)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import detect_language, load_xml
from crawlers.parsers.papers_arxiv import fold, paper_ids

ATOM = "http://www.w3.org/2005/Atom"
#: The status J-STAGE answers a search with no hits (jstager, CRAN: "検索結果は0件です").
NO_HITS = "ERR_001"
NS = {
    "a": ATOM,
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
}


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, namespaces=NS)
    return fold("".join(found.itertext())) if found is not None else ""


def _int(node: etree._Element, path: str) -> int | None:
    text = node.findtext(path, namespaces=NS)
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def entry_fields(entry: etree._Element) -> dict[str, Any]:
    """Record fields of one J-STAGE article entry."""
    title_ja = _text(entry, "a:article_title/a:ja")
    title_en = _text(entry, "a:article_title/a:en")
    title = _text(entry, "a:title") or title_ja or title_en
    link = (
        _text(entry, "a:article_link/a:en")
        or _text(entry, "a:article_link/a:ja")
        or fold(entry.findtext("a:id", namespaces=NS))
    )
    record_id, ids = paper_ids([entry.findtext("prism:doi", namespaces=NS)])
    if not record_id:
        if not link:
            raise ValueError("entry has neither a DOI nor an article link")
        record_id, ids = f"url:{link}", [f"url:{link}"]
    year = _int(entry, "a:pubyear")
    alternate = title_en if title != title_en else title_ja
    extra = {
        "title_alt": alternate or None,
        "container_title": _text(entry, "a:material_title/a:en")
        or _text(entry, "a:material_title/a:ja")
        or None,
        "issn": fold(entry.findtext("prism:issn", namespaces=NS)) or None,
        "journal_code": fold(entry.findtext("a:cdjournal", namespaces=NS)) or None,
        "date_precision": "year" if year else None,
    }
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": title,
        "language": detect_language(title),
        # J-STAGE gives the year only; Jan 1 stands for it (see extra.date_precision).
        "published_date": dt.date(year, 1, 1) if year and 1000 < year < 3000 else None,
        "url": link or None,
        "extra": {k: v for k, v in extra.items() if v},
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one J-STAGE search page; the next page is the next 1-based `start` index."""
    root = load_xml(body)
    if root.tag != f"{{{ATOM}}}feed":
        raise ParseError(
            f"not a J-STAGE Atom feed: root element is {etree.QName(root).localname!r}"
        )
    status = fold(root.findtext("a:result/a:status", namespaces=NS))
    if status == NO_HITS:
        return ParseResult(total=0)
    if status and status != "0":
        message = fold(root.findtext("a:result/a:message", namespaces=NS))
        raise ParseError(f"J-STAGE error status {status}: {message or 'no message'}")
    service = fold(root.findtext("a:servicecd", namespaces=NS))
    if service and service != "3":
        raise ParseError(f"J-STAGE service {service} response is not an article search (service 3)")
    result = ParseResult(total=_int(root, "os:totalResults"))
    entries = root.findall("a:entry", namespaces=NS)
    for entry in entries:
        try:
            fields = entry_fields(entry)
        except ValueError as exc:
            result.reject(ctx, str(exc))
            continue
        result.add(fields, ctx)
    start = _int(root, "os:startIndex") or 1
    if entries and result.total is not None and start + len(entries) <= result.total:
        result.next_page = str(start + len(entries))
    return result


parse_jstage_page = parse
