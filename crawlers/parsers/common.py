"""Helpers shared by parsers: safe XML and JSON loading, dates, text clean-up."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from lxml import etree

from crawlers.parsers.base import ParseError

#: Bodies larger than this are refused before parsing (bounded memory on hostile input).
MAX_BODY_BYTES = 256 * 1024 * 1024
_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")


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
    if b"<!ENTITY" in body[:65536]:
        raise ParseError("XML declares entities (DTD entity definitions are refused)")
    data = body
    if encoding:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}") from None
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
    head = body.lstrip()[:64].lower()
    if not head:
        raise ParseError("empty body")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<")):
        raise ParseError("expected JSON, got markup (an error page?)")
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise ParseError(f"JSON is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


def check_size(body: bytes) -> None:
    """Refuse bodies over MAX_BODY_BYTES."""
    if len(body) > MAX_BODY_BYTES:
        raise ParseError(f"body of {len(body)} bytes exceeds the {MAX_BODY_BYTES}-byte limit")


def clean_text(value: str | None) -> str:
    """Unescape entities, drop tags, fold white space."""
    if not value:
        return ""
    return _WS.sub(" ", _TAG.sub(" ", html.unescape(value))).strip()


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
