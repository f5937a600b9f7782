"""OpenAlex `/works`, one cursor-paged query per domain (topic filters and/or search terms).

Incremental by index date where the key allows it: `from_created_date`/`to_created_date` are
listed among the works filters (developers.openalex.org/api-reference/works) but are "Premium API
filters (paid plans)" (developers.openalex.org/download/snapshot-format, "Sync", updated
2026-07-31: "Paid plans unlock two filters on every entity type: from_created_date,
from_updated_date"); the free key every user must have since 13 Feb 2026 does not unlock them. So
with `paid_plan: true` the spider asks as Crossref's does (publication-date floor at
`default_since`, created since the watermark less INDEX_OVERLAP_DAYS, until the window's end); with
a free key it asks by publication date reaching LATE_INDEX_LOOKBACK_DAYS before the watermark, so a
work indexed up to that long after its publication still comes with the next scan (one indexed
later is missed, as before).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider, or_terms
from crawlers.spiders.terms import openalex_ids, query_terms, unambiguous_abbreviations
from horizon.config.taxonomy import Domain

#: Days the created-date window reaches back before the watermark (as Crossref's index date).
INDEX_OVERLAP_DAYS = 2
#: Free keys: days of publication dates asked again before the watermark, for late-indexed works.
LATE_INDEX_LOOKBACK_DAYS = 30

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

    def date_filter(self) -> str:
        """The date part of every query: by created date on a paid plan, else by publication date
        with a lookback (see the module docstring)."""
        floor = min(self.config.default_since or self.since, self.since)
        if self.config.paid_plan:
            created = self.since - dt.timedelta(days=INDEX_OVERLAP_DAYS)
            return (
                f"from_publication_date:{floor},from_created_date:{created},"
                f"to_created_date:{self.until}"
            )
        lookback = max(floor, self.since - dt.timedelta(days=LATE_INDEX_LOOKBACK_DAYS))
        return f"from_publication_date:{lookback},to_publication_date:{self.until}"

    def plan(self) -> list[Chain]:
        """Per domain: one query on its OpenAlex ids, one on its English terms."""
        window = self.date_filter()
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
