"""Fuzzing every parser with hypothesis: mutated real-format seeds and random JSON / XML.

Short profile by default (60 examples per parser and strategy); `HYPOTHESIS_PROFILE=long`
runs 5,000. The contract: a ParseResult (a str for the article extractor) or a ParseError with
a one-line reason; no other exception, no forbidden content in any output.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.parsers.base import ParseError, ParseResult
from tests.security.conftest import FUZZ_PROFILE
from tests.security.hostile import SECRET_KEY, SECRET_URL
from tests.security.seeds import TARGETS, context, seed

FUZZ = settings.get_profile(FUZZ_PROFILE)
NAMES = sorted(TARGETS)


def check_contract(name: str, body: bytes, url: str = "https://example.org/page") -> None:
    """Parse under the contract; fail on any other exception or a leaked secret."""
    target = TARGETS[name]
    try:
        result = target.parse(body, context(name, body, url=url))
    except ParseError as exc:
        message = str(exc)
        assert message and "\n" not in message and SECRET_KEY not in message
        return
    if isinstance(result, str):
        return
    assert isinstance(result, ParseResult)
    for reject in result.rejects:
        assert reject.reason and "\n" not in reject.reason
        assert SECRET_KEY not in reject.model_dump_json()
    for record in result.records:
        assert record.title and SECRET_KEY not in (record.url or "")


@st.composite
def mutated(draw, name: str) -> bytes:
    """A seed body after byte flips, truncation, insertion, deletion or splicing."""
    body = bytearray(seed(name, title=draw(st.sampled_from(["A title", "量子", "x & y", ""]))))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "splice", "dup"]))
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        if op == "flip" and body:
            body[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del body[at:]
        elif op == "insert":
            chunk = draw(
                st.one_of(
                    st.binary(max_size=16),
                    st.sampled_from(
                        [b"<", b">", b"&", b"&amp;", b"]]>", b"<![CDATA[", b'"', b"\\", b"{", b"}",
                         b"[", b"]", b"\x00", b"\xff", b"<!ENTITY x 'y'>", b"<?xml version='1.0'?>",
                         b"\xef\xbb\xbf", b"&#0;", b"&#xD800;", b"<script>", b"NaN", b"1e999"]
                    ),
                )
            )  # fmt: skip
            body[at:at] = chunk
        elif op == "delete":
            del body[at : at + draw(st.integers(1, 64))]
        elif op == "splice":
            other = seed(name, title="Other")
            body = bytearray(bytes(body[:at]) + other[draw(st.integers(0, len(other))) :])
        elif op == "dup":
            body = body[:at] + body[at : at + 200] + body[at:]
    return bytes(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(
        st.sampled_from(
            ["results", "meta", "id", "title", "DOI", "guid", "patents", "message", "message-type",
             "items", "document_number", "link", "base_path", "abstract_inverted_index",
             "authorships", "error", "details", "count", "next_cursor", "status", "x"]
        ) | st.text(max_size=8),
        children,
        max_size=6,
    ),
    max_leaves=30,
)  # fmt: skip
xml_names = st.sampled_from(
    ["feed", "entry", "id", "title", "rss", "channel", "item", "link", "OAI-PMH", "record",
     "ListRecords", "header", "us-patent-grant", "exchange-document", "world-patent-data", "a"]
)  # fmt: skip


@st.composite
def xml_trees(draw, depth: int = 0) -> str:
    """A random element tree over the element names the parsers look for."""
    name = draw(xml_names)
    ns = draw(
        st.sampled_from(
            ["", ' xmlns="http://www.w3.org/2005/Atom"', ' xmlns="http://www.openarchives.org/OAI/2.0/"',
             ' xmlns="http://ops.epo.org"', ' version="2.0"']
        )
    )  # fmt: skip
    text = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20))
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    children = draw(st.lists(xml_trees(depth + 1), max_size=3)) if depth < 4 else []
    return f"<{name}{ns}>{escaped}{''.join(children)}</{name}>"


@pytest.mark.parametrize("name", NAMES)
def test_fuzz_mutated_seeds(name):
    @FUZZ
    @given(body=mutated(name))
    def run(body):
        check_contract(name, body)

    run()


@pytest.mark.parametrize("name", [n for n in NAMES if TARGETS[n].fmt == "json"])
def test_fuzz_random_json(name):
    @FUZZ
    @given(value=json_values)
    def run(value):
        check_contract(name, json.dumps(value).encode())

    run()


@pytest.mark.parametrize("name", [n for n in NAMES if TARGETS[n].fmt != "json"])
def test_fuzz_random_xml(name):
    @FUZZ
    @given(tree=xml_trees(), declared=st.booleans())
    def run(tree, declared):
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' if declared else ""
        check_contract(name, (head + tree).encode())

    run()


@pytest.mark.parametrize("name", NAMES)
def test_fuzz_secret_url_never_leaks(name):
    @FUZZ
    @given(body=mutated(name))
    def run(body):
        check_contract(name, body, url=SECRET_URL)

    run()
