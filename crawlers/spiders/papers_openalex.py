"""OpenAlex `/works`, one cursor-paged query per domain (topic filters and/or search terms)."""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider, or_terms
from crawlers.spiders.terms import openalex_ids, query_terms, unambiguous_abbreviations
from horizon.config.taxonomy import Domain

#: OpenAlex `search` takes boolean OR; 60 quoted terms keep the URL well under 8 kB.
MAX_SEARCH_TERMS = 60


def search_query(domain: Domain, abbreviations: frozenset[str] = frozenset()) -> str:
    """The `search` value: two English terms of every sub-technology and its first unambiguous
    abbreviation, OR-ed."""
    terms = query_terms(domain, "en", per_subtech=2, abbreviations=abbreviations)
    return or_terms(terms, limit=MAX_SEARCH_TERMS)


class OpenAlexSpider(SourceSpider):
    """Works published in the window, per domain; `api_key`/`mailto` added at download time."""

    name = "papers_openalex"
    paging = "cursor"
    page_param = "cursor"
    queries_by_term = True
    #: OpenAlex answers a rate limit with 403 ("Rate limit exceeded; slow down") and the daily
    #: limit with 429 (developers.openalex.org/api-reference/errors): both pause and retry.
    rate_limit_statuses = (403,)

    def plan(self) -> list[Chain]:
        """Per domain: one query on its OpenAlex ids, one on its English terms."""
        window = f"from_publication_date:{self.since},to_publication_date:{self.until}"
        chains = []
        abbreviations = unambiguous_abbreviations(self.taxonomy)
        for domain in self.taxonomy.domains:
            ids = {k: v for k, v in openalex_ids(domain).items() if v}
            if ids:
                flt = ",".join([window, *(f"{k}:{'|'.join(v)}" for k, v in ids.items())])
                chains.append(self._chain(f"{domain.slug}:ids", domain.slug, {"filter": flt}))
            search = search_query(domain, abbreviations)
            if search:
                params = {"filter": window, "search": search}
                chains.append(self._chain(f"{domain.slug}:terms", domain.slug, params))
        return chains

    def _chain(self, key: str, domain: str, params: dict[str, str]) -> Chain:
        query = {**params, "per-page": str(min(self.config.page_size, 200)), "cursor": "*"}
        url = f"{self.base_url}/works?{urlencode(query, safe=':,|*')}"
        return Chain(key=key, url=url, domain=domain, options={"domain": domain})

    @property
    def query_credentials(self) -> dict[str, str]:
        """OpenAlex reads `api_key` and `mailto` from the query string."""
        return {k: v for k, v in self.credentials.items() if k in ("api_key", "mailto") and v}
