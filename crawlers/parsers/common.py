"""Helpers shared by parsers: safe XML and JSON loading, dates, text clean-up."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import numpy as np
from lxml import etree

from crawlers.parsers.base import (
    MAX_CLEAN_CHARS,
    MAX_URL_CHARS,
    ParseError,
    _redact_url,
    redact_text,
)

__all__ = ["redact_text", "redact_url"]

#: Bodies larger than this are refused before parsing (bounded memory on hostile input).
MAX_BODY_BYTES = 256 * 1024 * 1024
#: JSON nested deeper than this is refused before json.loads (real APIs nest < 12 levels).
MAX_JSON_DEPTH = 64
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 22
_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"(?is)<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def xml_parser(*, recover: bool = False) -> etree.XMLParser:
    """An lxml parser that resolves no entities, loads no DTD and reaches no network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_blank_text=False,
    )


def load_xml(body: bytes, *, encoding: str | None = None) -> etree._Element:
    """Parse XML safely; raise ParseError with a one-line reason on anything malformed."""
    check_size(body)
    if not body.strip():
        raise ParseError("empty body")
    if b"<!ENTITY" in body:
        raise ParseError("XML declares entities (DTD entity definitions are refused)")
    data = body
    if encoding:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}"
            ) from None
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
        data = text.encode("utf-8")
    try:
        root = etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {exc}") from None
    except ValueError as exc:
        raise ParseError(f"malformed XML: {exc}") from None
    if root is None:
        raise ParseError("malformed XML: no root element")
    return root


def load_json(body: bytes) -> Any:
    """Parse JSON; raise ParseError for HTML error pages, truncation or bad encodings."""
    check_size(body)
    body = body.removeprefix(b"\xef\xbb\xbf")
    head = body.lstrip()[:64].lower()
    if not head:
        raise ParseError("empty body")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<")):
        raise ParseError("expected JSON, got markup (an error page?)")
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        raise ParseError(f"JSON nested {depth} levels deep (limit {MAX_JSON_DEPTH})")
    try:
        # NaN / Infinity are not JSON: read as null rather than poison scores downstream.
        return json.loads(body, parse_constant=lambda _name: None)
    except UnicodeDecodeError as exc:
        raise ParseError(f"JSON is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ParseError(f"malformed JSON: {exc}") from None


def json_depth(body: bytes) -> int:
    """Deepest bracket nesting of a JSON body, strings skipped; computed without recursion."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = b"".join(unescaped.split(b'"')[0::2]).translate(None, _NOT_BRACKET)
    if len(marks) <= 2 * MAX_JSON_DEPTH:
        depth = peak = 0
        for mark in marks:
            depth += 1 if mark in b"[{" else -1
            peak = max(peak, depth)
        return peak
    steps = np.frombuffer(marks, dtype=np.uint8)
    depth, peak = 0, 0
    for start in range(0, len(steps), _CHUNK):
        chunk = steps[start : start + _CHUNK]
        # `[` 0x5B and `{` 0x7B have bit 0x02 set, `]` 0x5D and `}` 0x7D have it clear.
        steps_of_chunk = (chunk & 2).astype(np.int32) - 1
        levels = np.cumsum(steps_of_chunk) + depth
        peak = max(peak, int(levels.max()))
        depth = int(levels[-1])
    return peak


def redact_url(url: str) -> str:
    """The URL with `api_key`, `mailto`, `token`, `access_token`, `client_secret`, `key` (and
    other credential) query values and any password masked as `REDACTED`; safe to log."""
    return _redact_url(url, MAX_URL_CHARS) or ""


def check_size(body: bytes) -> None:
    """Refuse bodies over MAX_BODY_BYTES."""
    if len(body) > MAX_BODY_BYTES:
        raise ParseError(f"body of {len(body)} bytes exceeds the {MAX_BODY_BYTES}-byte limit")


def clean_text(value: Any) -> str:
    """Unescape entities, drop tags (scripts and styles with their content), fold white space;
    anything but a string gives ""."""
    if not value or not isinstance(value, str):
        return ""
    text = html.unescape(value[:MAX_CLEAN_CHARS])
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    return _WS.sub(" ", text).strip()


#: Characters of a text its language is told from (the count costs ~0.3 µs a character).
LANGUAGE_SAMPLE = 2_000


def detect_language(text: str) -> str:
    """`ja` when kana/kanji dominate the letters of the text's first LANGUAGE_SAMPLE characters,
    `en` for Latin script, else `und`."""
    text = text[:LANGUAGE_SAMPLE]
    japanese = len(_JAPANESE.findall(text))
    latin = len(_LATIN.findall(text))
    if japanese and japanese * 2 >= latin:
        return "ja"
    return "en" if latin else "und"


def to_date(value: Any) -> dt.date | None:
    """ISO date, datetime, `YYYYMMDD`, `[Y, M, D]` date-parts, or RFC 822 → date; None if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple):
        parts = [int(p) for p in value if p is not None][:3]
        if not parts:
            return None
        parts += [1] * (3 - len(parts))
        try:
            return dt.date(*parts)
        except ValueError:
            return None
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None
