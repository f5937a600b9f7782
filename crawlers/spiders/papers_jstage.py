"""J-STAGE WebAPI article search (`/searchapi/do?service=3`), one query per sub-technology's
Japanese name in article titles, in the window's publication years, paged by `start`.

Checked (search tool; the JST manual itself, a PDF linked from
https://www.jstage.jst.go.jp/static/pages/JstageServices/TAB3/-char/ja, was not readable here):
* `service=3`, `pubyearfrom` / `pubyearto` (YYYY), `article` (title, partial match), `start`,
  `count`: jstager 0.0.6 (CRAN, https://rdrr.io/cran/jstager/src/R/get_jstage_volumes.R,
  `get_jstage`) sends them by these names to https://api.jstage.jst.go.jp/searchapi/do; the
  j_staget client (github.com/HirokiMiyabe/j_staget, client.py) pages with `start` from 1 in steps
  of `count`, at most 1000 ("up to 1000 for service=3").
* A search with no hits answers status `ERR_001` (jstager: "検索結果は0件です"); the parser
  reads it as an empty page.
* No key: the WebAPI terms (https://www.jstage.jst.go.jp/static/pages/WebAPI/-char/ja) need no
  application for non-commercial use.
Unverified: whether `article` takes several words (AND? OR?), so each query is one term; the
`sortflg` values (not sent); a cap on `start`; a published rate limit (none found: the clients
found wait 1-5 s; 1 request / 3 s here) and api.jstage.jst.go.jp's robots.txt.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import subtech_names

#: Largest `count` the WebAPI serves in one answer.
MAX_COUNT = 1000


class JstageSpider(SourceSpider):
    """`/searchapi/do?service=3&article=…&pubyearfrom=…&pubyearto=…&start=1&count=…`."""

    name = "papers_jstage"
    paging = "start"
    page_param = "start"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """One title query per sub-technology: its first Japanese term (one term per query)."""
        chains = []
        for domain in self.taxonomy.domains:
            for subtech, term in subtech_names(domain, "ja"):
                query = {
                    "service": "3",
                    "article": term,
                    "pubyearfrom": str(self.since.year),
                    "pubyearto": str(self.until.year),
                    "start": "1",
                    "count": str(min(self.config.page_size, MAX_COUNT)),
                }
                url = f"{self.base_url}/searchapi/do?{urlencode(query)}"
                chains.append(Chain(key=f"{domain.slug}:{subtech}", url=url,
                                    domain=domain.slug))  # fmt: skip
        return chains
