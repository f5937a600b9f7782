"""USPTO full-text grant bulk files: the weekly `ipgYYMMDD.zip` of each Tuesday in the window,
one after the other, each written to a temporary file and parsed document by document."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.items import PageItem
from crawlers.parsers import patents_uspto_bulk as bulk
from crawlers.parsers.common import MAX_BODY_BYTES
from crawlers.spiders.base import Chain, SourceSpider

#: Records handed to the pipeline at a time.
BATCH = 500


def weekly_files(since: dt.date, until: dt.date) -> list[dt.date]:
    """Issue dates (Tuesdays) of the weekly grant files in the window."""
    first = since + dt.timedelta(days=(1 - since.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(max(((until - first).days // 7) + 1, 0))]


class UsptoBulkSpider(SourceSpider):
    """One chain over the weekly files, oldest first; the cap stops it between files."""

    name = "patents_uspto_bulk"
    paging = "file"

    def file_url(self, day: dt.date) -> str:
        """URL of the grant file issued on `day`."""
        return f"{self.base_url}/{day:%Y}/ipg{day:%y%m%d}.zip"

    def plan(self) -> list[Chain]:
        """A single chain whose pages are the weekly files."""
        days = weekly_files(self.since, self.until)
        return [Chain(key="grants", url=self.file_url(days[0]))] if days else []

    def chain_request(self, chain: Chain, url: str) -> Request:
        """Bulk files are large: a long timeout, and the parsers' body limit instead of the
        crawl's (they come one after the other, on one connection)."""
        request = super().chain_request(chain, url)
        request.meta.update(download_timeout=3600, download_maxsize=MAX_BODY_BYTES)
        return request

    def following(self, url: str) -> str | None:
        """The next Tuesday's file, if still in the window."""
        stem = url.rsplit("/ipg", 1)[-1].removesuffix(".zip")
        day = dt.datetime.strptime(stem, "%y%m%d").date() + dt.timedelta(weeks=1)
        return self.file_url(day) if day <= self.until else None

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Spool the file to disk, parse it document by document, then ask for the next week."""
        chain = self.chains[response.meta["chain"]]
        ctx = self.context(response, chain)
        batch_records, rejects, documents = [], [], 0
        with tempfile.TemporaryFile(dir=self.output.dir) as spool:
            spool.write(response.body)
            spool.seek(0)

            def refused(reason: str) -> None:  # one bad member or document, the rest go on
                rejects.extend(
                    self.run_parser(b"", ctx, parser=_raiser(ValueError(reason)))[0].rejects
                )

            try:
                for doc in bulk.iter_documents(spool, refused=refused):
                    documents += 1
                    result, _ = self.run_parser(doc, ctx)
                    batch_records.extend(self.keep(result.records))
                    rejects.extend(result.rejects)
                    if len(batch_records) >= BATCH:
                        yield PageItem(url=ctx.url, records=batch_records, rejects=rejects)
                        batch_records, rejects = [], []
                    if self.capped:
                        break
            except Exception as exc:  # a broken archive is quarantined, not fatal
                result, _ = self.run_parser(b"", ctx, parser=_raiser(exc))
                rejects.extend(result.rejects)
        nxt = None if self.capped else self.following(response.url)
        failed = documents == 0
        if failed and not rejects:
            rejects.append(
                self.run_parser(b"", ctx, parser=_raiser(ValueError("no documents")))[0].rejects[0]
            )
        yield PageItem(
            url=ctx.url,
            records=batch_records,
            rejects=rejects,
            chain=chain.key,
            next_url=nxt,
            next_page=nxt,
            ended=not failed,
        )
        if nxt:
            yield self.chain_request(chain, nxt)

    def on_error(self, failure: Any) -> Iterator[Any]:
        """A week without a file (404: no issue that Tuesday) is skipped, not a failure."""
        request = failure.request
        if (
            failure.check(HttpError)
            and failure.value.response.status == 404
            and request.meta.get("chain")
        ):
            chain = self.chains[request.meta["chain"]]
            nxt = None if self.capped else self.following(request.url)
            yield PageItem(url=request.url, chain=chain.key, next_url=nxt, next_page=nxt)
            if nxt:
                yield self.chain_request(chain, nxt)
            return
        yield from super().on_error(failure)


def _raiser(exc: Exception) -> Any:
    def parse(body: bytes, ctx: Any) -> Any:
        raise bulk.ParseError(str(exc) or exc.__class__.__name__)

    return parse
