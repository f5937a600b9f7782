"""Where a crawl may connect, and how much it may hold: origins, non-public addresses, the
destination guard (a downloader middleware and a DNS resolver) and the crawl-wide budget of body
bytes in flight.

A live crawl reaches public addresses only: a URL or redirect naming a loopback, private,
link-local (169.254.169.254, the cloud metadata address), multicast or reserved address, or a
host name that resolves to one, is refused with the reason, unless its origin was configured
explicitly (`HORIZON_ALLOWED_ORIGINS`: the `--base-url` the operator gave). A replay crawl
(`HORIZON_LOOPBACK_ONLY`) reaches this machine only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Request
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawlers.parsers.common import redact_url

#: scheme, host (lower case), port
Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}
_KINDS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_private", "private"),
    ("is_reserved", "reserved"),
)


def origin_of(url: str) -> Origin:
    """The origin of a URL; a URL whose port cannot be read gets port -1 (matching nothing)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any form the resolver would accept
    (`169.254.169.254`, `2852039166`, `0xa9.0xfe.0xa9.0xfe`, `[::ffff:a9fe:a9fe]`); None for a
    DNS name."""
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the shorthand and numeric forms inet_aton reads (parsing only, no lookup)
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not a public internet address (`loopback`, `link-local`…), or None."""
    for attribute, kind in _KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "non-global"


def host_refusal(host: str) -> str | None:
    """Why a URL's host is not public when that shows without a lookup, else None."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    address = literal_address(host)
    return non_public(address) if address is not None else None


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine."""
    return host_refusal(urlsplit(url).hostname or "") == "loopback"


def allowed_origins(settings: Any) -> frozenset[Origin]:
    """The origins configured explicitly (reachable even where they are not public)."""
    return frozenset(origin_of(url) for url in settings.getlist("HORIZON_ALLOWED_ORIGINS"))


class DestinationGuardMiddleware:
    """Refuses, before anything is sent, a request (a first page, a followed link or a redirect)
    to a scheme other than http(s), off this machine in a replay crawl, or to a non-public
    address in a live one."""

    def __init__(self, crawler: Any) -> None:
        self.loopback_only = crawler.settings.getbool("HORIZON_LOOPBACK_ONLY")
        self.allowed = allowed_origins(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Any) -> DestinationGuardMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def refusal(self, url: str) -> str | None:
        """Why a request to this URL may not be sent, or None."""
        scheme, host, _ = origin = origin_of(url)
        if scheme not in _DEFAULT_PORTS:
            return f"refused {redact_url(url)[:200]}: only http(s) URLs are fetched"
        kind = host_refusal(host)
        if self.loopback_only:
            if kind != "loopback":
                return f"replay crawl refuses off-machine URL {redact_url(url)[:200]}"
            return None
        if kind and origin not in self.allowed:
            return (
                f"refused {redact_url(url)[:200]}: a {kind} address (a live crawl reaches public "
                "hosts only)"
            )
        return None

    def process_request(self, request: Request) -> None:
        """Drop a request the crawl may not send, with the reason."""
        reason = self.refusal(request.url)
        if reason:
            request.meta["refused"] = reason
            raise IgnoreRequest(reason)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that, in a live crawl, refuses a host name resolving to a
    non-public address (a DNS name pointed at 169.254.169.254 or 10.0.0.1), unless configured."""

    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        *,
        allowed: Iterable[str] = (),
        loopback: bool = False,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allowed = frozenset(allowed)
        self.loopback = loopback

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        """Built from the crawl's settings (replay crawls are already held to loopback)."""
        settings = crawler.settings
        cache = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache,
            settings.getfloat("DNS_TIMEOUT"),
            allowed={host for _, host, _ in allowed_origins(settings)},
            loopback=settings.getbool("HORIZON_LOOPBACK_ONLY"),
        )

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        """Resolve, then refuse a non-public answer for a name not configured."""
        deferred = super().getHostByName(name, timeout)
        deferred.addCallback(self.check, name)
        return deferred

    def check(self, address: str, name: str) -> str:
        """The address, if a live crawl may connect to it."""
        if name.lower() in self.allowed:
            return address
        kind = non_public(ipaddress.ip_address(address))
        if kind and not (self.loopback and kind == "loopback"):
            raise DNSLookupError(f"{name} resolves to a {kind} address (refused)")
        return address


class BodyLimits:
    """Stops, with the reason in the request's meta, a download whose body passes
    DOWNLOAD_MAXSIZE (or its request's `download_maxsize`), or whose bytes take the bodies in
    flight past HORIZON_INFLIGHT_BYTES together: concurrent large bodies cannot add up."""

    def __init__(self, crawler: Any) -> None:
        self.budget = crawler.settings.getint("HORIZON_INFLIGHT_BYTES")
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if self.budget <= 0:
            raise NotConfigured
        self.inflight: dict[int, int] = {}
        self.total = 0
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(self.left, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler: Any) -> BodyLimits:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        """Count a chunk; stop its download past its own limit or the crawl's budget."""
        key = id(request)
        mine = self.inflight.get(key, 0) + len(data)
        self.inflight[key] = mine
        self.total += len(data)
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        if maxsize and mine > maxsize:
            why = f"body over the {maxsize / 2**20:.0f} MB limit (DOWNLOAD_MAXSIZE)"
        elif self.total > self.budget:
            why = f"bodies in flight passed the crawl's {self.budget / 2**20:.0f} MB budget"
        else:
            return
        request.meta["refused"] = f"download stopped at {mine / 2**20:.0f} MB: {why}"
        self.total -= self.inflight.pop(key)
        raise StopDownload(fail=True)

    def left(self, request: Request, **_: Any) -> None:
        """A download ended (done, stopped or failed): its bytes no longer count."""
        self.total -= self.inflight.pop(id(request), 0)
