"""The contract every parser keeps: `parse(body, ctx) -> ParseResult`, pure, no I/O."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from horizon.schemas import Record, Reject, Sharing, validate_record


class ParseError(ValueError):
    """The whole body cannot be parsed; the message is the quarantine reason (one line)."""


@dataclass(frozen=True)
class ParseContext:
    """What a parser knows besides the bytes: where they came from and who labelled them."""

    source: str
    url: str = ""
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime(1970, 1, 1))
    raw_sha256: str = ""
    sharing: Sharing = Sharing.clear
    content_type: str | None = None
    #: Source-specific settings, e.g. {"country": "JP", "encoding": "cp932"} for a feed.
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_body(cls, source: str, body: bytes, **kwargs: Any) -> ParseContext:
        """A context whose raw_sha256 is the body's hash."""
        return cls(source=source, raw_sha256=hashlib.sha256(body).hexdigest(), **kwargs)


@dataclass
class ParseResult:
    """Records parsed from one body, items refused with reasons, and how to get the next page."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Cursor / resumption token / next URL for the spider; None on the last page.
    next_page: str | None = None
    #: Total the server says matches the query, when it says.
    total: int | None = None
    #: Further URLs to fetch for this page (e.g. article pages of a summary-only feed).
    follow: list[str] = field(default_factory=list)

    def add(self, fields: dict[str, Any], ctx: ParseContext) -> None:
        """Validate one item's fields (provenance filled from ctx) into a record or a reject."""
        fields = {
            "source": ctx.source,
            "raw_sha256": ctx.raw_sha256,
            "fetched_at": ctx.fetched_at,
            "sharing": ctx.sharing,
            **fields,
        }
        built = validate_record(fields, ctx.source)
        if isinstance(built, Record):
            self.records.append(built)
        else:
            self.rejects.append(built)

    def reject(self, ctx: ParseContext, reason: str, item: str | None = None) -> None:
        """Refuse one item with a reason."""
        self.rejects.append(
            Reject(source=ctx.source, reason=reason, url=ctx.url or None,
                   raw_sha256=ctx.raw_sha256 or None, item=item)
        )


class Parser(Protocol):
    """A source's parser."""

    def __call__(self, body: bytes, ctx: ParseContext) -> ParseResult: ...
