"""Source-wide pacing: a source that says "wait" is waited for by every request of the crawl.

One crawl is one source (one spider per process), so the pause is the source's: a 429 or 503 with
`Retry-After` holds back every request of the crawl not yet sent until the time is up, not only the
one retried. A spider may name further statuses its source answers rate limits with
(`rate_limit_statuses`, OpenAlex's 403: developers.openalex.org/api-reference/errors): those are
paused for and retried too, on that source only. A spider may also read its source's own pacing
headers (`pacing_from(response)`, EPO's X-Throttling-Control): a pause, a spacing between requests.

Downloader middleware 560: its process_request runs after Retry's (550) and before the raw store
and credentials; its process_response sees a response before Retry takes it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response

from crawlers.middlewares import retry_after_seconds

#: Statuses whose Retry-After pauses the whole source.
PAUSE_STATUSES = frozenset({429, 503})


class SourcePauseMiddleware:
    """Holds back every request of the source while it asked to wait; spaces them as it says."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.max_wait = settings.getfloat("HORIZON_RETRY_AFTER_MAX", 120.0)
        self.backoff = settings.getfloat("HORIZON_RETRY_BACKOFF", 1.0)
        self.max_retries = settings.getint("RETRY_TIMES", 2)
        #: time.monotonic() before which no request of the source is sent.
        self.paused_until = 0.0
        #: Least seconds between two requests of the source (its own pacing header), and when the
        #: last one was let through.
        self.spacing = 0.0
        self.last_sent = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourcePauseMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def pause(self, seconds: float) -> None:
        """Send nothing more for `seconds` (capped at HORIZON_RETRY_AFTER_MAX)."""
        until = time.monotonic() + min(max(seconds, 0.0), self.max_wait)
        self.paused_until = max(self.paused_until, until)

    async def process_request(self, request: Request) -> None:
        """Wait out the source's pause and spacing before the request goes out."""
        now = time.monotonic()
        start = max(now, self.paused_until, self.last_sent + self.spacing)
        self.last_sent = start
        if start > now:
            await asyncio.sleep(start - now)
            # a pause that began while this request waited holds it too
            while time.monotonic() < self.paused_until:
                await asyncio.sleep(self.paused_until - time.monotonic())

    def process_response(self, request: Request, response: Response) -> Request | Response:
        """Pause the source on Retry-After, on its own rate-limit statuses and pacing headers."""
        spider = self.crawler.spider
        # Spacing counts from the last answer too, not only from the last send: a request slowed
        # on its way does not bring the next one closer to it at the source.
        self.last_sent = max(self.last_sent, time.monotonic())
        pacing = getattr(spider, "pacing_from", None)
        told = pacing(response) if pacing is not None else None
        if told is not None:
            pause, spacing = told
            self.spacing = spacing if spacing is not None else self.spacing
            if pause:
                self.pause(pause)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if response.status in PAUSE_STATUSES and wait is not None and not (told and told[0]):
            self.pause(wait)
        if response.status in getattr(spider, "rate_limit_statuses", ()):
            return self.retry(request, response, wait)
        return response

    def retry(self, request: Request, response: Response, wait: float | None) -> Request | Response:
        """A rate-limit status of this source only: pause the source, then ask again."""
        tries = int(request.meta.get("retry_times", 0))
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"HTTP {response.status} (the source's rate limit)",
            max_retry_times=self.max_retries,
        )
        if retry is None:
            return response
        self.pause(wait if wait is not None else self.backoff * (2**tries))
        return retry
