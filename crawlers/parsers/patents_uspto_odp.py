"""USPTO Open Data Portal patent application search answers → patent records.

The answer is `{"count", "patentFileWrapperDataBag": [{"applicationNumberText",
"applicationMetaData": {...}}]}`; the beta API (and the recordings made from it) gave the same
fields flat in `patentBag` items. An answer with nothing to give is HTTP 404 with `errorDetails`
"No matching records found" (the API's own swagger): that is an empty page, not an error.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

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

_PUBLICATION = re.compile(r"^([A-Z]{2})\s*(\d{4})-?(\d{7})\s*([A-Z]\d?)$")
NO_MATCH = "No matching records found"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def publication_id(number: Any) -> str | None:
    """`US 2017-0071586 A1` → `patent:US20170071586A1` (docdb form), else None."""
    found = _PUBLICATION.match(" ".join(str(number or "").split()).upper())
    return patent_id(found[1], f"{found[2]}{found[3]}", found[4]) if found else None


def _names(values: list[Any]) -> list[str]:
    """Names once each, the first spelling kept (an assignee repeats an applicant in capitals)."""
    seen: dict[str, str] = {}
    for value in values:
        name = clean_text(value) if isinstance(value, str) else ""
        seen.setdefault(name.casefold(), name)
    return [n for n in seen.values() if n]


def party_country(party: dict[str, Any]) -> str | None:
    """A party's country as the answer gives it: its own code, else its first address's."""
    addresses = _dicts(party.get("correspondenceAddressBag"))
    return country_code(party.get("countryCode")) or next(
        (c for c in (country_code(a.get("countryCode")) for a in addresses) if c), None
    )


def application_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one application (a patentFileWrapperDataBag or beta patentBag item)."""
    meta = item.get("applicationMetaData")
    meta = meta if isinstance(meta, dict) else item
    number = re.sub(
        r"\D", "", str(item.get("applicationNumberText") or meta.get("applicationNumberText") or "")
    )
    if not number:
        raise ParseError("application without applicationNumberText")
    grant = re.sub(r"\D", "", str(meta.get("patentNumber") or ""))
    published = publication_id(meta.get("earliestPublicationNumber"))
    grant_id = patent_id("US", grant, None) if grant else None
    record_id = grant_id or published or f"patent:US-application-{number}"
    inventors = [party_country(p) for p in _dicts(meta.get("inventorBag"))]
    applicants = [party_country(p) for p in _dicts(meta.get("applicantBag"))]
    names = [
        p.get("applicantNameText") or p.get("applicant") for p in _dicts(meta.get("applicantBag"))
    ]
    assignees = [a.get("assigneeNameText") for x in _dicts(item.get("assignmentBag") or meta.get("assignmentBag"))
                 for a in _dicts(x.get("assigneeBag"))]  # fmt: skip
    priorities = [to_date(p.get("filingDate")) for p in _dicts(item.get("foreignPriorityBag"))]
    filing = to_date(meta.get("filingDate"))
    number_shown = record_id.removeprefix("patent:")
    return {
        "record_id": record_id,
        "kind": "patent",
        "title": clean_text(meta.get("inventionTitle")),
        "text": "",
        "language": "en",
        "published_date": earliest([*priorities, to_date(meta.get("effectiveFilingDate")), filing]),
        "countries": party_weights(inventors, applicants),
        "organizations": _names([meta.get("firstApplicantName"), *names, *assignees]),
        "codes": {
            "cpc": unique(normalise_symbol(str(c)) for c in _list(meta.get("cpcClassificationBag")))
        },
        "url": f"https://ppubs.uspto.gov/pubwebapp/external.html?q={number_shown}.pn."
        if grant_id or published
        else None,
        "ids": unique([record_id, grant_id, published, f"application:US{number}"]),
        "extra": {
            "application_number": number,
            "filing_date": filing.isoformat() if filing else None,
            "grant_date": meta.get("grantDate"),
            "earliest_publication_date": meta.get("earliestPublicationDate"),
            "status": clean_text(meta.get("applicationStatusDescriptionText")) or None,
            "application_type": meta.get("applicationTypeLabelName"),
            "inventor_countries": unique(inventors),
            "applicant_countries": unique(applicants),
        },
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """One search answer; next_page is the next `offset` (read from the request URL) while the
    answer's `count` says more remain."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError("ODP body is not a JSON object")
    bag = data.get("patentFileWrapperDataBag", data.get("patentBag"))
    if bag is None:
        if NO_MATCH in str(data.get("errorDetails") or ""):
            return ParseResult(total=0)
        if "error" in data or "code" in data:
            raise ParseError(
                f"ODP error body: {data.get('error')}: {str(data.get('errorDetails'))[:200]}"
            )
        raise ParseError(
            f"ODP body without an application bag (keys: {', '.join(sorted(data)[:8])})"
        )
    if not isinstance(bag, list):
        raise ParseError("ODP application bag is not a list")
    count = data.get("count")
    result = ParseResult(total=count if isinstance(count, int) else None)
    offset = (parse_qs(urlsplit(ctx.url).query).get("offset") or ["0"])[0]
    end = (int(offset) if offset.isdigit() else 0) + len(bag)
    if bag and result.total is not None and end < result.total:
        result.next_page = str(end)
    result.add_documents(bag, ctx, application_fields, "application is not an object",
                         item_key="applicationNumberText")  # fmt: skip
    return result


parse_odp_page = parse
