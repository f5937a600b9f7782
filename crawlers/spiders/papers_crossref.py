"""Crossref `/works` with cursor deep paging, one query per domain's terms.

Incremental by index date: a work Crossref indexes after a scan, though published before it, is
asked for by the next scan (`from-index-date`, with INDEX_OVERLAP_DAYS of overlap so nothing
indexed around the watermark is lost); `from-pub-date` at the source's `default_since` keeps the
corpus floor. Filter names checked against Crossref's REST API filter documentation
(crossref.org/documentation/retrieve-metadata/rest-api/rest-api-filters) and rcrossref's filter
list (`from_index_date`, `until_index_date`: metadata indexed since / before, inclusive).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from crawlers.middlewares import with_params
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms

#: Days the index-date window reaches back before the watermark.
INDEX_OVERLAP_DAYS = 2


class CrossrefSpider(SourceSpider):
    """`/works?query.bibliographic=…&filter=from-pub-date:…&cursor=*`; `mailto` for the polite pool."""

    name = "papers_crossref"
    paging = "cursor"
    page_param = "cursor"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """One query per domain."""
        floor = min(self.config.default_since or self.since, self.since)
        indexed = self.since - dt.timedelta(days=INDEX_OVERLAP_DAYS)
        window = f"from-pub-date:{floor},from-index-date:{indexed},until-index-date:{self.until}"
        chains = []
        for domain in self.taxonomy.domains:
            terms = query_terms(domain, "en")  # the first term of every sub-technology
            if not terms:
                continue
            query = {
                "query.bibliographic": " ".join(terms),
                "filter": window,
                "rows": str(min(self.config.page_size, 1000)),
                "cursor": "*",
            }
            url = f"{self.base_url}/works?{urlencode(query, safe=':,*')}"
            chains.append(Chain(key=domain.slug, url=url, domain=domain.slug))
        return chains

    def next_url(self, chain: Chain, url: str, next_page: str) -> str | None:
        """Crossref may hand back the same cursor page after page; the page number rides in the
        URL fragment (never sent) so each page stays a distinct step of the chain."""
        endpoint, _, fragment = url.partition("#page=")
        page = int(fragment) + 1 if fragment.isdigit() else 2
        return f"{with_params(endpoint, {'cursor': next_page})}#page={page}"

    @property
    def query_credentials(self) -> dict[str, str]:
        """Crossref's polite pool reads `mailto`."""
        return {"mailto": self.credentials["mailto"]} if self.credentials.get("mailto") else {}
