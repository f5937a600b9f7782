"""EPO OPS: an OAuth client-credentials token, then published-data search/biblio per domain,
paged with `Range` and split by publication date where a search announces more than the 2,000
hits OPS serves. A token refused as expired is renewed and the request sent again once;
X-Throttling-Control paces the source. The key, secret and token are added at download time and
never stored."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.middlewares import with_params
from crawlers.parsers.patents_epo_ops import OPS_SEARCH_LIMIT
from crawlers.spiders.base import Chain, SourceSpider
from crawlers.spiders.terms import code_prefixes
from crawlers.spiders.windows import Window

#: OPS returns at most 100 documents per search request.
OPS_MAX_RANGE = 100
#: What OPS answers (400, or 401) to a request whose access token has expired or is not valid: the
#: message python-epo-ops-client checks (`invalid_access_token`), the older "Access token has
#: expired" description, and the OAuth error name.
TOKEN_FAULTS = (b"invalid_access_token", b"access token has expired", b"access_token_expired")
#: A token this recent is taken as the renewed one (a request refused with the old one is resent).
TOKEN_FRESH_SECONDS = 10.0
#: Pause when OPS says `black` without Retry-After.
BLACK_PAUSE_SECONDS = 60.0
#: URL patterns → OPS throttling service, most specific first (python-epo-ops-client).
OPS_SERVICES = (
    ("classification/cpc/media", "images"), ("family", "inpadoc"), ("legal", "inpadoc"),
    ("published-data/images", "images"), ("published-data/search", "search"),
    ("published-data", "retrieval"),
)  # fmt: skip


#: A taxonomy code pattern: section, class or subclass, then a main group, then a subgroup (its
#: digits may be cut short, `G06F30/3`, or missing, `C12N15/`), as nlp/codes.py reads them.
CODE_PATTERN = re.compile(
    r"(?P<sub>[A-HY](?:\d{2}[A-Z]?)?)(?:(?P<group>\d{1,4})(?:/(?P<digits>\d*))?)?"
)


def ops_class_terms(scheme: str, prefix: str) -> list[str]:
    """OPS CQL terms for a taxonomy code pattern, by full symbol (OPS RESTful Web Services
    Reference Guide v3.2, appendix 4.2, CQL index catalogue, as quoted in ip-tools/patzilla
    `patzilla/util/cql/pyparsing/test/15_ops.rst`: "a relational qualifier (=/low, =/high, =/same)
    can be used with CPC classification indices only"; unverified live, see docs/sources.md).

    CPC: `cpc=/low SYMBOL`, the symbol and everything below it (`cpc=/low A01B` is the guide's own
    example; the `/low` relation qualifier is for CPC indices only). A whole subclass is
    `H01L`, a main group `H01L21/00`, a subgroup `A61B34/30`. IPC: `ic=SYMBOL`, where `/low` is not
    available: a subclass (`H01L`) or a main group without its `/00` (`C12N15`) for the whole of
    it; a subgroup by its full symbol, without its children. A cut-short subgroup (`G06F30/3`) is
    not a symbol: it is widened to its main group, which over-fetches; domain assignment then keeps
    only the codes the pattern matches."""
    match = CODE_PATTERN.fullmatch(prefix)
    if match is None:
        raise ValueError(f"{prefix!r} is not a CPC/IPC code pattern")
    sub, group, digits = match["sub"], match["group"], match["digits"]
    if group is None:
        cpc, ipc = sub, sub
    elif digits is None or len(digits) < 2:  # a main group, or a cut-short subgroup: widened
        cpc, ipc = f"{sub}{group}/00", f"{sub}{group}"
    else:
        cpc = ipc = f"{sub}{group}/{digits}"
    terms = []
    if scheme in ("cpc", "both"):
        terms.append(f"cpc=/low {cpc}")
    if scheme in ("ipc", "both"):
        terms.append(f"ic={ipc}")
    return terms


def _covered(term: str, wider: str) -> bool:
    """Whether a `cpc=/low` term lies in the subtree of another one (a subclass or main group)."""
    if not (term.startswith("cpc=/low ") and wider.startswith("cpc=/low ")) or term == wider:
        return False
    inner, outer = term.removeprefix("cpc=/low "), wider.removeprefix("cpc=/low ")
    if outer.endswith("/00"):  # a main group holds its subgroups
        return inner.startswith(outer.removesuffix("00")) and not inner.endswith("/00")
    return "/" not in outer and inner.startswith(outer)


def class_query(prefixes: list[tuple[str, str]]) -> str:
    """CQL for any of the classes: `(cpc=/low H01L or ic=H01L)`; a CPC term inside the subtree of
    another of the same query is left out."""
    terms = list(
        dict.fromkeys(t for scheme, prefix in prefixes for t in ops_class_terms(scheme, prefix))
    )
    kept = [t for t in terms if not any(_covered(t, w) for w in terms)]
    return "(" + " or ".join(kept) + ")"


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
        #: Requests refused for their token, waiting for the new one.
        self.waiting: list[Request] = []
        self.renewing = False
        self.renewed_at = float("-inf")

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
        if self.basic_auth:
            yield self.token_request(self.on_token)
            return
        for request in self.start_chains():
            yield request

    def token_request(self, callback: Any) -> Request:
        """The OAuth client-credentials request (its body, a secret, is never stored)."""
        return Request(
            f"{self.base_url}/auth/accesstoken",
            method="POST",
            body=b"grant_type=client_credentials",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            callback=callback,
            errback=self.on_token_error,
            meta={"no_raw": True, "basic_auth": True},
            dont_filter=True,
        )

    @property
    def basic_auth(self) -> str | None:
        """`Basic base64(key:secret)` for the token request."""
        key, secret = self.credentials.get("key"), self.credentials.get("secret")
        if not (key and secret):
            return None
        return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def take_token(self, response: Response) -> None:
        """Keep the token in memory only (and out of every log line)."""
        try:
            token = json.loads(response.body).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            self.output.add_error("OAuth token request gave no access_token")
            return
        self.token = str(token)
        if self.secret_filter is not None:
            self.secret_filter.add(self.token)

    def on_token(self, response: Response) -> Iterator[Any]:
        """Keep the token, then start the searches."""
        self.take_token(response)
        yield from self.start_chains()

    def on_token_error(self, failure: Failure) -> Iterator[Any]:
        """No token: every query waiting for one fails with the reason (none is sent)."""
        what = f"HTTP {failure.value.response.status}" if failure.check(HttpError) else (
            failure.type.__name__ if failure.type else "error")  # fmt: skip
        message = f"OAuth token request failed: {what}"
        self.output.add_error(message)
        self.logger.warning(message)
        waiting, self.waiting = self.waiting, []
        keys = [r.meta["chain"] for r in waiting if r.meta.get("chain")]
        if not self.chains:  # the first token: none of the planned queries can start
            self.chains = {c.key: c for c in self.plan()}
            keys = list(self.chains)
        for key in keys:
            self.output.fail_chain(key, message)
        self.renewing = False
        return iter(())

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """A request refused for an expired or invalid token is sent again once, with a new one."""
        request = failure.request  # type: ignore[attr-defined]
        if (
            failure.check(HttpError)
            and self.basic_auth
            and not request.meta.get("token_renewed")
            and is_token_fault(failure.value.response.status, failure.value.response.body)
        ):
            yield from self.renew_token(request)
            return
        yield from super().on_error(failure)

    def renew_token(self, request: Request) -> Iterator[Any]:
        """Hold the request until a new token comes (one token request for all that wait); a
        token got in the last seconds is taken as the new one already."""
        again = request.replace(dont_filter=True)
        again.meta["token_renewed"] = True
        if time.monotonic() - self.renewed_at < TOKEN_FRESH_SECONDS:
            yield again
            return
        self.waiting.append(again)
        if not self.renewing:
            self.renewing = True
            self.logger.info("OPS access token expired or invalid: asking for a new one")
            yield self.token_request(self.on_renewed)

    def on_renewed(self, response: Response) -> Iterator[Any]:
        """Keep the new token and send the held requests again."""
        self.take_token(response)
        self.renewing, self.renewed_at = False, time.monotonic()
        waiting, self.waiting = self.waiting, []
        yield from waiting

    def pacing_from(self, response: Response) -> tuple[float | None, float | None] | None:
        """X-Throttling-Control: the search service's requests per minute space the source's
        requests; `black` (or a limit of 0) stops it for Retry-After milliseconds (60 s if absent)."""
        header = response.headers.get(b"X-Throttling-Control")
        if not header:
            return None
        color, limit = parse_throttling(header.decode("latin-1")).get(
            ops_service(response.url), (None, None)
        )
        if color is None:
            return None
        if color == "black" or not limit:
            told = response.headers.get(b"Retry-After") or b""
            return (int(told) / 1000 if told.isdigit() else BLACK_PAUSE_SECONDS), None
        return None, 60.0 / limit


def is_token_fault(status: int, body: bytes) -> bool:
    """Whether OPS refused a request for its access token (expired or not valid)."""
    return status in (400, 401) and any(fault in body.lower() for fault in TOKEN_FAULTS)


def parse_throttling(header: str) -> dict[str, tuple[str, int]]:
    """`busy (search=yellow:10, retrieval=green:100)` → {"search": ("yellow", 10), …}."""
    return {
        service: (color.lower(), int(limit))
        for service, color, limit in re.findall(r"(\w+)=(\w+):(\d+)", header)
    }


def ops_service(url: str) -> str:
    """The OPS throttling service a URL counts against (python-epo-ops-client's URL patterns)."""
    for pattern, service in OPS_SERVICES:
        if f"rest-services/{pattern}" in url:
            return service
    return "other"
