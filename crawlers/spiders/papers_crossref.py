"""Crossref `/works` with cursor deep paging, one query per domain's terms."""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.middlewares import with_params
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms


class CrossrefSpider(SourceSpider):
    """`/works?query.bibliographic=…&filter=from-pub-date:…&cursor=*`; `mailto` for the polite pool."""

    name = "papers_crossref"
    paging = "cursor"
    page_param = "cursor"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """One query per domain."""
        window = f"from-pub-date:{self.since},until-pub-date:{self.until}"
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
