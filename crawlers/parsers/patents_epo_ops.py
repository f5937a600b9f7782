"""EPO OPS 3.2 `ops:world-patent-data` XML (biblio, full-cycle and search responses) → records."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_xml, to_date
from crawlers.parsers.patent_common import (
    earliest,
    normalise_symbol,
    party_weights,
    patent_id,
    split_country_suffix,
    symbol_from_parts,
    unique,
)

EX = "http://www.epo.org/exchange"
OPS = "http://ops.epo.org"
NS = {"ex": EX, "ops": OPS}
#: OPS serves at most the first 2,000 hits of a published-data search.
OPS_SEARCH_LIMIT = 2000
_PREFERRED_LANGS = ("en",)


def _text(node: etree._Element | None) -> str:
    return clean_text("".join(node.itertext())) if node is not None else ""


def _first(node: etree._Element, path: str) -> str:
    found = node.xpath(path, namespaces=NS)
    return _text(found[0]) if found else ""


def _by_language(nodes: list[etree._Element]) -> tuple[str, str]:
    """(text, lang) of the English node if any, else of the first non-empty node."""
    texts = [(_text(n), (n.get("lang") or "").lower()) for n in nodes]
    texts = [(t, lang) for t, lang in texts if t]
    for want in _PREFERRED_LANGS:
        for text, lang in texts:
            if lang == want:
                return text, lang
    return texts[0] if texts else ("", "")


def _cpc_codes(bib: etree._Element) -> list[str]:
    codes = []
    for pc in bib.xpath("ex:patent-classifications/ex:patent-classification", namespaces=NS):
        scheme = pc.find(f"{{{EX}}}classification-scheme")
        if scheme is not None and not (scheme.get("scheme") or "CPC").upper().startswith("CPC"):
            continue
        parts = [
            _first(pc, f"ex:{tag}")
            for tag in ("section", "class", "subclass", "main-group", "subgroup")
        ]
        codes.append(symbol_from_parts(*parts))
    return unique(codes)


def _ipc_codes(bib: etree._Element) -> list[str]:
    texts = bib.xpath("ex:classifications-ipcr/ex:classification-ipcr/ex:text", namespaces=NS)
    if not texts:
        texts = bib.xpath("ex:classification-ipc/ex:text", namespaces=NS)
    return unique(normalise_symbol(_text(t)) for t in texts)


def _parties(bib: etree._Element, role: str) -> list[tuple[str, str | None, str]]:
    """(name, country, data-format) of each applicant or inventor."""
    out = []
    for party in bib.xpath(f"ex:parties/ex:{role}s/ex:{role}", namespaces=NS):
        name, country = split_country_suffix(_first(party, f"ex:{role}-name/ex:name"))
        if name:
            out.append((name, country, party.get("data-format") or ""))
    return out


def _names(parties: list[tuple[str, str | None, str]]) -> list[str]:
    epodoc = [n for n, _, fmt in parties if fmt == "epodoc"]
    return unique(epodoc or [n for n, _, _ in parties])


def _doc_ids(ref: etree._Element | None, kind: str) -> list[etree._Element]:
    if ref is None:
        return []
    return ref.xpath(f"ex:document-id[@document-id-type='{kind}']", namespaces=NS)


def document_fields(doc: etree._Element) -> dict[str, Any]:
    """Record fields of one `exchange-document`; raises ParseError when it cannot be a record."""
    country, number, kind = doc.get("country"), doc.get("doc-number"), doc.get("kind")
    if not (country and number):
        raise ParseError("exchange-document without country and doc-number")
    if (doc.get("status") or "").lower() == "not found":
        raise ParseError(f"OPS reports {country}{number}{kind or ''} not found")
    record_id = patent_id(country, number, kind)
    bib = doc.find(f"{{{EX}}}bibliographic-data")
    if bib is None:
        raise ParseError(f"{record_id}: no bibliographic-data")
    pub = bib.find(f"{{{EX}}}publication-reference")
    app = bib.find(f"{{{EX}}}application-reference")
    pub_date = to_date(_first(pub, "ex:document-id/ex:date")) if pub is not None else None
    app_date = earliest(
        to_date(_first(d, "ex:date")) for d in _doc_ids(app, "epodoc") + _doc_ids(app, "docdb")
    )
    priority = bib.xpath(
        "ex:priority-claims/ex:priority-claim/ex:document-id/ex:date", namespaces=NS
    )
    priority_date = earliest(to_date(_text(d)) for d in priority)
    title, title_lang = _by_language(bib.xpath("ex:invention-title", namespaces=NS))
    abstract, abstract_lang = _by_language(doc.xpath("ex:abstract", namespaces=NS))
    applicants = _parties(bib, "applicant")
    inventors = _parties(bib, "inventor")
    family = doc.get("family-id")
    ids = [record_id]
    ids += [f"family:{family}"] if family else []
    ids += [f"epodoc:{_first(d, 'ex:doc-number')}" for d in _doc_ids(pub, "epodoc")]
    ids += [f"application:{_first(d, 'ex:doc-number')}" for d in _doc_ids(app, "epodoc")]
    pn = record_id.removeprefix("patent:")
    return {
        "record_id": record_id,
        "kind": "patent",
        "title": title,
        "text": abstract,
        "language": title_lang or abstract_lang or "und",
        "published_date": priority_date or app_date or pub_date,
        "countries": party_weights(
            [c for _, c, fmt in inventors if fmt == "epodoc"],
            [c for _, c, fmt in applicants if fmt == "epodoc"],
        ),
        "organizations": _names(applicants),
        "codes": {"cpc": _cpc_codes(bib), "ipc": _ipc_codes(bib)},
        "url": f"https://worldwide.espacenet.com/patent/search?q=pn%3D{quote(pn)}",
        "ids": unique(ids),
        "extra": {
            "publication_date": pub_date.isoformat() if pub_date else None,
            "application_date": app_date.isoformat() if app_date else None,
            "priority_date": priority_date.isoformat() if priority_date else None,
            "family_id": family,
            "inventors": _names(inventors),
            "applicant_countries": unique(c for _, c, _ in applicants),
        },
    }


def _next_range(search: etree._Element, total: int | None) -> str | None:
    rng = search.find(f"{{{OPS}}}range")
    if rng is None or total is None:
        return None
    try:
        begin, end = int(rng.get("begin", "")), int(rng.get("end", ""))
    except ValueError:
        return None
    if end >= min(total, OPS_SEARCH_LIMIT):
        return None
    size = max(end - begin + 1, 1)
    return f"{end + 1}-{min(end + size, total, OPS_SEARCH_LIMIT)}"


def _biblio_url(ref: etree._Element, base: str) -> str | None:
    docdb = _doc_ids(ref, "docdb")
    if not docdb:
        return None
    cc, num, kind = (_first(docdb[0], f"ex:{t}") for t in ("country", "doc-number", "kind"))
    return (
        f"{base}published-data/publication/docdb/{cc}.{num}.{kind}/biblio" if cc and num else None
    )


def _check_root(root: etree._Element) -> None:
    if etree.QName(root).localname == "fault":
        code = _first(root, "*[local-name()='code']")
        message = _first(root, "*[local-name()='message']")
        raise ParseError(f"OPS error body: {code} {message}".strip()[:300])
    if root.tag != f"{{{OPS}}}world-patent-data":
        raise ParseError(
            f"not an OPS world-patent-data document: root <{etree.QName(root).localname}>"
        )


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse an OPS biblio / full-cycle / search response into patent records."""
    root = load_xml(body)
    _check_root(root)
    result = ParseResult()
    search = root.find(f"{{{OPS}}}biblio-search")
    docs = root.xpath(".//ex:exchange-document", namespaces=NS)
    if search is not None:
        count = search.get("total-result-count")
        result.total = int(count) if count and count.isdigit() else None
        result.next_page = _next_range(search, result.total)
        if not docs:
            url = ctx.url or ""
            base = url[: url.index("/rest-services/") + 15] if "/rest-services/" in url else ""
            refs = search.xpath("ops:search-result/ops:publication-reference", namespaces=NS)
            result.follow = unique(_biblio_url(r, base) for r in refs)
    elif not docs:
        kinds = sorted({etree.QName(c).localname for c in root if isinstance(c.tag, str)})
        raise ParseError(
            f"OPS response holds no bibliographic data ({', '.join(kinds) or 'empty'})"
        )
    for doc in docs:
        try:
            fields = document_fields(doc)
        except ParseError as exc:
            result.reject(ctx, str(exc), item=doc.get("doc-number"))
            continue
        if not fields["title"]:
            result.reject(ctx, "no invention title in the OPS response", item=fields["record_id"])
            continue
        result.add(fields, ctx)
    return result


parse_epo_biblio = parse
