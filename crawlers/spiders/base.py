"""The declarative base spider: a source is a plan of paged queries, a paging rule and a parser.

A subclass says which queries to ask (`plan`, built from the taxonomy and the date window) and how
a parser's `next_page` becomes the next URL (`paging` and `page_param`); the base does the rest:
parse with the source's pure parser, quarantine what fails, keep the record cap, checkpoint each
query chain after its page is written, and resume from the checkpoint after an interruption.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.items import PageItem
from crawlers.middlewares import crawl_secrets, mask_url, redact_url, secret_forms, with_params
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.registry import get_parser
from crawlers.pipelines import CrawlOutput, stop_crawl
from crawlers.spiders.terms import TermMatcher
from crawlers.spiders.windows import CappedWindows, Window, parse_window
from horizon.config.sources import SourceConfig
from horizon.config.taxonomy import Taxonomy
from horizon.schemas import Record, Sharing
from horizon.write_errors import find_write_error

#: Pages one chain may fetch: five times what the largest record cap needs at the smallest page
#: size (20,000 records, 100 a page); a chain still announcing more after that is stopped.
MAX_PAGES_PER_CHAIN = 1_000
#: Pages in a row that bring no record new to the crawl before a chain is judged to go round.
MAX_BARREN_PAGES = 50
#: Times a page that came back empty, though more results were announced, is asked again.
EMPTY_PAGE_RETRIES = 3


@dataclass(frozen=True)
class Chain:
    """One paged query: a stable key, its first page, and the context its pages parse with."""

    key: str
    url: str
    domain: str | None = None
    method: str = "GET"
    body: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    sharing: Sharing | None = None
    #: Dates the query asks for, where the source caps its hits (the window is split over it).
    window: Window | None = None
    #: Key of the planned query this chain is a part of (its own key for a planned one).
    family: str | None = None


@dataclass
class PagingTrail:
    """What one chain has fetched in this run, to tell a paging loop from progress."""

    urls: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    barren: int = 0


def rebase(url: str, base_url: str) -> str:
    """The URL moved onto another origin (scheme, host, port), keeping path and query."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc))


def query_of(next_url: str, current: str) -> str:
    """The current endpoint with the query string of a next-page URL (any host)."""
    return urlunsplit(urlsplit(current)._replace(query=urlsplit(next_url).query))


def or_terms(terms: Iterable[str], limit: int = 12) -> str:
    """Terms as a quoted OR query (`"a" OR "b"`), at most `limit` of them."""
    picked = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))[:limit]
    return " OR ".join(f'"{t}"' if " " in t or "-" in t else t for t in picked)


class SourceSpider(CappedWindows, scrapy.Spider):
    """Base of every source spider; subclasses declare `name`, `plan()` and the paging rule."""

    name: ClassVar[str] = ""  # type: ignore[misc]
    #: cursor | start | range | token | next_url | none
    paging: ClassVar[str] = "cursor"
    #: Query parameter the cursor / start index / range goes into.
    page_param: ClassVar[str] = "cursor"
    #: Whether its queries search for taxonomy terms (not codes or categories): such a source must
    #: reach every sub-technology (`horizon crawl SOURCE --plan` counts them).
    queries_by_term: ClassVar[bool] = False
    #: Keep only records naming a taxonomy term (sources whose answers are not about the terms).
    term_matched: ClassVar[bool] = False
    #: Statuses the source answers rate limits with besides 429/503: paused for and retried.
    rate_limit_statuses: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        *,
        config: SourceConfig,
        taxonomy: Taxonomy,
        output: CrawlOutput,
        since: dt.date,
        until: dt.date,
        max_records: int | None = None,
        base_url: str | None = None,
        credentials: dict[str, str] | None = None,
        replay: bool = False,
        term_filter: bool = True,
        secret_filter: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=self.name, **kwargs)
        self.config = config
        self.taxonomy = taxonomy
        self.output = output
        self.since = since
        self.until = until
        self.max_records = max_records or config.max_records
        self.base_url = (base_url or config.base_url).rstrip("/")
        self.credentials = dict(credentials or {})
        self.replay = replay
        self.term_filter = term_filter
        self.secret_filter = secret_filter
        self.parser = get_parser(self.name)
        self.seen: set[str] = set(output.record_ids)
        self.processed: set[tuple[str, str]] = set()
        self.chains: dict[str, Chain] = {}
        self.capped = False
        self.matcher: TermMatcher | None = None
        self.filtered: set[str] = set()
        self.trails: dict[str, PagingTrail] = {}
        self.paging_stopped = False

    def redact(self, url: str) -> str:
        """A URL safe to write: credential parameters and every secret of the crawl masked (a
        server may echo a key into a URL under any name)."""
        return redact_url(mask_url(url, secret_forms(crawl_secrets(self))))

    # -- what to ask (subclasses) ---------------------------------------------------------------
    def plan(self) -> list[Chain]:
        """The paged queries of one scan (pure: config, taxonomy, date window)."""
        raise NotImplementedError

    def next_url(self, chain: Chain, url: str, next_page: str) -> str | None:
        """The URL of the page after `url`, given the parser's next-page pointer."""
        if self.paging in ("cursor", "start"):
            return with_params(url, {self.page_param: next_page})
        if self.paging == "range":
            if next_page.isdigit():
                first = int(next_page)
                next_page = f"{first}-{first + self.config.page_size - 1}"
            return with_params(url, {self.page_param: next_page})
        if self.paging == "next_url":
            return query_of(next_page, url)
        return None

    def pacing_from(self, response: Response) -> tuple[float | None, float | None] | None:
        """Seconds to pause the source and least seconds between its requests, as its own
        headers ask (None: they ask nothing)."""
        return None

    # -- requests -------------------------------------------------------------------------------
    @property
    def query_credentials(self) -> dict[str, str]:
        """Query parameters the credentials middleware adds at download time."""
        return {}

    #: Authorization header value the credentials middleware adds at download time.
    auth_header: str | None = None
    #: Further secret headers added at download time.
    extra_headers: ClassVar[dict[str, str]] = {}

    def chain_request(self, chain: Chain, url: str) -> Request:
        """A request for one page of a chain."""
        body = json.dumps(chain.body).encode() if chain.body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        return Request(
            url,
            method=chain.method,
            body=body,
            headers=headers,
            callback=self.parse_page,
            errback=self.on_error,
            meta={"chain": chain.key, "page_url": url},
            dont_filter=True,
        )

    def start_chains(self) -> Iterator[Request]:
        """First (or resumed) request of every planned chain not finished yet; a chain whose
        window was split resumes as its parts."""
        for chain in self.plan():
            yield from self.resume_chain(chain)

    def resume_chain(self, chain: Chain) -> Iterator[Request]:
        """The request a chain goes on with (none when done), or those of its window's parts."""
        self.chains[chain.key] = chain
        state = self.output.chains.get(chain.key) or {}
        if state.get("split"):
            for pair in state["split"]:
                yield from self.resume_chain(self.window_chain(chain, parse_window(pair)))
            return
        if state.get("done"):
            return
        url = state.get("next_url") or chain.url
        if self.replay:  # a resumed replay may be served from another port
            url = rebase(url, self.base_url)
        yield self.chain_request(chain, url)

    async def start(self) -> AsyncIterator[Any]:
        """Scrapy's entry point."""
        self.output.write_summary(finished=False, reason="running")
        for request in self.start_chains():
            yield request

    # -- parsing --------------------------------------------------------------------------------
    def context(self, response: Response, chain: Chain | None, **options: Any) -> ParseContext:
        """The parse context of a response: provenance, label and the chain's options."""
        meta = response.meta
        sha = meta.get("raw_sha256") or hashlib.sha256(response.body).hexdigest()
        fetched = meta.get("fetched_at")
        content_type = response.headers.get(b"Content-Type")
        return ParseContext(
            source=self.name,
            url=self.redact(response.url),
            fetched_at=dt.datetime.fromisoformat(fetched)
            if fetched
            else dt.datetime.now(dt.UTC).replace(tzinfo=None),
            raw_sha256=sha,
            sharing=(chain.sharing if chain and chain.sharing else self.config.sharing),
            content_type=content_type.decode("latin-1") if content_type else None,
            options={**(chain.options if chain else {}), **options},
        )

    def run_parser(
        self, body: bytes, ctx: ParseContext, parser: Any = None
    ) -> tuple[ParseResult, bool]:
        """Parse a body; one that cannot be parsed becomes a single reject (second value True)."""
        try:
            result = (parser or self.parser)(body, ctx)
            if result.rejects_dropped:  # refused beyond what a body keeps: counted, not lost
                self.output.counts["quarantined"] += result.rejects_dropped
                self.output.add_error(
                    f"{result.rejects_dropped} further items refused in {self.redact(ctx.url)[:300]}"
                )
            return result, False
        except ParseError as exc:
            reason = str(exc) or "unparseable body"
        except Exception as exc:  # a parser bug must not stop the crawl
            reason = f"parser failed: {exc.__class__.__name__}: {exc}"
        result = ParseResult()
        result.reject(ctx, reason.splitlines()[0][:500] if reason.strip() else "unparseable body")
        return result, True

    def keep(self, records: list[Record]) -> list[Record]:
        """New records within the cap (a record seen earlier in this crawl is dropped)."""
        fresh = []
        for record in records:
            if record.record_id in self.seen:
                continue
            if len(self.seen) >= self.max_records:
                self.capped = True
                break
            self.seen.add(record.record_id)
            fresh.append(record)
        if len(self.seen) >= self.max_records:
            self.capped = True
        return fresh

    def filter_records(self, records: list[Record], chain: Chain) -> list[Record]:
        """Where the source says `term_matched`, keep the records that name a taxonomy term (title
        or text); the others are counted as `filtered`."""
        if not (self.term_matched and self.term_filter):
            return records
        if self.matcher is None:
            self.matcher = TermMatcher(self.taxonomy)
        kept = []
        for record in records:
            if self.matcher.matches(f"{record.title}\n{record.text}"):
                kept.append(record)
            else:
                self.filtered.add(record.record_id)
        self.output.counts["filtered"] = len(self.filtered - self.seen)
        return kept

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Parse one page of a chain; yield its page item, followed pages and the next page."""
        chain = self.chains[response.meta["chain"]]
        page_url = response.meta.get("page_url") or response.url  # keeps a #page fragment
        if (chain.key, page_url) in self.processed:
            return  # a duplicate of a page already handled in this run (restored queue)
        self.processed.add((chain.key, page_url))
        ctx = self.context(response, chain)
        result, failed = self.run_parser(response.body, ctx)
        if result.announced_more and not result.records and not result.rejects:
            yield from self.empty_page(response, chain, page_url, result.total)
            return
        novel = sum(r.record_id not in self.seen and r.record_id not in self.filtered
                    for r in result.records)  # fmt: skip
        records = self.keep(self.filter_records(result.records, chain))
        parts = self.split_parts(chain, page_url, result.total)
        nxt, stopped = None, None
        if (
            parts is None
            and result.next_page
            and not self.capped
            and (result.records or result.rejects)
        ):
            nxt = self.next_url(chain, page_url, result.next_page)
            stopped = self.paging_stop(chain, page_url, result, novel, nxt)
        held, follows = self.follow_requests(response, chain, result, records)
        if failed:
            self.output.add_error(
                f"{chain.key}: {result.rejects[0].reason} at {self.redact(ctx.url)[:300]}"
            )
        yield PageItem(
            url=ctx.url,
            records=[r for r in records if r.record_id not in held],
            rejects=result.rejects,
            chain=chain.key,
            next_url=nxt,
            next_page=result.next_page if nxt else None,
            ended=not failed,
            stopped=stopped,
            hits=len(result.records) + len(result.rejects),
        )
        yield from follows
        if nxt and not stopped:
            yield self.chain_request(chain, nxt)
        for part in parts if parts and not self.capped else []:  # capped: kept for a resume
            self.chains[part.key] = part
            yield self.chain_request(part, part.url)

    def paging_stop(
        self, chain: Chain, page_url: str, result: ParseResult, novel: int, nxt: str | None
    ) -> str | None:
        """Why a chain stops although its page points further (a pointer or page seen before in
        this chain, pages bringing nothing new, the page limit), or None; logged and counted."""
        if nxt is None:
            return None
        trail = self.trails.setdefault(chain.key, PagingTrail())
        trail.urls.add(page_url)
        pages = int((self.output.chains.get(chain.key) or {}).get("pages", 0)) + 1
        ids = sorted(r.record_id for r in result.records)
        digest = hashlib.sha256("\x1f".join(ids).encode()).hexdigest() if ids else ""
        trail.barren = 0 if novel else trail.barren + 1
        pointer = self.redact(str(result.next_page))[:80]
        why = None
        if nxt in trail.urls:
            why = f"paging loop: page {pages} points back to a page already fetched ({pointer!r})"
        elif digest and digest in trail.pages:
            why = f"paging loop: page {pages} repeats the records of an earlier page"
        elif trail.barren >= MAX_BARREN_PAGES:
            why = f"paging stopped: {trail.barren} pages in a row brought no new record"
        elif pages >= MAX_PAGES_PER_CHAIN:
            why = f"paging stopped at the {MAX_PAGES_PER_CHAIN}-page limit with more announced"
        trail.pages.add(digest)
        if pages % 100 == 0:
            self.logger.info("%s: %d pages, %d records so far", chain.key, pages, len(self.seen))
        if why is None:
            return None
        message = f"{chain.key}: {why} after {len(self.seen)} records"
        self.output.add_error(message)
        self.logger.warning(message)
        self.paging_stopped = True
        return message

    def empty_page(
        self, response: Response, chain: Chain, page_url: str, total: int | None
    ) -> Iterator[Any]:
        """A page that came back empty where the API announced more results: asked again up to
        EMPTY_PAGE_RETRIES times, then its chain fails with the reason (never a silent end)."""
        tries = int(response.meta.get("empty_retries", 0))
        if tries < EMPTY_PAGE_RETRIES:
            self.processed.discard((chain.key, page_url))
            request = self.chain_request(chain, page_url)
            request.meta["empty_retries"] = tries + 1
            yield request
            return
        message = (
            f"{chain.key}: {total} results announced but the page at {self.redact(page_url)[:300]} "
            f"came back empty {tries + 1} times"
        )
        self.output.add_error(message)
        self.logger.warning(message)
        self.output.fail_chain(chain.key, message)

    def follow_requests(
        self, response: Response, chain: Chain, result: ParseResult, records: list[Record]
    ) -> tuple[set[str], list[Request]]:
        """Requests for the pages a parser asks to follow; ids of records held until they return."""
        requests = []
        for url in result.follow:
            target = urljoin(response.url, url)
            if self.replay:
                target = rebase(target, self.base_url)
            requests.append(
                Request(
                    target,
                    callback=self.parse_follow,
                    errback=self.on_error,
                    meta={"parent": chain.key},
                )
            )
        return set(), requests

    def parse_follow(self, response: Response) -> Iterator[Any]:
        """Parse a followed page (a biblio document, a content item): records only."""
        chain = self.chains.get(response.meta.get("parent") or "")
        ctx = self.context(response, chain)
        result, _ = self.run_parser(response.body, ctx)
        records = self.keep(self.filter_records(result.records, chain) if chain else result.records)
        yield PageItem(url=ctx.url, records=records, rejects=result.rejects)

    # -- errors and the end -------------------------------------------------------------------
    def on_error(self, failure: Failure) -> Iterator[Any]:
        """A request that failed for good: note it, mark its chain, let the crawl go on (a write
        the disk refused stops the crawl instead: see CrawlOutput.refuse_writes)."""
        request = failure.request  # type: ignore[attr-defined]
        if find_write_error(failure.value) is not None:
            self.output.refuse_writes(failure.value)
            stop_crawl(self.crawler, "write_error")
            return
        if request.meta.get("refused"):  # a guard's reason: size, budget, destination, credential
            what = request.meta["refused"]
        elif failure.check(HttpError):
            status = failure.value.response.status
            what = f"HTTP {status}"
        else:
            what = f"{failure.type.__name__}: {str(failure.value).splitlines()[0][:300] if str(failure.value) else ''}"
        chain = request.meta.get("chain")
        where = chain or f"follow of {request.meta.get('parent') or '?'}"
        message = f"{where}: {what} at {self.redact(request.url)[:300]}"
        self.output.add_error(message)
        self.logger.warning(message)
        if chain:
            self.output.fail_chain(chain, message)
        yield from self.on_follow_error(request)

    def on_follow_error(self, request: Request) -> Iterator[Any]:
        """A failed enrichment request still writes the record it held back."""
        held = request.meta.get("held")
        if held is not None:
            yield PageItem(url=self.redact(request.url), records=[held])

    def enrich_requests(
        self, chain: Chain, records: list[Record], targets: dict[str, str], callback: Any
    ) -> tuple[set[str], list[Request]]:
        """Hold records back while a richer page for each is fetched (article text, content item)."""
        by_id = {r.record_id: r for r in records}
        held, requests = set(), []
        for record_id, url in targets.items():
            record = by_id.get(record_id)
            if record is None:
                continue
            held.add(record_id)
            target = rebase(url, self.base_url) if self.replay else url
            requests.append(
                Request(
                    target,
                    callback=callback,
                    errback=self.on_error,
                    meta={"parent": chain.key, "held": record},
                )
            )
        return held, requests

    def release(self, response: Response, enriched: Record | None) -> Iterator[Any]:
        """Write the enriched record, or the held one when enrichment gave nothing."""
        held: Record = response.meta["held"]
        yield PageItem(url=self.redact(response.url), records=[enriched or held])

    def replace_held(self, response: Response) -> Iterator[Any]:
        """The followed page's record with the held record's id replaces it (a content item, a
        topic's details); a body that gives none keeps the held record, its refusals quarantined."""
        held: Record = response.meta["held"]
        ctx = self.context(response, self.chains.get(response.meta.get("parent") or ""))
        result, _ = self.run_parser(response.body, ctx)
        same = [r for r in result.records if r.record_id == held.record_id]
        if result.rejects:
            yield PageItem(url=ctx.url, rejects=result.rejects)
        yield from self.release(response, same[0] if same else None)

    def is_finished(self) -> bool:
        """Every planned chain ended normally. A crawl the record cap stopped is not finished:
        its queries have pages nobody fetched, so its window must not count as done."""
        states = [self.output.chains.get(k) or {} for k in self.chains]
        if self.capped or any(s.get("failed") or s.get("over_cap") for s in states):
            return False
        return all(s.get("done") for s in states)

    def closed(self, reason: str) -> None:
        """Write the summary when Scrapy closes the spider."""
        finished = reason == "finished" and self.is_finished()
        why = "paging_stopped" if self.paging_stopped else reason
        if self.capped:
            why = "max_records"
            self.output.add_error(
                f"record cap reached ({self.max_records} records): queries stopped before their "
                "last page, so the window was not fully fetched (raise max_records or narrow the "
                "window)"
            )
        over = sorted(k for k in self.chains if (self.output.chains.get(k) or {}).get("over_cap"))
        if over and not self.capped:
            why = "result_cap" if reason == "finished" else reason
            self.output.add_error(
                f"{len(over)} one-day queries announce more than the {self.result_cap} hits the "
                f"source serves, so hits beyond them were not fetched: {', '.join(over)[:300]}"
            )
        through = self.complete_through()
        self.output.write_summary(
            finished=finished, reason=why, complete_through=through.isoformat() if through else None
        )
        self.output.close()
