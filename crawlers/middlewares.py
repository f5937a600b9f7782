"""Downloader middlewares: raw bodies kept before parsing, Retry-After, credentials.

Order (process_request runs low → high, process_response high → low):
50 DestinationGuard (`crawlers.network`) · 550 RetryAfter (replaces Scrapy's Retry) · 560
SourcePause (`crawlers.pacing`) · 580 RawStore (after decompression, before retry, so every body
the server sent is kept) · 600 Scrapy's Redirect · 610 Credentials (added just before the
download, only for the origin they were issued for, and removed right after it, so secrets never
reach the scheduler queue, JOBDIR, logs or a redirect).
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

from crawlers.network import is_loopback, origin_of
from crawlers.parsers.base import _SECRET_NAME
from crawlers.parsers.common import redact_url
from horizon.raw_store import RawStore

__all__ = ["is_loopback"]


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


def crawl_secrets(spider: Any) -> list[str]:
    """The crawl's credentials, the tokens learnt since, and the Basic auth pair they make."""
    found = list(getattr(getattr(spider, "secret_filter", None), "secrets", None) or [])
    creds = getattr(spider, "credentials", None) or {}
    found += [v for v in creds.values() if isinstance(v, str)]
    if creds.get("key") and creds.get("secret"):  # HTTP Basic auth of OAuth client credentials
        pair = f"{creds['key']}:{creds['secret']}".encode()
        found.append(base64.b64encode(pair).decode())
    return found


def secret_forms(secrets: Iterable[str]) -> set[str]:
    """Each secret of at least four characters, plain and URL-quoted."""
    return {
        form
        for secret in secrets
        if secret and len(secret) >= 4
        for form in (secret, quote(secret, safe=""), quote_plus(secret))
    }


def mask_url(url: str, forms: Iterable[str]) -> str:
    """The URL with each of these secret forms replaced by REDACTED."""
    for form in sorted(forms, key=len, reverse=True):
        url = url.replace(form, "REDACTED")
    return url


def mask_secrets(body: bytes, secrets: Iterable[str]) -> bytes:
    """The body with each secret (plain and URL-quoted) replaced; the same object if none occur."""
    forms = {form.encode() for form in secret_forms(secrets)}
    out = body
    for form in sorted(forms, key=len, reverse=True):
        if form in out:
            out = out.replace(form, b"REDACTED")
    return out


def is_robots_request(request: Request) -> bool:
    """Whether a request is Scrapy's own robots.txt fetch (RobotsTxtMiddleware marks it
    `dont_obey_robotstxt` and asks the origin's `/robots.txt`)."""
    return (
        bool(request.meta.get("dont_obey_robotstxt"))
        and urlsplit(request.url).path == "/robots.txt"
    )


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
        """The crawl's secrets and secret values in the request URL."""
        return crawl_secrets(spider) + [m[1] for m in _QUERY_SECRET.finditer(request.url)]

    def process_response(self, request: Request, response: Response) -> Response:
        """Store the body (known secrets masked); note its hash and path in the request's meta."""
        spider = self.crawler.spider
        if request.meta.get("no_raw"):  # e.g. an OAuth token body: a secret, not data
            return response
        if is_robots_request(request):  # a crawl rule, not a response of the source
            return response
        secrets = self.secrets_of(spider, request)
        body = mask_secrets(response.body, secrets)
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
                    "url": redact_url(mask_url(response.url, secret_forms(secrets))),
                    "raw_sha256": sha,
                    "path": str(path),
                    "status": response.status,
                    "content_type": content_type.decode("latin-1") if content_type else None,
                    "fetched_at": fetched.isoformat(),
                }
            )
        return response


class CredentialsMiddleware:
    """Adds the spider's credentials (query parameters, auth headers) only for the download, and
    only to the origin (scheme, host, port) they were issued for: the spider's base URL.

    A request for any other origin (a redirect, a followed link) gets none of them, and loses the
    ones it would carry already: an `Authorization` or secret header, a credential parameter by
    name; one whose URL still holds a secret value (a server echoing the key into `Location`) is
    refused.
    """

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

    def issued_for(self, url: str) -> bool:
        """Whether the crawl's credentials belong to the origin of this URL."""
        base = getattr(self.crawler.spider, "base_url", None)
        return bool(base) and origin_of(url) == origin_of(base)

    def process_request(self, request: Request) -> None:
        """Attach credentials in place (never rescheduled with them), for their origin only."""
        if not self.issued_for(request.url):
            self._scrub(request)
            return
        if request.meta.get("no_credentials"):
            return
        params = self._params()
        if params:
            request._set_url(with_params(request.url, params))
        headers = self._headers(request)
        for key, value in headers.items():
            request.headers[key] = value
        request.meta["credential_headers"] = sorted(headers)

    def _scrub(self, request: Request) -> None:
        """Take every credential off a request for another origin, or refuse it."""
        spider = self.crawler.spider
        request.meta.pop("credential_headers", None)
        names = {
            "Authorization",
            "Proxy-Authorization",
            *(getattr(spider, "extra_headers", None) or {}),
        }
        for name in names:
            request.headers.pop(name.encode(), None)
        params = self._params()
        if params:
            request._set_url(without_params(request.url, params))
        forms = secret_forms(crawl_secrets(spider))
        if any(form in request.url for form in forms):
            reason = f"refused {redact_url(mask_url(request.url, forms))[:200]}: it carries a credential to another origin"
            request.meta["refused"] = reason
            raise IgnoreRequest(reason)

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
