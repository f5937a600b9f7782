"""Federal Register `documents.json`, one term query per domain, paged by `next_page_url`."""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms
from horizon.config.taxonomy import Domain

FIELDS = (
    "abstract", "action", "agencies", "citation", "docket_ids", "document_number", "excerpts",
    "html_url", "publication_date", "significant", "title", "topics", "type",
)  # fmt: skip


def term_query(domain: Domain) -> str:
    """`conditions[term]` for a domain: two English terms of every sub-technology, quoted, OR-ed
    with `|` (the API's OR)."""
    return " | ".join(f'"{t}"' for t in query_terms(domain, "en", per_subtech=2))


class FederalRegisterSpider(SourceSpider):
    """Documents mentioning a domain's terms in the window; next pages keep the replay origin."""

    name = "policy_federal_register"
    paging = "next_url"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """One query per domain (`"a" | "b"` is the API's OR)."""
        chains = []
        for domain in self.taxonomy.domains:
            terms = term_query(domain)
            if not terms:
                continue
            pairs = [
                ("conditions[term]", terms),
                ("conditions[publication_date][gte]", self.since.isoformat()),
                ("conditions[publication_date][lte]", self.until.isoformat()),
                ("per_page", str(min(self.config.page_size, 1000))),
                ("order", "newest"),
                *(("fields[]", f) for f in FIELDS),
            ]
            url = f"{self.base_url}/documents.json?{urlencode(pairs)}"
            chains.append(Chain(key=domain.slug, url=url, domain=domain.slug))
        return chains
