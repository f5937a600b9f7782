"""Redaction, bounded records, reject caps, JSON depth and lossless bulk streaming, field by field."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from crawlers.parsers import patents_uspto_bulk
from crawlers.parsers.base import (
    MAX_REJECTS,
    MAX_TEXT_CHARS,
    ParseContext,
    ParseError,
    ParseResult,
)
from crawlers.parsers.common import json_depth, load_json, redact_text, redact_url
from tests.security.seeds import grants

CTX = ParseContext.for_body(
    "papers_openalex", b"x", url="https://api.openalex.org/works?api_key=SECRET123&mailto=a@b.org"
)
GOOD = {
    "record_id": "openalex:W1",
    "kind": "paper",
    "title": "A title",
    "published_date": "2021-01-01",
}


def test_redact_url_masks_credentials_only():
    url = (
        "https://user:pw@api.example.org/works?filter=from:2024&api_key=SECRET123&mailto=a@b.org"
        "&token=T0K&access_token=AT&client_secret=CS&key=K&page=2#access_token=F"
    )
    assert redact_url(url) == (
        "https://user:REDACTED@api.example.org/works?filter=from:2024&api_key=REDACTED"
        "&mailto=REDACTED&token=REDACTED&access_token=REDACTED&client_secret=REDACTED"
        "&key=REDACTED&page=2#access_token=REDACTED"
    )
    plain = "https://www.gov.uk/search?keywords=quantum&monkey=1"
    assert redact_url(plain) == plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.DEF-123", "Authorization: REDACTED REDACTED"),
        ('{"access_token": "tok123", "n": 1}', '{"access_token": "REDACTED", "n": 1}'),
        ("Invalid api_key SECRET123abc: retry", "Invalid api_key REDACTED: retry"),
        ("client_secret=xyz&x=1", "client_secret=REDACTED&x=1"),
        ("token has expired; the api key parameter", "token has expired; the api key parameter"),
    ],
)
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_parse_error_is_one_redacted_line():
    error = ParseError("OpenAlex error:\n bad\tapi_key=SECRET123 " + "x" * 2000)
    assert "\n" not in str(error) and "SECRET123" not in str(error)
    assert (
        str(error).startswith("OpenAlex error: bad api_key=REDACTED x") and len(str(error)) == 500
    )


def test_reject_masks_the_request_url_and_reason():
    result = ParseResult()
    result.reject(CTX, "echoed Bearer SECRETTOKEN1", item="see ?api_key=SECRET123")
    (reject,) = result.rejects
    assert reject.url == "https://api.openalex.org/works?api_key=REDACTED&mailto=REDACTED"
    assert reject.reason == "echoed Bearer REDACTED" and reject.item == "see ?api_key=REDACTED"


def test_records_are_bounded():
    result = ParseResult()
    result.add(
        GOOD
        | {
            "text": "w" * (MAX_TEXT_CHARS + 5),
            "organizations": [f"org {i}" for i in range(1500)],
            "url": "https://x.org/a?token=SECRET",
            "extra": {"deep": [[[[[[[[1]]]]]]]], "long": "y" * 20_000},
        },
        CTX,
    )
    (record,) = result.records
    assert len(record.text) == MAX_TEXT_CHARS and len(record.organizations) == 1000
    assert record.url == "https://x.org/a?token=REDACTED"
    assert record.extra["truncated"] == {"text": MAX_TEXT_CHARS + 5, "organizations": 1500}
    assert record.extra["deep"] == [[[[[None]]]]] and len(record.extra["long"]) == 10_000
    result.add(GOOD | {"title": "t" * 2001}, CTX)
    assert result.rejects[0].reason == "title of 2001 characters exceeds the 2000-character limit"


def test_rejects_past_the_cap_are_counted():
    result = ParseResult()
    for i in range(MAX_REJECTS + 250):
        result.reject(CTX, f"bad item {i}")
    assert len(result.rejects) == MAX_REJECTS + 1 and result.rejects_dropped == 250
    assert result.rejects[-1].reason.startswith(f"more than {MAX_REJECTS} items refused")


def test_json_depth_and_limits():
    assert json_depth(b'{"a": [1, {"b": "[[[[\\"]]"}]}') == 3
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000
    assert json_depth(b"[[]]" * 1000) == 2
    with pytest.raises(ParseError, match="nested 100000 levels deep"):
        load_json(b"[" * 100_000)
    with pytest.raises(ParseError, match="malformed JSON"):
        load_json(b"[" + b"9" * 5000 + b"]")
    assert load_json(b'\xef\xbb\xbf{"a": NaN}') == {"a": None}


def test_bulk_stream_keeps_documents_around_broken_members():
    good = grants(["Good zero", "Good one"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", good)
        zf.writestr("../../evil.xml", good)
        zf.writestr("c.xml", grants(["Good zero", "Good one", "Good two"]))
    buf.seek(0)
    docs = []
    with pytest.raises(ParseError, match="unsafe path"):
        for doc in patents_uspto_bulk.iter_documents(buf):
            docs.append(doc)
    assert len(docs) == 5  # every good document came out before the refusal was raised
    result = patents_uspto_bulk.parse(buf.getvalue(), CTX)
    assert len(result.records) == 5 and "unsafe path" in result.rejects[0].reason


def test_bulk_splits_spliced_and_trailing_garbage():
    two = grants(["Good zero", "Good one"])
    body = two[: len(two) // 2 + 10] + grants(["After splice"]) + b"trailing junk\n"
    docs = list(patents_uspto_bulk.iter_documents(io.BytesIO(body)))
    assert [d.lstrip()[:5] for d in docs] == [b"<?xml", b"<?xml", b"<?xml", b"trail"]
    result = patents_uspto_bulk.parse(body, CTX)
    assert [r.title for r in result.records] == ["Good zero", "After splice"]
    assert len(result.rejects) == 2


def test_json_error_body_secret_never_reaches_the_reason():
    body = json.dumps({"error": "Forbidden", "message": "api_key=SECRET123 revoked"}).encode()
    from crawlers.parsers import papers_openalex

    with pytest.raises(ParseError) as caught:
        papers_openalex.parse(body, CTX)
    assert "SECRET123" not in str(caught.value) and "api_key=REDACTED" in str(caught.value)
