"""Date windows of a capped search: an API that serves only the first N hits of a query (EPO OPS
2,000, the Federal Register 10,000) is asked again over parts of the window until each part is
under the cap, so every hit it announced is fetched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, ClassVar

Window = tuple[dt.date, dt.date]


def window_days(window: Window) -> int:
    """Days in a window, both ends included."""
    return (window[1] - window[0]).days + 1


def split_window(window: Window, total: int, cap: int) -> list[Window]:
    """Consecutive parts of a window covering it exactly, as many as the announced total needs
    if hits were spread evenly (at least two, at most one per day); [] for a one-day window, which
    cannot be split. A part still over the cap is split again when its own total is known."""
    days = window_days(window)
    if days <= 1:
        return []
    parts = min(days, max(2, math.ceil(total / cap)))
    size, extra = divmod(days, parts)
    out, start = [], window[0]
    for i in range(parts):
        length = size + (1 if i < extra else 0)
        end = start + dt.timedelta(days=length - 1)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def window_key(family: str, window: Window) -> str:
    """Chain key of one part of a query's window: `quantum@2024-01-01..2024-03-31`."""
    return f"{family}@{window[0].isoformat()}..{window[1].isoformat()}"


def parse_window(pair: list[str] | tuple[str, str]) -> Window:
    """A window from its checkpoint form `["2024-01-01", "2024-03-31"]`."""
    return dt.date.fromisoformat(pair[0]), dt.date.fromisoformat(pair[1])


def chain_complete_through(
    states: Mapping[str, dict[str, Any]], key: str, window: Window
) -> dt.date | None:
    """The last day through which a chain fetched its window completely from the window's first
    day, following its split parts in order (checkpoint states by chain key); None when not even
    its first part is complete. A part partly fetched counts for none of its days: its pages are
    not in date order."""
    state = states.get(key) or {}
    if state.get("split"):
        reached = None
        for pair in state["split"]:
            part = parse_window(pair)
            got = chain_complete_through(states, window_key(key.split("@", 1)[0], part), part)
            if got is None:
                return reached
            reached = got
            if got != part[1]:
                break
        return reached
    if state.get("done") and not state.get("failed") and not state.get("over_cap"):
        return window[1]
    return None


class CappedWindows:
    """What a spider does with a capped source (mixed into SourceSpider): on a query's first page,
    a total over the cap becomes requests for the parts of its window."""

    #: Hits a query serves at most (later ones are never returned): a query announcing more is
    #: asked again over parts of its date window (`window_url`). None: the source serves all.
    result_cap: ClassVar[int | None] = None
    output: Any
    chains: dict[str, Any]
    capped: bool

    def window_url(self, chain: Any, window: Window) -> str:
        """The first page of a chain's query over another date window (capped sources)."""
        raise NotImplementedError

    def over_cap(self, total: int) -> bool:
        """Whether a query announcing `total` hits has hits the source will not serve."""
        return self.result_cap is not None and total > self.result_cap

    def window_chain(self, chain: Any, window: Window) -> Any:
        """The chain asking the same query over one part of its window."""
        family = chain.family or chain.key
        return dataclasses.replace(
            chain, key=window_key(family, window), url=self.window_url(chain, window),
            window=window, family=family,
        )  # fmt: skip

    def split_parts(self, chain: Any, page_url: str, total: int | None) -> list[Any] | None:
        """On a chain's first page: note the hits announced and, where they are more than the
        source serves, the parts of the window to ask instead (None: page on as usual). A one-day
        window over the cap cannot be split: it pages on to the cap and is noted as over it."""
        if page_url != chain.url or (self.output.chains.get(chain.key) or {}).get("pages"):
            return None
        if total is None:
            return None
        if not (chain.window and self.over_cap(total)):
            self.output.note_chain(chain.key, total=total)
            return None
        windows = split_window(chain.window, total, int(self.result_cap or 1))
        if not windows:
            self.output.note_chain(chain.key, total=total, over_cap=True)
            return None
        pairs = [[a.isoformat(), b.isoformat()] for a, b in windows]
        self.output.note_chain(chain.key, total=total, split=pairs)
        return [self.window_chain(chain, w) for w in windows]

    def complete_through(self) -> dt.date | None:
        """The last day through which every planned query fetched its date window completely (so
        a crawl stopped part-way can still move its source's watermark that far); None when a
        query has no window or not even its first day is complete. A crawl stopped by its record
        cap says None: the page it stopped on ends its chain as if it were the last."""
        if self.capped:
            return None
        days = []
        for chain in self.chains.values():
            if chain.family not in (None, chain.key):
                continue  # a part: counted through its query
            if chain.window is None:
                return None
            day = chain_complete_through(self.output.chains, chain.key, chain.window)
            if day is None:
                return None
            days.append(day)
        return min(days) if days else None
