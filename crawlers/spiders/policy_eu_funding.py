"""EU Funding & Tenders Portal: the SEDIA search API per domain term (grant topics opened in the
window, paged by `pageNumber`), then each hit's topicDetails JSON for its full description.

Checked against maintained clients (no official reference of the search API was found):
* the request — `POST {base}/search-api/prod/rest/search?apiKey=SEDIA&text=…&pageSize=…&pageNumber=…`
  (paging in the query string, 1-based), with `query`, `languages` and `sort` sent as
  multipart/form-data parts of type application/json — is what mjarmak/funding-search-engine's
  `CallScrapeService` sends (the client that recorded `call_search_10_06_24.json`), and what
  several other portal clients send; two of them note that plain form fields get HTTP 500;
* `{"bool": {"must": [{"terms": {"type": ["1"]}}, {"terms": {"status": [...]}}]}}` with type 1 =
  grant topics and status 31094501/2/3 = Forthcoming/Open/Closed: the same clients; the recorded
  answers' own `actions` JSON names these status ids;
* sort `{"field": "startDate", "order": "DESC"}`: mjarmak's `sort.json`;
* topicDetails at `https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/<ID>.json`:
  the `url` each recorded result gives, fetched as mjarmak's client does.
Unverified: the `range` clause on `startDate` (seen in one client only; the gateway may ignore it,
then the window is not applied and recent topics still come first by the sort); whether `text`
takes quoted phrases or OR (one term per query is sent); the largest accepted `pageSize`
(clients use 50-100); rate limits (none published; one request a second is kept).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.parsers.base import ParseResult
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms

SEARCH_PATH = "/search-api/prod/rest/search"
#: Grant topics (calls for proposals); Forthcoming, Open and Closed.
QUERY_TYPES = ["1"]
QUERY_STATUSES = ["31094501", "31094502", "31094503"]
BOUNDARY = "horizon-scan-sedia"


def multipart(parts: dict[str, Any]) -> bytes:
    """A multipart/form-data body whose parts are JSON documents (as the portal's gateway wants)."""
    lines = []
    for name, value in parts.items():
        lines += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{name}"; filename="blob"',
                  "Content-Type: application/json", "", json.dumps(value)]  # fmt: skip
    return ("\r\n".join([*lines, f"--{BOUNDARY}--", ""])).encode("utf-8")


def search_parts(since: dt.date, until: dt.date) -> dict[str, Any]:
    """The `query`, `languages` and `sort` parts of a search: grant topics opened in the window."""
    window = {"gte": since.isoformat(), "lte": until.isoformat()}
    must = [{"terms": {"type": QUERY_TYPES}}, {"terms": {"status": QUERY_STATUSES}},
            {"range": {"startDate": window}}]  # fmt: skip
    return {"query": {"bool": {"must": must}}, "languages": ["en"],
            "sort": {"field": "startDate", "order": "DESC"}}  # fmt: skip


class EuFundingSpider(SourceSpider):
    """Search hits become records, replaced by their topicDetails record when it can be fetched."""

    name = "policy_eu_funding"
    queries_by_term = True
    paging = "start"
    page_param = "pageNumber"

    def plan(self) -> list[Chain]:
        """One search per sub-technology (its first English term), grant topics opened within the window."""
        parts = search_parts(self.since, self.until)
        chains = []
        for domain in self.taxonomy.domains:
            for i, term in enumerate(query_terms(domain, "en")):
                pairs = [("apiKey", "SEDIA"), ("text", term),
                         ("pageSize", str(min(self.config.page_size, 100))), ("pageNumber", "1")]  # fmt: skip
                url = f"{self.base_url}{SEARCH_PATH}?{urlencode(pairs)}"
                chains.append(Chain(key=f"{domain.slug}:{i}", url=url, domain=domain.slug,
                                    method="POST", body=parts))  # fmt: skip
        return chains

    def chain_request(self, chain: Chain, url: str) -> Request:
        """POST the query parts as multipart/form-data; paging stays in the URL."""
        return Request(
            url,
            method="POST",
            body=multipart(chain.body or {}),
            headers={
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                "Accept": "application/json",
            },
            callback=self.parse_page,
            errback=self.on_error,
            meta={"chain": chain.key, "page_url": url},
            dont_filter=True,
        )

    def follow_requests(
        self, response: Response, chain: Chain, result: ParseResult, records: list[Any]
    ) -> tuple[set[str], list[Request]]:
        """Fetch the topicDetails of every new hit; hold the hit until it arrives."""
        targets = {r.record_id: r.extra["topic_details_url"] for r in records
                   if str(r.extra.get("topic_details_url") or "").endswith(".json")}  # fmt: skip
        return self.enrich_requests(chain, records, targets, self.replace_held)
