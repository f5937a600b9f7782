"""EPO OPS: an OAuth client-credentials token, then published-data search/biblio per domain,
paged with `Range`. The key, secret and token are added at download time and never stored."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.middlewares import with_params
from crawlers.parsers.patents_epo_ops import OPS_SEARCH_LIMIT
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import code_prefixes
from crawlers.spiders.windows import Window

#: OPS returns at most 100 documents per search request.
OPS_MAX_RANGE = 100


def class_query(prefixes: list[tuple[str, str]]) -> str:
    """CQL for any of the classes: `(cpc=H01L or ic=H01L)`."""
    parts = []
    for scheme, prefix in prefixes:
        if scheme in ("cpc", "both"):
            parts.append(f"cpc={prefix}")
        if scheme in ("ipc", "both"):
            parts.append(f"ic={prefix}")
    return "(" + " or ".join(dict.fromkeys(parts)) + ")"


def cql_query(prefixes: list[tuple[str, str]], since: Any, until: Any) -> str:
    """CQL: any of the classes, published in the window."""
    return f'{class_query(prefixes)} and pd within "{since:%Y%m%d} {until:%Y%m%d}"'


class EpoOpsSpider(SourceSpider):
    """Biblio search per domain's CPC/IPC classes."""

    name = "patents_epo_ops"
    paging = "range"
    page_param = "Range"
    #: OPS serves the first 2,000 hits of a search (its documentation; EPO forum, "CLIENT.
    #: InvalidQuery when X-OPS-Range > 2000"): a search announcing more is split by `pd within`.
    result_cap = OPS_SEARCH_LIMIT

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token: str | None = None

    def plan(self) -> list[Chain]:
        """One search per domain with patent classes."""
        size = min(self.config.page_size, OPS_MAX_RANGE)
        chains = []
        for domain in self.taxonomy.domains:
            prefixes = code_prefixes(domain)
            if not prefixes:
                continue
            query = {"q": cql_query(prefixes, self.since, self.until), "Range": f"1-{size}"}
            url = f"{self.base_url}/rest-services/published-data/search/biblio?{urlencode(query)}"
            chains.append(Chain(key=domain.slug, url=url, domain=domain.slug,
                                window=(self.since, self.until), family=domain.slug,
                                options={"classes": class_query(prefixes)}))  # fmt: skip
        return chains

    def window_url(self, chain: Chain, window: Window) -> str:
        """The same classes published in another window."""
        query = f'{chain.options["classes"]} and pd within "{window[0]:%Y%m%d} {window[1]:%Y%m%d}"'
        return with_params(chain.url, {"q": query})

    @property
    def auth_header(self) -> str | None:
        """Bearer token once obtained."""
        return f"Bearer {self.token}" if self.token else None

    async def start(self) -> AsyncIterator[Any]:
        """Ask for a token first when credentials are given, else search anonymously."""
        self.output.write_summary(finished=False, reason="running")
        key, secret = self.credentials.get("key"), self.credentials.get("secret")
        if key and secret:
            yield Request(
                f"{self.base_url}/auth/accesstoken",
                method="POST",
                body=b"grant_type=client_credentials",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                callback=self.on_token,
                errback=self.on_error,
                meta={"no_raw": True, "basic_auth": True},
                dont_filter=True,
            )
            return
        for request in self.start_chains():
            yield request

    @property
    def basic_auth(self) -> str | None:
        """`Basic base64(key:secret)` for the token request."""
        key, secret = self.credentials.get("key"), self.credentials.get("secret")
        if not (key and secret):
            return None
        return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def on_token(self, response: Response) -> Iterator[Any]:
        """Keep the token in memory only, then start the searches."""
        try:
            token = json.loads(response.body).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            self.output.add_error("OAuth token request gave no access_token")
        else:
            self.token = str(token)
            if self.secret_filter is not None:
                self.secret_filter.add(self.token)
        yield from self.start_chains()
