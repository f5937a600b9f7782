"""arXiv API (Atom) search and id_list pages → paper records; paper identifier helpers."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import load_xml, to_date

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "a": ATOM,
    "arxiv": "http://arxiv.org/schemas/atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
}
#: New-style `2107.10460` or old-style `quant-ph/0201082` (subject class `math.GT/…` dropped).
_ARXIV_ID = re.compile(
    r"(?:^|[/:])(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z-]+)?/\d{7})(?:v\d+)?/?$"
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$")
_DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "doi:",
    "info:doi/",
)
#: arXiv category codes (`cs.LG`, `quant-ph`, `physics.optics`); other terms are ACM/MSC classes.
_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
_ID_RANK = {"doi": 0, "arxiv": 1, "openalex": 2}


def normalize_doi(value: str | None) -> str | None:
    """Bare lower-case DOI (`10.1103/physrevb.74.024520`) from any DOI spelling; None if not a DOI."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    lowered = text.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    text = text.lower()
    if not text.startswith("10.") or "/" not in text or any(c.isspace() for c in text):
        return None
    return text


def normalize_arxiv_id(value: str | None) -> str | None:
    """arXiv id without version from an id, abs/pdf URL, `arXiv:` or OAI identifier; None if none."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().removesuffix(".pdf")
    match = _ARXIV_ID.search(text)
    if not match:
        return None
    found = match.group("id")
    if "/" in found:
        archive, number = found.split("/", 1)
        found = f"{archive.split('.', 1)[0].lower()}/{number}"
    return found


def arxiv_id_of_doi(doi: str | None) -> str | None:
    """The arXiv id behind an arXiv-issued DataCite DOI (`10.48550/arxiv.2107.10460`), else None."""
    match = _ARXIV_DOI.match(doi or "")
    return normalize_arxiv_id(match.group("id")) if match else None


def paper_ids(
    dois: list[str | None] = (), arxiv_ids: list[str | None] = (), others: list[str] = ()
) -> tuple[str | None, list[str]]:
    """(record_id, ids) for a paper: doi > arxiv > others; arXiv's own DOIs yield the arXiv id."""
    ids: list[str] = []
    arxiv_found = [a for a in (normalize_arxiv_id(x) for x in arxiv_ids) if a]
    for raw in dois:
        doi = normalize_doi(raw)
        if not doi:
            continue
        ids.append(f"doi:{doi}")
        if via := arxiv_id_of_doi(doi):
            arxiv_found.append(via)
    ids += [f"arxiv:{a}" for a in arxiv_found]
    ids += [o for o in others if o]
    ids = list(dict.fromkeys(ids))
    # arXiv's DataCite DOI names the preprint: the arXiv id is the stabler record id for it.
    ranked = sorted(ids, key=lambda i: (_rank(i), i.startswith("doi:10.48550/arxiv.")))
    chosen = ranked[0] if ranked else None
    if chosen and chosen.startswith("doi:10.48550/arxiv."):
        chosen = next((i for i in ranked if i.startswith("arxiv:")), chosen)
    return chosen, ids


def _rank(identifier: str) -> int:
    return _ID_RANK.get(identifier.split(":", 1)[0], len(_ID_RANK))


def fold(text: str | None) -> str:
    """Fold white space (plain-text fields: no tag stripping, `a < b` survives); bounded input."""
    return " ".join((text or "")[:1_000_000].split())


def split_categories(terms: list[str]) -> tuple[list[str], list[str]]:
    """(arXiv category codes, other class codes such as ACM `I.2.6` or MSC `68T05`)."""
    arxiv: list[str] = []
    other: list[str] = []
    for term in terms:
        for part in re.split(r"[;,]\s*", term.strip()):
            part = part.strip()
            if not part:
                continue
            (arxiv if _CATEGORY.match(part) else other).append(part)
    return list(dict.fromkeys(arxiv)), list(dict.fromkeys(other))


def _int(node: etree._Element, path: str) -> int | None:
    text = node.findtext(path, namespaces=NS)
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _entry_fields(entry: etree._Element) -> dict[str, Any]:
    raw_id = entry.findtext("a:id", namespaces=NS) or ""
    arxiv_id = normalize_arxiv_id(raw_id)
    if not arxiv_id:
        raise ValueError(f"entry id {raw_id.strip()[:80]!r} is not an arXiv id")
    dois = (entry.findtext("arxiv:doi", namespaces=NS) or "").split()
    record_id, ids = paper_ids(dois, [arxiv_id])
    primary = entry.find("arxiv:primary_category", namespaces=NS)
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.iterfind("a:category", namespaces=NS)]
    categories, classes = split_categories(terms)
    url = next(
        (
            link.get("href")
            for link in entry.iterfind("a:link", namespaces=NS)
            if link.get("rel") == "alternate" and link.get("href")
        ),
        f"https://arxiv.org/abs/{arxiv_id}",
    )
    organizations = [
        fold(a.text)
        for a in entry.iterfind("a:author/arxiv:affiliation", namespaces=NS)
        if fold(a.text)
    ]
    version = _ARXIV_VERSION.search(raw_id.strip())
    extra = {
        "primary_category": categories[0] if categories else None,
        "updated_date": str(to_date(entry.findtext("a:updated", namespaces=NS)) or "") or None,
        "journal_ref": fold(entry.findtext("arxiv:journal_ref", namespaces=NS)) or None,
        "version": int(version.group(1)) if version else None,
    }
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": fold(entry.findtext("a:title", namespaces=NS)),
        "text": fold(entry.findtext("a:summary", namespaces=NS)),
        "language": "en",
        "published_date": to_date(entry.findtext("a:published", namespaces=NS)),
        "organizations": list(dict.fromkeys(organizations)),
        "codes": {"arxiv": categories, "topics": classes},
        "url": url,
        "extra": {k: v for k, v in extra.items() if v is not None},
    }


_ARXIV_VERSION = re.compile(r"v(\d+)/?$")


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one arXiv API Atom page; the next page is the next `start` index."""
    root = load_xml(body)
    if root.tag != f"{{{ATOM}}}feed":
        raise ParseError(f"not an Atom feed: root element is {etree.QName(root).localname!r}")
    entries = root.findall("a:entry", namespaces=NS)
    for entry in entries:
        entry_id = (entry.findtext("a:id", namespaces=NS) or "").strip()
        if "/api/errors" in entry_id:
            reason = fold(entry.findtext("a:summary", namespaces=NS)) or entry_id
            raise ParseError(f"arXiv API error: {reason}")
    result = ParseResult(total=_int(root, "os:totalResults"))
    for entry in entries:
        try:
            fields = _entry_fields(entry)
        except ValueError as exc:
            result.reject(
                ctx, str(exc), item=(entry.findtext("a:id", namespaces=NS) or "")[:200] or None
            )
            continue
        result.add(fields, ctx)
    start = _int(root, "os:startIndex") or 0
    per_page = _int(root, "os:itemsPerPage")
    if entries and per_page and result.total is not None and start + per_page < result.total:
        result.next_page = str(start + len(entries))
    result.announced_more = not entries and result.total is not None and start < result.total
    return result


parse_arxiv_feed = parse
