"""Crossref REST `/works` pages (or one work) → paper records; countries only from clear affiliations."""

from __future__ import annotations

from functools import cache
from typing import Any

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_json, to_date, xml_parser
from crawlers.parsers.papers_arxiv import fold, paper_ids
from horizon.schemas import fractional_weights

#: Namespaces JATS abstracts use without declaring them.
_JATS_WRAP = (
    '<abstract xmlns:jats="http://www.ncbi.nlm.nih.gov/JATS1" '
    'xmlns:mml="http://www.w3.org/1998/Math/MathML" xmlns:xlink="http://www.w3.org/1999/xlink">'
)
#: Country spellings in affiliations that are not the English short name.
_COUNTRY_ALIASES = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.A": "US",
    "U.S.": "US",
    "United States of America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Great Britain": "GB",
    "PR China": "CN",
    "P.R. China": "CN",
    "P. R. China": "CN",
    "People's Republic of China": "CN",
    "The People's Republic of China": "CN",
    "Republic of Korea": "KR",
    "South Korea": "KR",
    "Korea, Republic of": "KR",
    "Russia": "RU",
    "Russian Federation": "RU",
    "Czech Republic": "CZ",
    "The Netherlands": "NL",
    "Viet Nam": "VN",
    "Iran": "IR",
    "Taiwan": "TW",
    "Türkiye": "TR",
    "Turkey": "TR",
    "Hong Kong": "HK",
    "Macau": "MO",
    "Macao": "MO",
}
#: Names that are also US states or common place names: never read as countries.
_AMBIGUOUS = {"georgia", "jersey"}
_WORK_TYPES = ("work", "work-list")


@cache
def country_names() -> dict[str, str]:
    """Lower-cased English country names and aliases → ISO 3166 alpha-2."""
    from babel import Locale

    names = {
        name.lower(): code
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "QO", "ZZ")
    }
    names.update({alias.lower(): code for alias, code in _COUNTRY_ALIASES.items()})
    for name in _AMBIGUOUS:
        names.pop(name, None)
    return names


def affiliation_country(name: str) -> str | None:
    """Country of an affiliation: its last comma/semicolon part when that is a country name, else
    the country name that ends it (`…Pullman WA USA`, `; Monheim Germany`), the longest first; a
    one-word name after "New" (New Mexico, New Guinea) is no country."""
    text = fold(clean_text(name)).replace("\u2019", "'")
    last = text.replace(";", ",").rsplit(",", 1)[-1].strip().lower().rstrip(". ")
    names = country_names()
    if last in names:
        return names[last]
    words = last.split()
    for n in (4, 3, 2, 1):
        if len(words) > n and " ".join(words[-n:]) in names:
            if n == 1 and words[-2] == "new":
                return None
            return names[" ".join(words[-n:])]
    return None


def strip_jats(abstract: str | None) -> str:
    """Plain text of a JATS abstract (its leading `Abstract` heading dropped)."""
    if not abstract:
        return ""
    try:
        root = etree.fromstring(
            f"{_JATS_WRAP}{abstract}</abstract>".encode(), parser=xml_parser(recover=True)
        )
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        return fold(clean_text(abstract))
    for title in root.iter("{*}title"):
        if fold("".join(title.itertext())).lower() in ("abstract", "summary"):
            parent = title.getparent()
            if parent is not None:
                parent.remove(title)
    return fold(" ".join(root.itertext()))


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return value if isinstance(value, str) else ""


def _date(item: dict[str, Any]) -> Any:
    found = []
    for key in ("published", "published-print", "published-online", "issued"):
        block = item.get(key)
        parts = block.get("date-parts") if isinstance(block, dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            try:
                if (date := to_date(parts[0])) is not None:
                    found.append(date)
            except (TypeError, ValueError):
                continue
    return min(found) if found else None


def _countries(authors: list[dict[str, Any]]) -> list[Any]:
    """Fractional countries when every affiliation of the work names a country; else none."""
    per_author = []
    for author in authors:
        names = [a.get("name") for a in author.get("affiliation") or [] if isinstance(a, dict)]
        names = [n for n in names if isinstance(n, str) and n.strip()]
        codes = [affiliation_country(n) for n in names]
        if any(c is None for c in codes):
            return []
        per_author.append([c for c in codes if c])
    return fractional_weights(per_author)


def _language(item: dict[str, Any], title: str) -> str:
    language = item.get("language")
    if isinstance(language, str) and language:
        return language.split("-")[0].lower()
    if any("\u3040" <= ch <= "\u30ff" for ch in title):
        return "ja"
    if any("\uac00" <= ch <= "\ud7a3" for ch in title):
        return "ko"
    if any("\u4e00" <= ch <= "\u9fff" for ch in title):
        return "und"
    return "en"


def work_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one Crossref work (REST `message` item or CSL-JSON)."""
    record_id, ids = paper_ids([item.get("DOI")])
    if not record_id:
        raise ValueError(f"work has no usable DOI ({str(item.get('DOI'))[:80]!r})")
    authors = [a for a in item.get("author") or [] if isinstance(a, dict)]
    organizations = [
        fold(clean_text(a.get("name")))
        for author in authors
        for a in author.get("affiliation") or []
        if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    title = fold(clean_text(_first(item.get("title"))))
    resource = item.get("resource") if isinstance(item.get("resource"), dict) else {}
    primary = resource.get("primary") if isinstance(resource.get("primary"), dict) else {}
    extra = {
        "type": item.get("type"),
        "container_title": fold(_first(item.get("container-title"))) or None,
        "publisher": item.get("publisher"),
    }
    subjects = [fold(s) for s in item.get("subject") or [] if isinstance(s, str) and fold(s)]
    cited = item.get("is-referenced-by-count")
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": title,
        "text": strip_jats(item.get("abstract") if isinstance(item.get("abstract"), str) else None),
        "language": _language(item, title),
        "published_date": _date(item),
        "countries": _countries(authors),
        "organizations": list(dict.fromkeys(o for o in organizations if o)),
        "codes": {"topics": list(dict.fromkeys(subjects))},
        "cited_by_count": cited if isinstance(cited, int) else None,
        "url": item.get("URL") or primary.get("URL") or f"https://doi.org/{record_id[4:]}",
        "extra": {k: v for k, v in extra.items() if v},
    }


def _items(data: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """(work items, message) of a Crossref body; ParseError for errors and non-work messages."""
    kind = data.get("message-type")
    message = data.get("message")
    if data.get("status") == "failed" or kind == "validation-failure":
        problems = message if isinstance(message, list) else [message]
        text = "; ".join(
            fold(f"{p.get('type', '')} {p.get('value', '')}: {p.get('message', '')}")
            if isinstance(p, dict)
            else fold(str(p))
            for p in problems
        )
        raise ParseError(f"Crossref {kind or 'error'}: {text}"[:300])
    if kind is None and isinstance(data.get("DOI"), str):
        return [data], {}  # a bare work (content negotiation, CSL-JSON)
    if kind not in _WORK_TYPES:
        raise ParseError(f"Crossref message-type {kind!r} carries no works")
    if not isinstance(message, dict):
        raise ParseError(f"Crossref {kind} message is not an object")
    if kind == "work":
        return [message], {}
    items = message.get("items")
    if not isinstance(items, list):
        raise ParseError("Crossref work-list has no `items` list")
    return items, message


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one Crossref works body; the next page is `message.next-cursor` while items come."""
    head = body.lstrip()[:1]
    if head and head not in (b"{", b"[", b"<"):
        raise ParseError(f"expected JSON, got text: {fold(body[:80].decode('utf-8', 'replace'))!r}")
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    items, message = _items(data)
    total = message.get("total-results")
    result = ParseResult(total=total if isinstance(total, int) else None)
    result.add_documents(
        items, ctx, work_fields, "item is a {type}, not a work object",
        errors=(ValueError, TypeError), item_key="DOI",
    )  # fmt: skip
    cursor = message.get("next-cursor")
    result.next_page = cursor if items and isinstance(cursor, str) and cursor else None
    return result


parse_crossref_page = parse
