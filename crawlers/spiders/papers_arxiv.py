"""The arXiv API (Atom): per domain, its categories in the date window, paged by `start`."""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider


class ArxivSpider(SourceSpider):
    """`/api/query?search_query=cat:… AND submittedDate:[…]&start=…&max_results=…`."""

    name = "papers_arxiv"
    paging = "start"
    page_param = "start"

    def plan(self) -> list[Chain]:
        """One query per domain with arXiv categories."""
        window = f"submittedDate:[{self.since:%Y%m%d}0000 TO {self.until:%Y%m%d}2359]"
        chains = []
        for domain in self.taxonomy.domains:
            if not domain.arxiv:
                continue
            cats = " OR ".join(f"cat:{c}" for c in domain.arxiv)
            query = {
                "search_query": f"({cats}) AND {window}",
                "start": "0",
                "max_results": str(min(self.config.page_size, 2000)),
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
            url = f"{self.base_url}/api/query?{urlencode(query, safe=':[]')}"
            chains.append(Chain(key=domain.slug, url=url, domain=domain.slug))
        return chains
