"""What spiders hand to the pipeline: one item per parsed page, written atomically in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from horizon.schemas import Record, Reject


@dataclass(frozen=True)
class PageItem:
    """The new records and rejects of one response, and where its query chain goes next.

    Written as one unit so a checkpoint never runs ahead of the records it vouches for.
    """

    url: str
    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Key of the paged query the page belongs to; None for a followed page (article, content item).
    chain: str | None = None
    #: URL of the chain's next page, None when the chain ended with this page.
    next_url: str | None = None
    #: The raw next-page pointer the parser gave (cursor, resumption token, start index…).
    next_page: str | None = None
    #: False when the page itself could not be parsed (the chain stops there, to be retried).
    ended: bool = True
    #: Why the chain stopped here although its page pointed further (a paging loop, the page
    #: limit): the chain is failed with this reason, `next_url` is where it would have gone.
    stopped: str | None = None
    #: Items the page carried (records, refused items, duplicates and filtered ones alike): what
    #: the chain fetched of the hits its source announced.
    hits: int = 0
