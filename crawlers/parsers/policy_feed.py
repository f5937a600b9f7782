"""Any RSS 2.0 / RSS 1.0 (RDF) / Atom feed of policy announcements → policy records.

The issuing country, the sharing label and an optional forced encoding come from the source's
configuration through the context: `ctx.options["country"]`, `ctx.sharing`,
`ctx.options["encoding"]`, `ctx.options["fetch_articles"]`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import lxml.html
import trafilatura
from lxml import etree

from crawlers.parsers.base import MAX_CLEAN_CHARS, ParseContext, ParseError, ParseResult
from crawlers.parsers.common import check_size, detect_language, redact_url, to_date
from crawlers.parsers.patent_common import unique

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_hs\w+|yclid|igshid|ref_src)$", re.I
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']""")
#: feedparser spends ~60 µs per element: a body with more is refused (real feeds have < 20,000).
MAX_FEED_ELEMENTS = 100_000
#: Its HTML sanitiser spends 10-25 µs per character or entity reference (`&amp;`, `&lt;b&gt;`):
#: a body with more `&` is refused (the recorded feeds have < 100).
MAX_FEED_REFERENCES = 50_000
#: feedparser holds ~10 times a body while it reads it: a feed over 8 MB (the recorded feeds
#: have < 40 kB; twice the largest recorded answer of any source) is refused.
MAX_FEED_BYTES = 8 * 1024 * 1024
_SJIS_ALIASES = {
    "shift_jis",
    "shift-jis",
    "sjis",
    "x-sjis",
    "ms_kanji",
    "windows-31j",
    "csshiftjis",
}
_WS = re.compile(r"\s+")
_BLOCK_TAGS = (
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "blockquote",
    "dd",
    "dt",
    "pre",
    "hr",
)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "template")


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: scripts and styles dropped, white space folded."""
    if not markup or not isinstance(markup, str) or not markup.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(markup[: 2 * MAX_CLEAN_CHARS], create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for node in list(root.iter(*_DROP_TAGS)):
        node.drop_tree()
    for node in root.iter(*_BLOCK_TAGS):  # a block starts and ends a word: `Scope:<p>Text`
        node.text = " " + (node.text or "")
        node.tail = " " + (node.tail or "")
    return _WS.sub(" ", root.text_content()).strip()


def canonical_url(url: str | None) -> str | None:
    """http(s) URL without tracking parameters, fragment or trailing slash; None for others."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return redact_url(urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, "")))


def entry_record_id(url: str, entry: Any, title: str, date: dt.date | None) -> str:
    """`url:<link>` for an entry with its own id (guid, atom:id, rdf:about); else
    `url:<link>#<hash of title and date>`, since id-less feeds (gov-online) point several
    notices at one ministry landing page; the same notice keeps its id in every snapshot."""
    if entry.get("id"):
        return f"url:{url}"
    key = f"{' '.join(title.split())}\x1f{date.isoformat() if date else ''}"
    return f"url:{url}#{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def _entry_date(entry: Any) -> dt.date | None:
    # dict.get: feedparser's own get() falls back from "updated" to "published" with a
    # DeprecationWarning; "published" is read first here anyway.
    get = (lambda key: dict.get(entry, key)) if isinstance(entry, dict) else entry.get
    for key in ("published", "updated", "created", "dc_date", "date"):
        value = get(key)
        # The stated local date (JST for Japanese ministries), not its UTC conversion.
        date = to_date(value) if isinstance(value, str) else None
        if date:
            return date
    for key in ("published_parsed", "updated_parsed"):
        parsed = get(key)
        if isinstance(parsed, time.struct_time):
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def _language(entry: Any, feed: Any, text: str) -> str:
    for detail in (entry.get("title_detail"), entry.get("summary_detail")):
        lang = (detail or {}).get("language")
        if lang:
            return str(lang).split("-")[0].lower()[:3]
    lang = feed.get("language")
    return str(lang).split("-")[0].lower()[:3] if lang else detect_language(text)


def _response_headers(body: bytes, ctx: ParseContext) -> dict[str, str]:
    """Force the configured encoding; read Shift_JIS declarations as its superset cp932."""
    encoding = ctx.options.get("encoding")
    if not encoding:
        declared = _DECLARED.match(body[:400])
        if declared and declared[1].decode("ascii").lower() in _SJIS_ALIASES:
            encoding = "cp932"
    return {"content-type": f"application/xml; charset={encoding}"} if encoding else {}


def _countries(ctx: ParseContext) -> tuple[list[dict[str, Any]], str | None]:
    # The issuing government is the announcement's country, the European Union (`EU`, ISO 3166's
    # exceptionally reserved code) included, as the EU Press Corner and Funding parsers give it:
    # the store keeps `countries`, so this is what policy intensity counts.
    country = str(ctx.options.get("country") or "").upper()
    if re.fullmatch(r"[A-Z]{2}", country):
        return [{"country": country, "weight": 1.0}], country
    return [], country or None


def _load_feed(body: bytes, ctx: ParseContext) -> Any:
    check_size(body)
    if not body.strip():
        raise ParseError("empty body")
    if b"<!ENTITY" in body:
        raise ParseError("feed declares DTD entities (refused)")
    if len(body) > MAX_FEED_BYTES:
        raise ParseError(f"feed of {len(body)} bytes exceeds the {MAX_FEED_BYTES}-byte feed limit")
    if (elements := body.count(b"<")) > MAX_FEED_ELEMENTS:
        raise ParseError(f"feed has {elements} tags (limit {MAX_FEED_ELEMENTS})")
    if (references := body.count(b"&")) > MAX_FEED_REFERENCES:
        raise ParseError(
            f"feed has {references} character or entity references (limit {MAX_FEED_REFERENCES})"
        )
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=_response_headers(body, ctx), sanitize_html=True
        )
    except (ValueError, LookupError, TypeError, UnicodeError) as exc:  # e.g. a NUL in `encoding`
        raise ParseError(f"feed cannot be decoded: {type(exc).__name__}: {exc}") from None
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS/Atom root element"
        raise ParseError(f"not an RSS/Atom feed: {str(reason)[:200]}")
    if parsed.get("bozo") and not parsed.entries:
        raise ParseError(f"malformed feed: {str(parsed.get('bozo_exception'))[:200]}")
    return parsed


def entry_fields(entry: Any, feed: Any, ctx: ParseContext) -> dict[str, Any]:
    """Record fields of one feed entry; raises ParseError when it has no usable link."""
    url = canonical_url(entry.get("link")) or canonical_url(entry.get("id"))
    if not url:
        raise ParseError(f"entry without an http(s) link: {str(entry.get('title'))[:80]!r}")
    title = html_to_text(entry.get("title"))
    content = " ".join(html_to_text(c.get("value")) for c in entry.get("content") or [])
    text = content or html_to_text(entry.get("summary"))
    countries, issuer = _countries(ctx)
    orgs = [ctx.options.get("organization"), entry.get("publisher"), entry.get("author")]
    links = [canonical_url(link.get("href")) for link in entry.get("links") or []]
    published = _entry_date(entry)
    record_id = entry_record_id(url, entry, title, published)
    return {
        "record_id": record_id,
        "kind": "policy",
        "title": title,
        "text": text,
        "language": _language(entry, feed.feed, f"{title} {text}"),
        "published_date": published,
        "countries": countries,
        "organizations": unique(html_to_text(o) for o in orgs if isinstance(o, str)),
        "codes": {"topics": unique(html_to_text(t.get("term")) for t in entry.get("tags") or [])},
        "url": url,
        "ids": [record_id],
        "extra": {
            "issuer": issuer,
            "feed_title": html_to_text(feed.feed.get("title")) or None,
            "links": unique(links),
            "has_full_text": bool(content),
        },
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse a feed body into one policy record per entry; follow article links when asked."""
    feed = _load_feed(body, ctx)
    result = ParseResult()
    for entry in feed.entries:
        try:
            fields = entry_fields(entry, feed, ctx)
        except ParseError as exc:
            result.reject(ctx, str(exc))
            continue
        result.add(fields, ctx)
        if ctx.options.get("fetch_articles") and not fields["extra"]["has_full_text"]:
            result.follow.append(fields["url"])
    result.follow = unique(result.follow)
    return result


def parse_article(body: bytes, ctx: ParseContext) -> str:
    """Main text of a linked article page (trafilatura); empty when none can be found."""
    check_size(body)
    encoding = ctx.options.get("article_encoding")
    try:
        markup = body.decode(encoding) if encoding else body
    except (LookupError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot decode the article as {encoding}: {exc}") from None
    text = trafilatura.extract(
        markup, include_comments=False, include_tables=False, favor_precision=True
    )
    return _WS.sub(" ", text or "").strip()


parse_feed = parse
