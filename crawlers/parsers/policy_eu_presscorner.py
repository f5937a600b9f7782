"""European Commission Press Corner RSS answers → EU policy records.

The answer is an RSS feed, read by the feed parser; every item is an announcement of the European
Union (country `EU`, issuer the Commission), its press-release id (`ip_25_831`) kept.
"""

from __future__ import annotations

import dataclasses

from crawlers.parsers import policy_feed
from crawlers.parsers.base import ParseContext, ParseResult
from horizon.schemas import CountryWeight

ISSUER = "European Commission"
EU = [CountryWeight(country="EU", weight=1.0)]


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """One RSS answer; items without an http(s) link are refused with the reason."""
    options = {**ctx.options, "organization": ISSUER, "fetch_articles": False}
    result = policy_feed.parse(body, dataclasses.replace(ctx, options=options))
    records = []
    for record in result.records:
        release = (record.url or "").rstrip("/").rsplit("/", 1)[-1]
        extra = {**record.extra, "issuer": "EU", "press_release_id": release or None}
        records.append(record.model_copy(update={"countries": EU, "extra": extra}))
    result.records = records
    return result


parse_presscorner_page = parse
