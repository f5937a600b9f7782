"""Federal Register `documents.json`, one term query per domain, paged by `next_page_url`.

The API serves at most 10,000 documents of a query, and its `count` stops at 10,000 too
(fr-toolbelt splits such queries by quarter; civictechdc/spicy-regs#181 found the count capped):
a query counting 10,000 is asked again over parts of its publication-date window.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from crawlers.middlewares import with_params
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms
from crawlers.spiders.windows import Window
from horizon.config.taxonomy import Domain

#: Documents a documents.json query serves at most (and the most its `count` says).
FR_RESULT_CAP = 10_000

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
    result_cap = FR_RESULT_CAP

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
            chains.append(Chain(key=domain.slug, url=url, domain=domain.slug,
                                window=(self.since, self.until), family=domain.slug))  # fmt: skip
        return chains

    def window_url(self, chain: Chain, window: Window) -> str:
        """The query over other publication dates."""
        return with_params(chain.url, {"conditions[publication_date][gte]": window[0].isoformat(),
                                       "conditions[publication_date][lte]": window[1].isoformat()})  # fmt: skip

    def over_cap(self, total: int) -> bool:
        """A count of 10,000 may stand for more (the count stops there)."""
        return total >= FR_RESULT_CAP

    def next_url(self, chain: Chain, url: str, next_page: str) -> str | None:
        """The API's next page, unless it would start beyond the documents it serves."""
        candidate = super().next_url(chain, url, next_page)
        query = dict(parse_qsl(urlsplit(candidate or "").query))
        page, size = query.get("page", "1"), query.get("per_page", "20")
        beyond = page.isdigit() and size.isdigit() and (int(page) - 1) * int(size) >= FR_RESULT_CAP
        return None if beyond else candidate
