"""Every RSS/Atom feed listed under `policy_feed.feeds` in sources.yaml, with its country, label
and encoding; announcements are kept when they name a taxonomy term; summary-only items are
completed from the linked article when the feed says `fetch_articles`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.parsers import policy_feed as feed_parser
from crawlers.parsers.base import ParseError, ParseResult
from crawlers.spiders.base import Chain, SourceSpider, rebase
from horizon.schemas import Record


class PolicyFeedSpider(SourceSpider):
    """One chain per feed (a feed is a single page)."""

    name = "policy_feed"
    paging = "none"
    term_matched = True

    def plan(self) -> list[Chain]:
        """The configured feeds, moved onto the replay origin when replaying."""
        chains = []
        for feed in self.config.feeds:
            url = rebase(feed.url, self.base_url) if self.replay else feed.url
            options = {
                "country": feed.country,
                "organization": feed.name,
                "fetch_articles": feed.fetch_articles,
                "feed": feed.name,
            }
            if feed.encoding:
                options["encoding"] = feed.encoding
                options["article_encoding"] = feed.encoding
            if feed.language:
                options["language"] = feed.language
            key = "feed:" + re.sub(r"[^\w.-]+", "_", feed.name)
            chains.append(Chain(key=key, url=url, options=options, sharing=feed.sharing))
        return chains

    def follow_requests(
        self, response: Response, chain: Chain, result: ParseResult, records: list[Record]
    ) -> tuple[set[str], list[Request]]:
        """Fetch the article of each summary-only item that was kept."""
        wanted = set(result.follow)
        targets = {r.record_id: r.url for r in records if r.url and r.url in wanted}
        return self.enrich_requests(chain, records, targets, self.parse_article)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Replace the summary with the article's main text when there is one."""
        held: Record = response.meta["held"]
        chain = self.chains.get(response.meta.get("parent") or "")
        ctx = self.context(response, chain)
        try:
            text = feed_parser.parse_article(response.body, ctx)
        except ParseError:
            text = ""
        enriched = None
        if text and len(text) > len(held.text):
            extra = {**held.extra, "article_sha256": ctx.raw_sha256, "has_full_text": True}
            enriched = held.model_copy(update={"text": text, "extra": extra})
        yield from self.release(response, enriched)
