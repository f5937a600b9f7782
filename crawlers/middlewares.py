"""Downloader middlewares: raw bodies kept before parsing, Retry-After, credentials, loopback guard.

Order (process_request runs low → high, process_response high → low):
50 LoopbackGuard · 550 RetryAfter (replaces Scrapy's Retry) · 580 RawStore (after decompression,
before retry, so every body the server sent is kept) · 610 Credentials (added just before the
download and removed right after it, so secrets never reach the scheduler queue, JOBDIR or logs).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from crawlers.parsers.base import _SECRET_NAME
from crawlers.parsers.common import redact_url
from horizon.store import RawStore

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine."""
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def with_params(url: str, params: dict[str, str]) -> str:
    """The URL with these query parameters set (replacing existing ones)."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    pairs += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*:,|")))


def without_params(url: str, names: Iterable[str]) -> str:
    """The URL without these query parameters."""
    names = set(names)
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*:,|")))


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - now).total_seconds(), 0.0)


class SecretFilter(logging.Filter):
    """Blanks known secret values in every log record that passes the handler."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """Also hide a secret learnt while running (an OAuth token)."""
        if secret and len(secret) >= 4 and secret not in self.secrets:
            self.secrets = sorted([*self.secrets, secret], key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message without the secrets."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = message
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        if clean != message or record.exc_info:
            record.msg, record.args = clean, None
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                for secret in self.secrets:
                    text = text.replace(secret, "***")
                record.msg = f"{clean}\n{text}"
                record.exc_info, record.exc_text = None, None
        return True


class LoopbackGuardMiddleware:
    """Refuses any request off this machine when the crawl replays a loopback server."""

    def __init__(self, crawler: Any) -> None:
        if not crawler.settings.getbool("HORIZON_LOOPBACK_ONLY"):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> LoopbackGuardMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Drop off-machine requests."""
        if not is_loopback(request.url):
            raise IgnoreRequest(f"replay crawl refuses off-machine URL {redact_url(request.url)}")


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting as long as Retry-After says (capped), else exponential backoff."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("HORIZON_RETRY_BACKOFF", 1.0)
        self.max_wait = settings.getfloat("HORIZON_RETRY_AFTER_MAX", 120.0)

    def wait_for(self, request: Request, response: Response | None) -> float:
        """How long to wait before retrying this request."""
        tries = int(request.meta.get("retry_times", 0))
        header = response.headers.get(b"Retry-After") if response is not None else None
        told = retry_after_seconds(header)
        wait = told if told is not None else self.backoff * (2**tries)
        return min(wait, self.max_wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        """Retry transient statuses after the server's requested wait."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await asyncio.sleep(self.wait_for(request, response))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        """Retry transient network errors with backoff."""
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.wait_for(request, None))
        return retry


_QUERY_SECRET = re.compile(rf"(?i)[?&;]{_SECRET_NAME}=([^&;#]{{4,}})")


def mask_secrets(body: bytes, secrets: Iterable[str]) -> bytes:
    """The body with each secret (plain and URL-quoted) replaced; the same object if none occur."""
    forms = {
        form.encode()
        for secret in secrets
        if secret and len(secret) >= 4
        for form in (secret, quote(secret, safe=""), quote_plus(secret))
    }
    out = body
    for form in sorted(forms, key=len, reverse=True):
        if form in out:
            out = out.replace(form, b"REDACTED")
    return out


class RawStoreMiddleware:
    """Keeps every response body in the RawStore before anything parses it, and logs the row."""

    def __init__(self, crawler: Any) -> None:
        root = crawler.settings.get("HORIZON_RAW_DIR")
        if not root:
            raise NotConfigured
        self.crawler = crawler
        self.raw = RawStore(root)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RawStoreMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    @staticmethod
    def secrets_of(spider: Any, request: Request) -> list[str]:
        """The crawl's credentials (and tokens learnt since) and secret values in the request URL."""
        found = list(getattr(getattr(spider, "secret_filter", None), "secrets", None) or [])
        creds = getattr(spider, "credentials", None) or {}
        found += [v for v in creds.values() if isinstance(v, str)]
        if creds.get("key") and creds.get("secret"):  # HTTP Basic auth of OAuth client credentials
            pair = f"{creds['key']}:{creds['secret']}".encode()
            found.append(base64.b64encode(pair).decode())
        found += [m[1] for m in _QUERY_SECRET.finditer(request.url)]
        return found

    def process_response(self, request: Request, response: Response) -> Response:
        """Store the body (known secrets masked); note its hash and path in the request's meta."""
        spider = self.crawler.spider
        if request.meta.get("no_raw"):  # e.g. an OAuth token body: a secret, not data
            return response
        body = mask_secrets(response.body, self.secrets_of(spider, request))
        if body is not response.body:  # a server that echoes credentials: keep them out of raw/
            response = response.replace(body=body)
        sha, path = self.raw.put(response.body)
        fetched = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        request.meta.update(raw_sha256=sha, raw_path=str(path), fetched_at=fetched.isoformat())
        content_type = response.headers.get(b"Content-Type")
        output = getattr(spider, "output", None)
        if output is not None:
            output.add_response(
                {
                    "source": spider.name,
                    "url": redact_url(response.url),
                    "raw_sha256": sha,
                    "path": str(path),
                    "status": response.status,
                    "content_type": content_type.decode("latin-1") if content_type else None,
                    "fetched_at": fetched.isoformat(),
                }
            )
        return response


class CredentialsMiddleware:
    """Adds the spider's credentials (query parameters, auth headers) only for the download."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> CredentialsMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def _params(self) -> dict[str, str]:
        return dict(getattr(self.crawler.spider, "query_credentials", None) or {})

    def _headers(self, request: Request) -> dict[str, str]:
        spider = self.crawler.spider
        headers = dict(getattr(spider, "extra_headers", None) or {})
        name = "basic_auth" if request.meta.get("basic_auth") else "auth_header"
        auth = getattr(spider, name, None)
        if auth:
            headers["Authorization"] = auth
        return headers

    def process_request(self, request: Request) -> None:
        """Attach credentials in place (never rescheduled with them)."""
        if request.meta.get("no_credentials"):
            return
        params = self._params()
        if params:
            request._set_url(with_params(request.url, params))
        headers = self._headers(request)
        for key, value in headers.items():
            request.headers[key] = value
        request.meta["credential_headers"] = sorted(headers)

    def _strip(self, request: Request) -> None:
        params = self._params()
        if params:
            request._set_url(without_params(request.url, params))
        for key in request.meta.pop("credential_headers", []):
            request.headers.pop(key.encode(), None)

    def process_response(self, request: Request, response: Response) -> Response:
        """Remove credentials from the request and the response URL."""
        params = self._params()
        self._strip(request)
        if params and any(f"{k}=" in response.url for k in params):
            response = response.replace(url=without_params(response.url, params))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Remove credentials before a retry copies the request."""
        self._strip(request)
