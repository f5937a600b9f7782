"""USPTO full-text grant bulk files from the Open Data Portal: the product listing of PTGRXML
("Patent Grant Full-Text Data (No Images) - XML") names the window's weekly `ipgYYMMDD.zip` files
and their download URLs; each file is fetched in ranged parts appended to a file on disk, then
parsed document by document.

Checked against: the ODP Bulk Datasets API as pyUSPTO (DunlapCoddingPC/pyUSPTO, `BulkDataClient`,
`FileData`) and USPTO-listed catalogue entries read it: `GET /api/v1/datasets/products/{id}` with
`fileDataFromDate`, `fileDataToDate`, `includeFiles=true`, the `X-API-KEY` header; the answer's
`bulkDataProductBag[].productFileBag.fileDataBag[]` has `fileName`, `fileDataFromDate`, `fileSize`
and `fileDownloadURI`, which redirects to a presigned download URL (USPTO: "Files must be
downloaded using redirect-friendly methods"). Unverified without the portal: that the download
host honours `Range` (CloudFront and S3 do in general; a server that ignores it answers the whole
file, which the part's size limit then refuses with the reason, never holding the file in memory).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.items import PageItem
from crawlers.parsers import patents_uspto_bulk as bulk
from crawlers.parsers.base import ParseContext, ParseError
from crawlers.spiders.base import Chain, SourceSpider, rebase
from horizon.raw_store import RawStore

#: The ODP product of weekly grant full text without images.
PRODUCT = "PTGRXML"
PRODUCT_PATH = f"/api/v1/datasets/products/{PRODUCT}"
#: Records handed to the pipeline at a time.
BATCH = 500
#: A weekly file larger than this is refused (the largest are ~300 MB): a host announcing or
#: sending more cannot fill the disk part by part.
MAX_FILE_BYTES = 2 * 1024**3
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def weekly_files(since: dt.date, until: dt.date) -> list[dt.date]:
    """Issue dates (Tuesdays) of the weekly grant files in the window."""
    first = since + dt.timedelta(days=(1 - since.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(max(((until - first).days // 7) + 1, 0))]


class UsptoBulkSpider(SourceSpider):
    """One chain: the product listing, then its files oldest first; the cap stops it between
    files. A chain resumes from the listing of the files not yet done."""

    name = "patents_uspto_bulk"
    paging = "file"

    def listing_url(self, since: dt.date) -> str:
        """The product listing of the weekly files from `since` to the window's end."""
        query = {"fileDataFromDate": since.isoformat(), "fileDataToDate": self.until.isoformat(),
                 "includeFiles": "true"}  # fmt: skip
        return f"{self.base_url}{PRODUCT_PATH}?{urlencode(query)}"

    def plan(self) -> list[Chain]:
        """A single chain: the listing of the window's files."""
        return [Chain(key="grants", url=self.listing_url(self.since))]

    @property
    def extra_headers(self) -> dict[str, str]:
        """The ODP key header, added at download time (never to the redirected download host)."""
        key = self.credentials.get("api_key")
        return {"X-API-KEY": key} if key else {}

    # -- the listing ----------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        """A product listing: ask for the first file in the window (or end the chain)."""
        chain = self.chains[response.meta["chain"]]
        ctx = self.context(response, chain)
        try:
            files = [
                f for f in bulk.parse_product_files(response.body)
                if self.since.isoformat() <= f["date"][:10] <= self.until.isoformat()
            ]  # fmt: skip
        except ParseError as exc:
            result, _ = self.run_parser(b"", ctx, parser=_raiser(exc))
            self.output.add_error(f"{chain.key}: {exc} at {ctx.url[:300]}")
            yield PageItem(url=ctx.url, rejects=result.rejects, chain=chain.key, ended=False)
            return
        if not files:
            yield PageItem(url=ctx.url, chain=chain.key, next_url=None)
            return
        yield self.part_request(chain, files, 0)

    def part_request(self, chain: Chain, files: list[dict[str, Any]], offset: int) -> Request:
        """The next part of the first file: `Range` of part_bytes, a body limit to match."""
        url = rebase(files[0]["url"], self.base_url) if self.replay else files[0]["url"]
        end = offset + self.config.part_bytes - 1
        return Request(
            url,
            headers={"Range": f"bytes={offset}-{end}"},
            callback=self.parse_part,
            errback=self.on_error,
            meta={"chain": chain.key, "files": files, "offset": offset, "no_raw": True,
                  "download_maxsize": self.config.part_bytes, "download_timeout": 900},
            dont_filter=True,
        )  # fmt: skip

    # -- a file, part by part -------------------------------------------------------------------
    def spool_path(self, name: str) -> Path:
        """Where a file's parts are appended while it downloads."""
        return Path(self.output.dir) / f"{name}.part"

    def parse_part(self, response: Response) -> Iterator[Any]:
        """Append a part; on the last one, parse the file and go on to the next file."""
        chain = self.chains[response.meta["chain"]]
        files, offset = response.meta["files"], int(response.meta["offset"])
        spool = self.spool_path(files[0]["name"])
        match = _CONTENT_RANGE.fullmatch(
            (response.headers.get(b"Content-Range") or b"").decode("latin-1").strip()
        )
        if response.status == 206 and (match is None or int(match[1]) != offset):
            message = (
                f"{chain.key}: {files[0]['name']}: part at byte {offset} answered out of order"
            )
            self.output.add_error(message)
            self.output.fail_chain(chain.key, message)
            spool.unlink(missing_ok=True)
            return
        total = int(match[3]) if match and match[3] != "*" else None
        received = offset + len(response.body)
        if max(total or 0, received) > MAX_FILE_BYTES:
            message = (f"{chain.key}: {files[0]['name']}: over the {MAX_FILE_BYTES >> 20} MB a "
                       "weekly file may have; refused")  # fmt: skip
            self.output.add_error(message)
            self.output.fail_chain(chain.key, message)
            spool.unlink(missing_ok=True)
            return
        with spool.open("wb" if offset == 0 else "ab") as out:
            out.write(response.body)
        if response.status == 206 and len(response.body) and (total is None or received < total):
            yield self.part_request(chain, files, received)
            return
        yield from self.parse_file(response, chain, files, spool)

    def keep_raw(
        self, response: Response, chain: Chain, file: dict[str, Any], spool: Path
    ) -> ParseContext:
        """Store the assembled file as the response of its download URL; its parse context."""
        fetched = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        ctx = dataclasses.replace(self.context(response, chain), url=self.redact(file["url"]),
                                  fetched_at=fetched, content_type="application/zip")  # fmt: skip
        root = self.settings.get("HORIZON_RAW_DIR") if getattr(self, "crawler", None) else None
        if not root:
            return ctx
        sha, path = RawStore(root).put_file(spool)
        self.output.add_response({"source": self.name, "url": ctx.url, "raw_sha256": sha,
                                  "path": str(path), "status": 200, "content_type": ctx.content_type,
                                  "fetched_at": fetched.isoformat()})  # fmt: skip
        return dataclasses.replace(ctx, raw_sha256=sha)

    def parse_file(
        self, response: Response, chain: Chain, files: list[dict[str, Any]], spool: Path
    ) -> Iterator[Any]:
        """Keep the whole file in the raw store (its parts are not kept: none is a body a parser
        reads), parse it document by document; then the next file, if any."""
        ctx = self.keep_raw(response, chain, files[0], spool)
        batch, rejects, documents = [], [], 0

        def refused(reason: str) -> None:  # one bad member or document, the rest go on
            rejects.extend(self.run_parser(b"", ctx, parser=_raiser(ValueError(reason)))[0].rejects)

        try:
            with spool.open("rb") as stream:
                for doc in bulk.iter_documents(stream, refused=refused):
                    documents += 1
                    result, _ = self.run_parser(doc, ctx)
                    batch.extend(self.keep(result.records))
                    rejects.extend(result.rejects)
                    if len(batch) >= BATCH:
                        yield PageItem(url=ctx.url, records=batch, rejects=rejects)
                        batch, rejects = [], []
                    if self.capped:
                        break
        except Exception as exc:  # a broken archive is quarantined, not fatal
            rejects.extend(self.run_parser(b"", ctx, parser=_raiser(exc))[0].rejects)
        finally:
            spool.unlink(missing_ok=True)
        rest = [] if self.capped else files[1:]
        failed = documents == 0
        if failed and not rejects:
            rejects.extend(self.run_parser(b"", ctx, parser=_raiser(ValueError("no documents")))[0].rejects)  # fmt: skip
        nxt = self.listing_url(dt.date.fromisoformat(rest[0]["date"][:10])) if rest else None
        yield PageItem(url=ctx.url, records=batch, rejects=rejects, chain=chain.key,
                       next_url=nxt, next_page=rest[0]["name"] if rest else None, ended=not failed)  # fmt: skip
        if rest and not failed:
            yield self.part_request(chain, rest, 0)


def _raiser(exc: Exception) -> Any:
    def parse(body: bytes, ctx: Any) -> Any:
        raise bulk.ParseError(str(exc) or exc.__class__.__name__)

    return parse
