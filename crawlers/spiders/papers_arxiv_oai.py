"""arXiv OAI-PMH `ListRecords`, one harvest per set, paged by resumptionToken (resumable)."""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import arxiv_sets


class ArxivOaiSpider(SourceSpider):
    """Harvests the sets covering the taxonomy's categories; the last token is checkpointed."""

    name = "papers_arxiv_oai"
    paging = "token"

    def plan(self) -> list[Chain]:
        """One ListRecords harvest per set."""
        chains = []
        for set_spec in arxiv_sets(self.taxonomy):
            query = {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": self.since.isoformat(),
                "until": self.until.isoformat(),
                "set": set_spec,
            }
            chains.append(Chain(key=set_spec, url=f"{self.base_url}?{urlencode(query)}"))
        return chains

    def next_url(self, chain: Chain, url: str, next_page: str) -> str | None:
        """A resumption request carries only the verb and the token."""
        query = urlencode({"verb": "ListRecords", "resumptionToken": next_page})
        return f"{url.split('?', 1)[0]}?{query}"
