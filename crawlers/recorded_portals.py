"""Replay routes for the portals whose recordings are partly not whole answers of the route the
spider asks (see crawlers.recorded): the EU Funding & Tenders Portal, the USPTO Open Data Portal and
the European Commission's Press Corner.

Where a recording is a part of an answer (one search result, a topic no recorded search lists) the
builder puts it, unchanged, inside the answer's envelope and says so in `rec.synthetic`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from crawlers.parsers.common import to_date
from crawlers.recorded_formats import JSON, SourceRecordings, _field, read_json, route
from crawlers.spiders.patents_uspto_odp import SEARCH_PATH as ODP_SEARCH
from crawlers.spiders.policy_eu_funding import SEARCH_PATH as SEDIA_SEARCH
from crawlers.spiders.policy_eu_presscorner import RSS_PATH as PRESSCORNER_RSS

#: The empty answer of each source: what its API says when a query has nothing more (synthetic).
END_PAGES = {
    "policy_eu_presscorner": (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Press corner</title></channel></rss>"
    ),
    "policy_eu_funding": '{"totalResults": 0, "pageNumber": 1, "pageSize": 100, "results": []}',
    # HTTP 404, as the ODP swagger documents for a search with nothing (more) to give
    "patents_uspto_odp": (
        '{"code": 404, "error": "Not Found", "errorDetails": "No matching records found, refine '
        'your search criteria and try again"}'
    ),
}


def end_route(source: str, path: str, headers: dict[str, str], **keys: Any) -> dict[str, Any]:
    """The catch-all answer after every recording: the source's empty page, as often as asked."""
    return route(path, END_PAGES[source], headers, times=None, **keys)


# --- EU Funding & Tenders Portal -----------------------------------------------------------------


def sedia_page(results: list[str]) -> str:
    """A SEDIA search page around result objects given as their recorded JSON text (unchanged)."""
    head = f'{{"totalResults": {len(results)}, "pageNumber": 1, "pageSize": {len(results)}, '
    return head + '"results": [' + ", ".join(r.strip() for r in results) + "]}"


def _details_path(url: Any) -> str | None:
    path = urlsplit(url).path if isinstance(url, str) else ""
    return path if path.endswith(".json") and "/topicDetails/" in path else None


def _eu_funding(root: Path, rec: SourceRecordings) -> None:
    """The recorded search page as it is; each single result inside a one-hit page (synthetic);
    topicDetails at the URL a served result names, and a page listing the topics no recorded
    result names (synthetic: their identifiers, titles and URLs) so the spider asks for them."""
    folder = root / "fixtures/policy/eu_funding_tenders_sedia"
    pages, named = [], set()
    for path in sorted(folder.glob("call_search_*.json")):
        pages.append(route(SEDIA_SEARCH, path, JSON, recordings=[path], first=True, method="POST",
                           match={"pageNumber": "1"}))  # fmt: skip
        named |= {_details_path(_field(r, "url")) for r in _field(read_json(path), "results") or []}
    for path in sorted(folder.glob("call_dto_*.json")):
        data = read_json(path)
        if not isinstance(data, dict) or "metadata" not in data:
            rec.unused[rec.rel(path)] = "not a search result (a result's budgetOverview, parsed)"
            continue
        text = sedia_page([path.read_text(encoding="utf-8")])
        pages.append(route(SEDIA_SEARCH, text, JSON, recordings=[path], first=True, method="POST",
                           match={"pageNumber": "1"}))  # fmt: skip
        named.add(_details_path(data.get("url")))
    details, unnamed = [], []
    for path in sorted(folder.glob("call_details_dto_*.json")):
        topic = _field(read_json(path), "TopicDetails")
        identifier = _field(topic, "identifier")
        if not isinstance(identifier, str):
            rec.unused[rec.rel(path)] = "not a topicDetails answer (no TopicDetails.identifier)"
            continue
        url = f"https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/{identifier}.json"
        details.append(route(urlsplit(url).path, path, JSON, recordings=[path]))
        if urlsplit(url).path not in named:
            meta = {"identifier": [identifier], "title": [str(topic.get("title") or identifier)]}
            unnamed.append(json.dumps({"url": url, "summary": meta["title"][0], "metadata": meta}))
    if unnamed:
        pages.append(route(SEDIA_SEARCH, sedia_page(unnamed), JSON, first=True, method="POST",
                           match={"pageNumber": "1"}))  # fmt: skip
    if len(pages) > len(list(folder.glob("call_search_*.json"))):
        rec.synthetic.append("SEDIA search pages around the recorded single results, and one "
                             "listing the recorded topicDetails no recorded result names")  # fmt: skip
    rec.routes += pages + details
    for path in sorted(folder.glob("*.csv")):
        rec.unused[rec.rel(path)] = (
            "CORDIS bulk-file rows (funded projects, not calls); the spider asks the portal's search"
        )
    rec.routes.append(end_route(rec.source, SEDIA_SEARCH, JSON, method="POST"))


# --- USPTO Open Data Portal ----------------------------------------------------------------------

#: ODP recordings that are look-ups of one application's parts, not searches: why each is not offered.
ODP_LOOKUPS = {
    "odp_assignment.json": "/{application}/assignment",
    "odp_continuity.json": "/{application}/continuity",
    "odp_foreign_priority.json": "/{application}/foreign-priority",
    "odp_documents.json": "/{application}/documents",
}


def _odp(root: Path, rec: SourceRecordings) -> None:
    """Search answers, and look-ups of a whole application (the same `count` + bag envelope a
    search gives), as first pages; look-ups of an application's parts are not asked for."""
    folder = root / "fixtures/patents/uspto_odp"
    for path in sorted(folder.glob("*")):
        if path.name in ODP_LOOKUPS:
            rec.unused[rec.rel(path)] = (
                f"the {ODP_LOOKUPS[path.name]} look-up of one application (no title or classes); "
                "the spider reads searches"
            )
        elif path.suffix != ".json":
            rec.unused[rec.rel(path)] = "the USPTO assignment search (another API); not asked for"
        else:
            rec.routes.append(route(ODP_SEARCH, path, JSON, recordings=[path], first=True,
                                    match={"offset": "0"}))  # fmt: skip
    rec.routes.append(end_route(rec.source, ODP_SEARCH, JSON, status=404))


# --- European Commission Press Corner ------------------------------------------------------------

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def presscorner_page(rows: list[dict[str, str]]) -> str:
    """An RSS answer around recorded index rows: titles, links and dates as recorded; the
    envelope, the guid (the link) and the time of day (midnight) are made up."""
    items = []
    for row in rows:
        date = to_date(row.get("Published Date"))
        when = f"<pubDate>{date:%a, %d %b %Y} 00:00:00 GMT</pubDate>" if date else ""
        link = escape(row.get("Link") or "")
        items.append(f"<item><title>{escape(row.get('Title') or '')}</title><link>{link}</link>"
                     f'<guid isPermaLink="true">{link}</guid>{when}</item>')  # fmt: skip
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Press corner</title>{''.join(items)}</channel></rss>")  # fmt: skip


def _presscorner(root: Path, rec: SourceRecordings) -> None:
    """The recorded index of press releases (harvested from the RSS API month by month), one RSS
    answer per month, each the first page of one query."""
    folder = root / "fixtures/policy/eu_presscorner_ip_index"
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows or "IP ID" not in rows[0]:
            rec.unused[rec.rel(path)] = "the harvester's log (counts per month and keyword)"
            continue
        months: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            months.setdefault((row.get("Published Date") or "")[:7], []).append(row)
        for month in sorted(months):
            rec.routes.append(route(PRESSCORNER_RSS, presscorner_page(months[month]), RSS,
                                    recordings=[path], first=True))  # fmt: skip
        rec.synthetic.append(f"RSS answers around the rows of {path.name} (one per month)")
    rec.routes.append(end_route(rec.source, PRESSCORNER_RSS, RSS))


BUILDERS: dict[str, Callable[..., None]] = {
    "policy_eu_funding": _eu_funding, "patents_uspto_odp": _odp,
    "policy_eu_presscorner": _presscorner,
}  # fmt: skip
