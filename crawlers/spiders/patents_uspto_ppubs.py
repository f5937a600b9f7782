"""USPTO Patent Public Search: a session, then searchWithBeFamily per domain's CPC classes.

The page start travels in the URL fragment (never sent) so checkpoints and resumes stay URL-based;
the JSON body is rebuilt from it for each request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Request, Response

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import code_prefixes

#: The routes of the recorded exchanges (older clients used `/dirsearch-public/…`).
SEARCH_PATH = "/api/searches/searchWithBeFamily"
SESSION_PATH = "/api/users/me/session"


def search_body(query: str, start: int, size: int) -> dict[str, Any]:
    """The JSON body ppubs expects for one page of a BRS query."""
    return {
        "start": start,
        "pageCount": size,
        "sort": "date_publ desc",
        "docFamilyFiltering": "familyIdFiltering",
        "searchType": 1,
        "familyIdEnglishOnly": True,
        "familyIdFirstPreferred": "US-PGPUB",
        "familyIdSecondPreferred": "USPAT",
        "familyIdThirdPreferred": "FOR",
        "showDocPerFamilyPref": "showEnglish",
        "queryId": 0,
        "tagDocSearch": False,
        "query": {
            "caseId": 1, "hl_snippets": "2", "op": "OR", "q": query, "queryName": query,
            "highlights": "0", "qt": "brs", "spellCheck": False, "viewName": "tile",
            "plurals": True, "britishEquivalents": True, "searchType": 1, "ignorePersist": True,
            "userEnteredQuery": query,
            "databaseFilters": [
                {"databaseName": "USPAT", "countryCodes": []},
                {"databaseName": "US-PGPUB", "countryCodes": []},
            ],
        },
    }  # fmt: skip


class UsptoPpubsSpider(SourceSpider):
    """Paged by the `start` index the parser returns."""

    name = "patents_uspto_ppubs"
    paging = "start"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token: str | None = None

    def plan(self) -> list[Chain]:
        """One BRS query per domain with CPC classes."""
        window = f"@PD>={self.since:%Y%m%d}<={self.until:%Y%m%d}"
        chains = []
        for domain in self.taxonomy.domains:
            cpcs = [p for s, p in code_prefixes(domain) if s in ("cpc", "both")]
            if not cpcs:
                continue
            query = f"({' OR '.join(cpcs)}).CPC. AND {window}"
            url = f"{self.base_url}{SEARCH_PATH}#q={quote(query)}&start=0"
            chains.append(
                Chain(
                    key=domain.slug,
                    url=url,
                    domain=domain.slug,
                    method="POST",
                    options={"query": query},
                )
            )
        return chains

    def chain_request(self, chain: Chain, url: str) -> Request:
        """POST the search body for the start index in the URL fragment."""
        start = int(url.rsplit("start=", 1)[-1]) if "start=" in url else 0
        size = min(self.config.page_size, 500)
        body = search_body(chain.options["query"], start, size)
        return Request(
            url,
            method="POST",
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            callback=self.parse_page,
            errback=self.on_error,
            meta={"chain": chain.key, "page_url": url},  # the response URL loses the #fragment
            dont_filter=True,
        )

    def next_url(self, chain: Chain, url: str, next_page: str) -> str | None:
        """Same endpoint, next start index."""
        return (
            f"{url.split('&start=', 1)[0]}&start={int(next_page)}" if next_page.isdigit() else None
        )

    @property
    def extra_headers(self) -> dict[str, str]:
        """The session token header, added at download time."""
        return {"X-Access-Token": self.token} if self.token else {}

    async def start(self) -> AsyncIterator[Any]:
        """Open a session, then search."""
        self.output.write_summary(finished=False, reason="running")
        yield Request(
            f"{self.base_url}{SESSION_PATH}",
            method="POST",
            body=b"-1",
            headers={"Content-Type": "application/json"},
            callback=self.on_session,
            errback=self.on_session_error,
            meta={"no_raw": True},
            dont_filter=True,
        )

    def on_session(self, response: Response) -> Iterator[Any]:
        """Keep the session token in memory and start the searches."""
        token = response.headers.get(b"X-Access-Token")
        if token:
            self.token = token.decode("latin-1")
            if self.secret_filter is not None:
                self.secret_filter.add(self.token)
        yield from self.start_chains()

    def on_session_error(self, failure: Any) -> Iterator[Any]:
        """Without a session, try the searches anyway (they fail loudly if it was needed)."""
        self.output.add_error(f"ppubs session: {failure.type.__name__}")
        yield from self.start_chains()
