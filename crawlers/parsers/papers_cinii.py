"""CiNii OpenSearch JSON-LD pages → paper records: CiNii Research (`cir.nii.ac.jp/opensearch/…`,
items at the top level) and the legacy CiNii Articles / Dissertations API (`@graph[0].items`).

Articles and doctoral dissertations become papers; books, data sets and projects are refused with
the reason. CiNii names no affiliations: an article gets no country. A dissertation's publisher
is the Japanese university that granted the degree, so it is credited to JP and named as its
organisation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, detect_language, load_json
from crawlers.parsers.papers_arxiv import fold, paper_ids

#: `dc:type` values of CiNii Research items that are not papers.
NOT_PAPERS = {"book": "a book", "dataset": "a data set", "data": "a data set",
              "project": "a research project", "researcher": "a researcher"}  # fmt: skip
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_LANG_VIEW = re.compile(r"/(?:en|ja)$")


def _str(value: Any) -> str:
    """A JSON-LD literal as text: a string, `{"@value": …}`, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return fold(str(value))


def _strs(value: Any) -> list[str]:
    """Every literal of a JSON-LD value (string, `{"@value"}` or a list of either)."""
    values = value if isinstance(value, list) else [value]
    return [s for s in (_str(v) for v in values) if s]


def _int(value: Any) -> int | None:
    text = _str(value)
    return int(text) if text.isdigit() else None


def _link(item: dict[str, Any]) -> str:
    """The item's canonical page: `link` (or `@id`), without a language view or fragment."""
    link = item.get("link")
    raw = (_str(link.get("@id")) if isinstance(link, dict) else _str(link)) or _str(item.get("@id"))
    return _LANG_VIEW.sub("", raw.split("#", 1)[0])


def _date(item: dict[str, Any]) -> tuple[dt.date | None, str | None]:
    """Publication date and its precision (`day`, `month`, `year`); `19--` is no date."""
    text = _str(item.get("prism:publicationDate")) or _str(item.get("dc:date"))
    found = _DATE.match(text)
    if not found:
        return None, None
    year, month, day = (int(p) if p else None for p in found.groups())
    try:
        date = dt.date(year, month or 1, day or 1)
    except ValueError:
        return None, None
    return date, "day" if day else "month" if month else "year"


def _identifiers(item: dict[str, Any]) -> dict[str, list[str]]:
    """`dc:identifier` values by type (`cir:DOI` → `doi`), plus `prism:doi`."""
    out: dict[str, list[str]] = {}
    for ident in item.get("dc:identifier") or []:
        if isinstance(ident, dict) and _str(ident):
            kind = str(ident.get("@type") or "").split(":")[-1].lower()
            out.setdefault(kind, []).append(_str(ident))
    out.setdefault("doi", []).extend(_strs(item.get("prism:doi")))
    return out


def _refusal(item: dict[str, Any], link: str) -> str | None:
    """Why an item is not a paper, or None."""
    kind = _str(item.get("dc:type")).lower()
    if kind in NOT_PAPERS:
        return f"{NOT_PAPERS[kind]} (dc:type {kind!r}), not a paper"
    if "/ncid/" in link or item.get("cinii:ownerCount") is not None:
        return "a CiNii Books record (/ncid/), a book or journal title, not a paper"
    return None


def item_fields(item: dict[str, Any], dissertations: bool) -> dict[str, Any]:
    """Record fields of one CiNii item; ValueError says why it is refused."""
    link = _link(item)
    refusal = _refusal(item, link)
    if refusal:
        raise ValueError(refusal)
    title = _str(item.get("title")) or _str(item.get("dc:title"))
    if not title:
        raise ValueError("item has no title")
    idents = _identifiers(item)
    others = [f"url:{link}"] if link else []
    record_id, ids = paper_ids(idents.get("doi", []), others=others)
    if not record_id:
        raise ValueError("item has neither a DOI nor a CiNii link")
    thesis = (
        dissertations
        or bool(item.get("ndl:degreeName"))
        or (_str(item.get("dc:type")).lower() in ("dissertation", "thesis"))
    )
    publisher = _str(item.get("dc:publisher"))
    date, precision = _date(item)
    extra = {
        "type": "dissertation" if thesis else "article",
        "container_title": _str(item.get("prism:publicationName")) or None,
        "issn": _str(item.get("prism:issn")) or None,
        "publisher": publisher or None,
        "authors": _strs(item.get("dc:creator"))[:50] or None,
        "naid": (idents.get("naid") or [None])[0],
        "degree_name": _str(item.get("ndl:degreeName")) or None,
        "dissertation_number": _str(item.get("ndl:dissertationNumber")) or None,
        "date_precision": precision if precision != "day" else None,
    }
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": title,
        "text": clean_text(_str(item.get("description"))),
        "language": detect_language(title),
        # a month or year alone stands as its first day (see extra.date_precision)
        "published_date": date,
        # a Japanese doctorate: the granting university is the author's affiliation
        "countries": [{"country": "JP", "weight": 1.0}] if thesis else [],
        "organizations": [publisher] if thesis and publisher else [],
        "url": link or None,
        "extra": {k: v for k, v in extra.items() if v},
    }


def _channel(data: Any) -> dict[str, Any]:
    """The search answer's channel: `@graph[0]` (legacy CiNii) or the top level (CiNii Research)."""
    if not isinstance(data, dict):
        raise ParseError(f"not a CiNii OpenSearch answer: top level is {type(data).__name__}")
    graph = data.get("@graph")
    if isinstance(graph, list) and graph and isinstance(graph[0], dict):
        return graph[0]
    if "items" in data or "opensearch:totalResults" in data:
        return data
    if "error" in data or "message" in data:
        raise ParseError(f"CiNii error: {_str(data.get('error')) or _str(data.get('message'))}")
    raise ParseError("not a CiNii OpenSearch answer: no @graph, items or opensearch:totalResults")


def _is_dissertations(channel: dict[str, Any]) -> bool:
    """Whether the answer is a dissertation search (CiNii Research or legacy CiNii Dissertations)."""
    link = channel.get("link")
    url = _str(channel.get("@id")) or (_str(link.get("@id")) if isinstance(link, dict) else "")
    path = urlsplit(url).path
    return path.endswith("/dissertations") or path.startswith("/d/")


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one CiNii OpenSearch JSON page; the next page is the next 1-based `start` index."""
    channel = _channel(load_json(body))
    items = channel.get("items", [])
    if not isinstance(items, list):
        raise ParseError(f"CiNii items is a {type(items).__name__}, not a list")
    result = ParseResult(total=_int(channel.get("opensearch:totalResults")))
    dissertations = _is_dissertations(channel)
    result.add_documents(items, ctx, lambda item: item_fields(item, dissertations),
                         "item is a {type}, not an object", errors=(ValueError,),
                         item_key="@id")  # fmt: skip
    # the legacy Books and Dissertations APIs answer start=1 with startIndex 0
    start = max(_int(channel.get("opensearch:startIndex")) or 1, 1)
    if items and result.total is not None and start + len(items) <= result.total:
        result.next_page = str(start + len(items))
    return result


parse_cinii_page = parse
