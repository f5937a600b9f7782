"""USPTO Open Data Portal: the patent application search per domain's CPC classes, applications
first published in the window, paged by `offset`.

Checked against the ODP swagger (`swagger.yaml` as kept in parkerhancock/patent_client's ODP
fixtures, the beta API the recordings come from) and patent_client's ODP client:
* `GET /api/v1/patent/applications/search` with `q` (query string: `field:value`, AND/OR/NOT,
  wildcards), `sort` (`field desc`), `offset` (from 0), `limit` (default 25), `rangeFilters`
  (`field yyyy-MM-dd:yyyy-MM-dd`): the swagger's GET parameters;
* the key in the `X-API-KEY` header: the swagger's description and patent_client;
* field names under `applicationMetaData.` (`cpcClassificationBag`, `earliestPublicationDate`)
  and the answer's `patentFileWrapperDataBag`: patent_client's current search module (the beta
  swagger named the same fields without the prefix, in `patentBag`);
* no match is HTTP 404 with `errorDetails` "No matching records found": the swagger; read as an
  empty page.
Unverified: that `cpcClassificationBag` takes a wildcard (`H01L*`, `G06N10\\/*`); the largest
`limit` (the swagger sets none; patent_client pages by 25); the current host's rate limits
(none published in the swagger; one request a second is kept).
"""

from __future__ import annotations

from urllib.parse import urlencode

from scrapy.http import Request

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import code_prefixes

SEARCH_PATH = "/api/v1/patent/applications/search"
FIELD = "applicationMetaData"
#: Classes per query: keeps the URL under the 2,083 characters Scrapy sends (longer ones are dropped).
CLASSES_PER_QUERY = 20


def cpc_queries(prefixes: list[str]) -> list[str]:
    """`q` values for CPC prefixes, CLASSES_PER_QUERY a query: each prefix a wildcard on the
    class bag (`/` escaped for the query string)."""
    terms = [f"{FIELD}.cpcClassificationBag:{p.replace('/', chr(92) + '/')}*" for p in prefixes]
    return [
        " OR ".join(terms[i : i + CLASSES_PER_QUERY])
        for i in range(0, len(terms), CLASSES_PER_QUERY)
    ]


class UsptoOdpSpider(SourceSpider):
    """Search pages become records; the API key travels in a header added at download time."""

    name = "patents_uspto_odp"
    paging = "start"
    page_param = "offset"

    def plan(self) -> list[Chain]:
        """Queries per domain with CPC classes, at most CLASSES_PER_QUERY classes each."""
        window = f"{FIELD}.earliestPublicationDate {self.since}:{self.until}"
        chains = []
        for domain in self.taxonomy.domains:
            queries = cpc_queries([p for s, p in code_prefixes(domain) if s in ("cpc", "both")])
            for i, query in enumerate(queries):
                pairs = [("q", query), ("rangeFilters", window),
                         ("sort", f"{FIELD}.earliestPublicationDate desc"),
                         ("offset", "0"), ("limit", str(min(self.config.page_size, 100)))]  # fmt: skip
                url = f"{self.base_url}{SEARCH_PATH}?{urlencode(pairs)}"
                key = domain.slug if len(queries) == 1 else f"{domain.slug}:{i}"
                chains.append(Chain(key=key, url=url, domain=domain.slug))
        return chains

    @property
    def extra_headers(self) -> dict[str, str]:
        """The API key header (from `credentials_env`), added at download time."""
        key = self.credentials.get("api_key")
        return {"X-API-KEY": key} if key else {}

    def chain_request(self, chain: Chain, url: str) -> Request:
        """A search page; a 404 is read by the parser (the API's answer for no match)."""
        request = super().chain_request(chain, url)
        request.meta["handle_httpstatus_list"] = [404]
        return request
