"""CiNii Research OpenSearch (`/opensearch/{articles,dissertations}`, JSON-LD), per domain its
sub-technologies' Japanese names OR-ed, in the window's publication months, paged by `start`.

Checked against "CiNii ResearchのOpenSearch" (https://support.nii.ac.jp/ja/cir/r_opensearch,
English at /en/cir/r_opensearch; found with the search tool):
* search types `articles` and `dissertations` (`books`, `data`, `projects` are not asked: not papers);
* `appid` required for every search type (from CINII_APPID, added at download time, never stored;
  obtained at https://support.nii.ac.jp/ja/cinii/api/developer);
* `format=json` (JSON-LD); `count` 1-200 (201 and more read as 200); `start` a natural number,
  default 1; `from` / `until` as YYYY or YYYYMM; `sortorder=0` newest publication (or degree) year
  first; `q` free word, several words AND-ed.
* OR in `q`: the same site states for its OpenSearch fields that take an expression that AND / OR /
  NOT are written in capitals with a blank either side (r_opensearch_lib, the library search);
  that `q` of /opensearch/articles reads OR the same way is assumed, not stated.
Unverified: the JSON-LD answer of CiNii Research itself (no recording exists; the parser follows
the legacy recordings and a client's type definitions: items at the top level, `dc:type`,
`dc:identifier` typed `cir:DOI`/`cir:NAID`); how deep `start` may go; a published rate limit (none
found; 1 request / 3 s here) and cir.nii.ac.jp's robots.txt.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import query_terms

#: Search types read as papers.
SEARCH_TYPES = ("articles", "dissertations")
#: Largest `count` CiNii Research serves.
MAX_COUNT = 200


def or_query(terms: list[str]) -> str:
    """Terms OR-ed the way CiNii reads `q` (operators in capitals with blanks; a term holding a
    blank is quoted, which the documentation does not state)."""
    picked = list(dict.fromkeys(t for t in terms if t))
    return " OR ".join(f'"{t}"' if " " in t else t for t in picked)


class CiniiSpider(SourceSpider):
    """`/opensearch/{type}?q=…&format=json&count=…&start=1&from=YYYYMM&until=YYYYMM&sortorder=0`."""

    name = "papers_cinii"
    paging = "start"
    page_param = "start"
    queries_by_term = True

    def plan(self) -> list[Chain]:
        """Per domain and search type: one query naming each sub-technology once."""
        chains = []
        for domain in self.taxonomy.domains:
            terms = query_terms(domain, "ja")
            if not terms:
                continue
            for kind in SEARCH_TYPES:
                query = {
                    "q": or_query(terms),
                    "format": "json",
                    "count": str(min(self.config.page_size, MAX_COUNT)),
                    "start": "1",
                    "from": f"{self.since:%Y%m}",
                    "until": f"{self.until:%Y%m}",
                    "sortorder": "0",
                }
                url = f"{self.base_url}/opensearch/{kind}?{urlencode(query)}"
                chains.append(Chain(key=f"{domain.slug}:{kind}", url=url, domain=domain.slug))
        return chains

    @property
    def query_credentials(self) -> dict[str, str]:
        """CiNii Research reads the application ID from `appid`."""
        return {"appid": self.credentials["appid"]} if self.credentials.get("appid") else {}
