"""EU Funding & Tenders Portal: SEDIA search pages, single results and topicDetails → EU calls.

A search result carries its fields in `metadata`, each an array of strings; some of those strings
are JSON documents themselves (`actions`, `budgetOverview`). A topicDetails answer
(`{"TopicDetails": {...}}`) carries the same topic with plain values and its full description.
Every call is an announcement of the European Union (country `EU`, issuer the Commission).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_json, to_date
from crawlers.parsers.patent_common import unique
from crawlers.parsers.policy_feed import html_to_text

PORTAL = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities"
ISSUER = "European Commission"
#: The portal's dates are Brussels dates (epoch milliseconds are midnight there).
BRUSSELS = ZoneInfo("Europe/Brussels")
#: Search-metadata status ids, as the answers' own `actions` JSON names them.
STATUSES = {"31094501": "Forthcoming", "31094502": "Open", "31094503": "Closed"}
_MILLIS = re.compile(r"^\d{11,14}$")


def topic_url(identifier: str) -> str:
    """The portal page of a topic (the record's id and link)."""
    return f"{PORTAL}/topic-details/{identifier}"


def portal_date(value: Any) -> dt.date | None:
    """`2023-03-09T01:00:00.000+0100`, `2024-12-05`, `09 March 2023` or epoch milliseconds."""
    text = str(value or "").strip()
    if _MILLIS.match(text):
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=BRUSSELS).date()
    try:
        return dt.datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        return to_date(text)


def _first(meta: dict[str, Any], key: str) -> str:
    """The first string of a metadata array (a bare string is taken as it is)."""
    value = meta.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in (clean_text(x) for x in values if isinstance(x, str)) if v]


def _embedded(meta: dict[str, Any], key: str) -> Any:
    """A JSON document the answer carries as a string (`actions`, `budgetOverview`), or None."""
    text = _first(meta, key)
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return None


def _actions(actions: Any) -> dict[str, list[str]]:
    """Status, types of action and deadlines of a topic's actions."""
    out: dict[str, list[str]] = {"status": [], "types": [], "deadlines": [], "opening": []}
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict):
            continue
        status = action.get("status")
        if isinstance(status, dict):
            out["status"].append(str(status.get("abbreviation") or ""))
        for kind in action.get("types") or []:
            if isinstance(kind, dict):
                out["types"].append(clean_text(kind.get("typeOfAction")))
        out["deadlines"] += [str(d) for d in action.get("deadlineDates") or []]
        out["opening"].append(str(action.get("plannedOpeningDate") or ""))
    for key in ("deadlines", "opening"):
        dates = (portal_date(v) for v in out[key])
        out[key] = sorted({d.isoformat() for d in dates if d})
    return {k: unique(v) for k, v in out.items()}


def budget_eur(overview: Any, identifier: str) -> float | None:
    """The topic's own budget: its action rows' yearly amounts summed (None when not given)."""
    table = overview.get("budgetTopicActionMap") if isinstance(overview, dict) else None
    total, found = 0.0, False
    for rows in table.values() if isinstance(table, dict) else []:
        for row in rows if isinstance(rows, list) else [rows]:
            action = str(row.get("action") or "") if isinstance(row, dict) else ""
            if not action.startswith(f"{identifier} -"):
                continue
            for amount in (row.get("budgetYearMap") or {}).values():
                try:
                    total, found = total + float(amount), True
                except (TypeError, ValueError):
                    continue
    return total if found else None


def _fields(identifier: str, title: str, text: str, language: str, published: dt.date | None,
            topics: list[str], extra: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    if not identifier:
        raise ParseError("call without an identifier")
    url = topic_url(identifier)
    return {
        "record_id": f"url:{url}",
        "kind": "policy",
        "title": title,
        "text": text,
        "language": language,
        "published_date": published,
        "countries": [{"country": "EU", "weight": 1.0}],
        "organizations": [ISSUER],
        "codes": {"topics": unique(topics)},
        "url": url,
        "ids": [f"url:{url}"],
        "extra": {"identifier": identifier, **extra},
    }


def result_fields(result: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one search result (a grant topic)."""
    meta = result.get("metadata")
    if not isinstance(meta, dict):
        raise ParseError("search result without metadata")
    identifier = _first(meta, "identifier").strip()
    actions = _actions(_embedded(meta, "actions"))
    status = _first(meta, "status")
    details = result.get("url") if isinstance(result.get("url"), str) else _first(meta, "url")
    return _fields(
        identifier,
        clean_text(_first(meta, "title")) or clean_text(result.get("summary")),
        html_to_text(_first(meta, "descriptionByte")),
        str(result.get("language") or _first(meta, "language") or "und").lower(),
        portal_date(_first(meta, "startDate")) or portal_date(_first(meta, "es_SortDate")),
        [
            *_strings(meta.get("keywords")),
            *_strings(meta.get("tags")),
            *_strings(meta.get("typesOfAction")),
        ],
        {
            "call_identifier": _first(meta, "callIdentifier") or None,
            "call_title": clean_text(_first(meta, "callTitle")) or None,
            "framework_programme": _first(meta, "frameworkProgramme") or None,
            "programme_period": _first(meta, "programmePeriod") or None,
            "status": STATUSES.get(status) or (actions["status"] or [status or None])[0],
            "deadline_dates": actions["deadlines"]
            or unique(d.isoformat() for d in map(portal_date, meta.get("deadlineDate") or []) if d),
            "budget_eur": budget_eur(_embedded(meta, "budgetOverview"), identifier),
            "topic_details_url": details or None,
            "reference": result.get("reference"),
        },
    )


def details_fields(details: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one topicDetails answer (texts of topics are published in English)."""
    programme = details.get("frameworkProgramme")
    programme = programme if isinstance(programme, dict) else {}
    divisions = [d for d in details.get("programmeDivision") or [] if isinstance(d, dict)]
    actions = _actions(details.get("actions"))
    identifier = str(details.get("identifier") or "").strip()
    return _fields(
        identifier,
        clean_text(details.get("title")),
        html_to_text(
            details.get("description") if isinstance(details.get("description"), str) else ""
        ),
        "en",
        portal_date(details.get("publicationDateLong"))
        or portal_date((actions["opening"] or [""])[0]),
        [*_strings(details.get("keywords")), *_strings(details.get("tags")), *actions["types"]],
        {
            "call_identifier": details.get("callIdentifier") or None,
            "call_title": clean_text(details.get("callTitle")) or None,
            "framework_programme": programme.get("abbreviation") or None,
            "programme_divisions": unique(clean_text(d.get("description")) for d in divisions),
            "status": (actions["status"] or [None])[0],
            "deadline_dates": actions["deadlines"],
            "budget_eur": budget_eur(details.get("budgetOverviewJSONItem"), identifier),
        },
    )


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """A search page (`results`, `totalResults`, `pageNumber`, `pageSize`), one search result, or a
    topicDetails answer; next_page is the next page number while results remain."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError("SEDIA body is not a JSON object")
    if data.get("type") == "throwable" or ("error" in data and "results" not in data):
        raise ParseError(f"SEDIA error body: {str(data.get('message') or data.get('error'))[:200]}")
    result = ParseResult()
    if isinstance(data.get("TopicDetails"), dict):
        result.add_documents([data["TopicDetails"]], ctx, details_fields, item_key="identifier")
    elif "metadata" in data and "results" not in data:
        result.add_documents([data], ctx, result_fields, item_key="reference")
    elif isinstance(data.get("results"), list):
        total, number, size = (data.get(k) for k in ("totalResults", "pageNumber", "pageSize"))
        result.total = total if isinstance(total, int) else None
        if data["results"] and all(isinstance(v, int) for v in (total, number, size)):
            result.next_page = str(number + 1) if number * size < total else None
        result.add_documents(data["results"], ctx, result_fields, "search result is not an object",
                             item_key="reference")  # fmt: skip
    elif "budgetTopicActionMap" in data:
        raise ParseError("a budget overview table (a result's budgetOverview), not a call")
    else:
        raise ParseError(f"SEDIA body without results (keys: {', '.join(sorted(data)[:8])})")
    return result


parse_eu_funding_page = parse
