"""European Commission Press Corner: the presscorner RSS API searched per domain term and month
(press releases, English).

No documentation of the RSS API was found (the Press Corner publishes none; `search` found only
third-party code). What is sent is what the harvester of the recorded index (JommeDesair/CDAscraper,
`download_press.py`) sent: `GET /commission/presscorner/api/rss` with `language=en`,
`documenttype=1` (press releases, `IP`), `text`, `datefrom`/`dateto` as DDMMYYYY and `pagesize=100`,
one calendar month a query so that a month stays under one page; other feed readers ask the same
path with `language=en` only. Unverified: every parameter (that harvester's URL carried a stray
`?`, so even `language` may not have been read), whether `pagesize` above 100 or a page parameter
exist (none is sent: a month with 100 results may hold more), the answer's guid form, rate limits
(none published; one request a second is kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms

RSS_PATH = "/commission/presscorner/api/rss"
#: What a query asks for at most (the harvester's page size).
PAGE_SIZE = 100


def month_windows(since: dt.date, until: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """Calendar months covering [since, until], the first and last cut to the window."""
    start = since
    while start <= until:
        following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        yield start, min(following - dt.timedelta(days=1), until)
        start = following


class EuPresscornerSpider(SourceSpider):
    """One single-page query per domain term and month; hits naming a taxonomy term are kept."""

    name = "policy_eu_presscorner"
    queries_by_term = True
    paging = "none"
    #: as the Press Corner's feed read by policy_feed: a search hit is kept when its title or
    #: text names a taxonomy term (the search also matches words of the body, which is not read)
    term_matched = True

    def plan(self) -> list[Chain]:
        """Every sub-technology's first English term in every month of the window."""
        chains = []
        size = str(min(self.config.page_size, PAGE_SIZE))
        for domain in self.taxonomy.domains:
            for i, term in enumerate(query_terms(domain, "en")):
                for start, end in month_windows(self.since, self.until):
                    pairs = [("language", "en"), ("documenttype", "1"), ("text", term),
                             ("datefrom", f"{start:%d%m%Y}"), ("dateto", f"{end:%d%m%Y}"),
                             ("pagesize", size)]  # fmt: skip
                    url = f"{self.base_url}{RSS_PATH}?{urlencode(pairs)}"
                    key = f"{domain.slug}:{i}:{start:%Y-%m}"
                    chains.append(Chain(key=key, url=url, domain=domain.slug))
        return chains
