"""GOV.UK: the search API per domain term (news and policy supergroups, paged by `start`), then
each hit's content item from the content API for the full body."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from scrapy.http import Request, Response

from crawlers.parsers.base import ParseResult
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms

SUPERGROUPS = ("news_and_communications", "policy_and_engagement")


class GovukSpider(SourceSpider):
    """Search hits become records, enriched by their content item when it can be fetched."""

    name = "policy_govuk"
    paging = "start"
    page_param = "start"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """One search per sub-technology (its first English term: GOV.UK search has no OR)."""
        chains = []
        for domain in self.taxonomy.domains:
            for i, term in enumerate(query_terms(domain, "en")):
                pairs = [
                    ("q", term),
                    *(("filter_content_purpose_supergroup[]", g) for g in SUPERGROUPS),
                    ("filter_public_timestamp", f"from:{self.since},to:{self.until}"),
                    ("order", "-public_timestamp"),
                    ("count", str(min(self.config.page_size, 1000))),
                    ("start", "0"),
                ]
                url = f"{self.base_url}/api/search.json?{urlencode(pairs)}"
                chains.append(Chain(key=f"{domain.slug}:{i}", url=url, domain=domain.slug))
        return chains

    def content_url(self, page_url: str) -> str:
        """Content API URL of a GOV.UK page."""
        return f"{self.base_url}/api/content{urlsplit(page_url).path}"

    def follow_requests(
        self, response: Response, chain: Chain, result: ParseResult, records: list[Any]
    ) -> tuple[set[str], list[Request]]:
        """Fetch the content item of every new hit; hold the hit until it arrives."""
        if not response.url.split("?", 1)[0].endswith("/search.json"):
            return set(), []
        targets = {r.record_id: self.content_url(r.url) for r in records if r.url}
        return self.enrich_requests(chain, records, targets, self.replace_held)
