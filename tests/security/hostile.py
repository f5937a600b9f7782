"""Hostile bodies, generated per target from its seed: nothing here is a stored attack file."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from crawlers.parsers import policy_feed
from tests.security.harness import Env
from tests.security.seeds import TARGETS, grants

SECRET_KEY = "SECRETKEY0123456789abcd"
SECRET_TOKEN = "eyJSECRETTOKEN.0123456789.zz"
SECRET_MAIL = "analyst-secret@example.org"
SECRET_URL = (
    f"https://api.example.org/works?filter=x&api_key={SECRET_KEY}"
    f"&mailto={SECRET_MAIL}&access_token={SECRET_TOKEN}&client_secret={SECRET_KEY}x"
)
SECRETS = (SECRET_KEY, SECRET_TOKEN, SECRET_MAIL)
ACTIVE = ("javascript:", "vbscript:", "data:text/html", "<script", "alert(", "onerror")
BIG = 50 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One hostile input for one target and what must (not) come out of it."""

    target: str
    name: str
    make: Callable[[Env], bytes]
    expect: str = "any"  # parsed | quarantined | any
    forbidden: tuple[str, ...] = ()
    want_ids: tuple[str, ...] = ()
    url: str = "https://example.org/page"
    slow: bool = False

    @property
    def id(self) -> str:
        return f"{self.target}:{self.name}"


def _xml_cases(t: str) -> list[Case]:
    b = TARGETS[t].build
    doctype = "<!DOCTYPE r [{}]>"

    def with_prolog(subset: str, title: str) -> Callable[[Env], bytes]:
        def make(env: Env) -> bytes:
            body = b(title=title.format(env=env)).decode()
            head, rest = body.split("?>", 1)
            return f"{head}?>{subset.format(env=env)}{rest}".encode()

        return make

    entity = doctype.format('<!ENTITY x SYSTEM "{}">')
    cases = [
        Case(t, "xxe-file", with_prolog(entity.format("file://{env.secret_file}"), "T &x;")),
        Case(
            t,
            "xxe-etc-passwd",
            with_prolog(entity.format("file:///etc/passwd"), "T &x;"),
            forbidden=("root:",),
        ),
        Case(
            t,
            "xxe-loopback-http",
            with_prolog(entity.format("http://127.0.0.1:{env.port}/x"), "T &x;"),
        ),
        Case(t, "xxe-port-9", with_prolog(entity.format("http://127.0.0.1:9/"), "T &x;")),
        Case(
            t,
            "external-dtd-http",
            with_prolog('<!DOCTYPE r SYSTEM "http://127.0.0.1:{env.port}/r.dtd">', "T &title;"),
        ),
        Case(
            t,
            "external-dtd-file",
            with_prolog('<!DOCTYPE r SYSTEM "file://{env.dtd_file}">', "T &planted;"),
        ),
        Case(
            t,
            "parameter-entity",
            with_prolog(
                doctype.format('<!ENTITY % p SYSTEM "http://127.0.0.1:{env.port}/p"> %p;'), "T"
            ),
        ),
        Case(
            t,
            "xinclude",
            lambda env: b(
                title=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{env.secret_file}" parse="text"/>T'
            ),
        ),
        Case(
            t,
            "billion-laughs",
            with_prolog(doctype.format(_laughs()), "T &l9;"),
            expect="quarantined",
        ),
        Case(
            t,
            "quadratic-blowup",
            with_prolog(doctype.format(f'<!ENTITY a "{"a" * 100_000}">'), "T" + "&a;" * 20_000),
            expect="quarantined",
        ),
        Case(
            t,
            "entity-after-64k",
            with_prolog(
                "<!--" + "c" * 70_000 + "-->" + entity.format("file://{env.secret_file}"), "T &x;"
            ),
        ),
        Case(t, "deep-nesting-100k", lambda env: b(title="<a>" * 100_000 + "</a>" * 100_000)),
        Case(t, "many-children-1e6", lambda env: b(title="<i/>" * 1_000_000 + "T")),
        Case(
            t,
            "invalid-utf8",
            lambda env: (
                b(title="T").replace(b"A title", b"T").replace(b"<title>", b"<title>\xff\xfe\xc3(")
            ),
        ),
        Case(
            t,
            "invalid-utf8-title",
            lambda env: b(title="T\udcff".encode("utf-8", "surrogateescape").decode("latin-1")),
        ),
        Case(t, "nul-bytes", lambda env: b(title="T\x00itle").replace(b"T\x00", b"T\x00\x00")),
        Case(t, "utf8-bom", lambda env: b"\xef\xbb\xbf" + b(title="T")),
        Case(
            t,
            "utf16-bom",
            lambda env: (
                b(title="T")
                .decode()
                .replace('encoding="UTF-8"', 'encoding="UTF-16"')
                .encode("utf-16")
            ),
        ),
        Case(
            t,
            "sjis-labelled-utf8",
            lambda env: b(title="量子技術の研究").decode().encode("cp932", "replace"),
        ),
        Case(
            t,
            "eucjp-labelled-sjis",
            lambda env: (
                b(title="量子技術の研究")
                .decode()
                .replace("UTF-8", "Shift_JIS")
                .encode("euc_jp", "replace")
            ),
        ),
        Case(
            t,
            "html-error-page-200",
            lambda env: (
                b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
            ),
            expect="quarantined",
        ),
        Case(
            t, "json-instead-of-xml", lambda env: b'{"error": "rate limited"}', expect="quarantined"
        ),
        Case(t, "empty", lambda env: b"", expect="quarantined"),
        Case(t, "whitespace", lambda env: b" \r\n\t " * 100, expect="quarantined"),
        Case(t, "gigantic-title-50mb", lambda env: b(title="T" * BIG), slow=True),
        Case(t, "gigantic-title-words-50mb", lambda env: b(title="word " * (BIG // 5)), slow=True),
    ]
    for fraction in (0.1, 0.5, 0.9):
        cases.append(Case(t, f"truncated-{int(fraction * 100)}", _truncate(b, fraction)))
    cases.append(Case(t, "spliced-mid-element", _splice(b)))
    cases.append(Case(t, "two-documents", lambda env: b(title="One") + b(title="Two")))
    return cases


def _laughs() -> str:
    levels = ['<!ENTITY l0 "lol">']
    levels += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return "".join(levels)


def _truncate(build: Callable[..., bytes], fraction: float) -> Callable[[Env], bytes]:
    def make(env: Env) -> bytes:
        body = build(title="Truncated", more_count=3)
        return body[: int(len(body) * fraction)]

    return make


def _splice(build: Callable[..., bytes]) -> Callable[[Env], bytes]:
    def make(env: Env) -> bytes:
        one, two = build(title="First one"), build(title="Second one")
        return one[: len(one) // 2] + two[len(two) // 3 :]

    return make


def _json_cases(t: str) -> list[Case]:
    b = TARGETS[t].build
    cases = [
        Case(
            t,
            "html-error-page-200",
            lambda env: (
                b"<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1></body></html>"
            ),
            expect="quarantined",
        ),
        Case(
            t,
            "html-no-doctype",
            lambda env: b"\n  <html><body>Service Unavailable</body></html>",
            expect="quarantined",
        ),
        Case(
            t,
            "xml-instead-of-json",
            lambda env: b'<?xml version="1.0"?><error>quota</error>',
            expect="quarantined",
        ),
        Case(t, "plain-text-error", lambda env: b"Resource not found.", expect="quarantined"),
        Case(t, "empty", lambda env: b"", expect="quarantined"),
        Case(t, "null", lambda env: b"null", expect="quarantined"),
        Case(t, "top-level-array", lambda env: b"[1, 2, 3]"),
        Case(t, "top-level-string", lambda env: b'"results"', expect="quarantined"),
        Case(
            t,
            "deep-nesting-100k",
            lambda env: b"[" * 100_000 + b"]" * 100_000,
            expect="quarantined",
        ),
        Case(t, "deep-nesting-unclosed", lambda env: b'{"a":' * 100_000, expect="quarantined"),
        Case(
            t,
            "deep-nesting-in-item",
            lambda env: b(raw_item='{"title": "x", "extra": ' + "[" * 60 + "]" * 60 + "}"),
        ),
        Case(
            t,
            "deep-nesting-900-in-item",
            lambda env: b(raw_item='{"x": ' + "[" * 900 + "]" * 900 + "}"),
            expect="quarantined",
        ),
        Case(
            t,
            "huge-integer",
            lambda env: b(raw_item='{"cited_by_count": ' + "9" * 5000 + "}"),
            expect="quarantined",
        ),
        Case(
            t,
            "nan-infinity",
            lambda env: b(raw_item='{"cited_by_count": NaN, "fwci": Infinity, "count": -Infinity}'),
        ),
        Case(
            t,
            "invalid-utf8",
            lambda env: b(title="T").replace(b'"T"', b'"T\xff\xfe\xc3("'),
            expect="quarantined",
        ),
        Case(
            t,
            "shift-jis-bytes",
            lambda env: b(title="T").replace(b'"T"', '"量子技術"'.encode("cp932")),
            expect="quarantined",
        ),
        Case(
            t,
            "euc-jp-bytes",
            lambda env: b(title="T").replace(b'"T"', '"量子技術"'.encode("euc_jp")),
            expect="quarantined",
        ),
        Case(t, "utf8-bom", lambda env: b"\xef\xbb\xbf" + b(title="T")),
        Case(t, "utf16-bom", lambda env: b(title="T").decode().encode("utf-16")),
        Case(t, "nul-bytes", lambda env: b(title="T\x00i\x00tle")),
        Case(t, "raw-nul", lambda env: b(title="T") + b"\x00\x00"),
        Case(
            t,
            "wrong-types",
            lambda env: b(
                raw_item=json.dumps(
                    {
                        k: [{"x": [1]}]
                        for k in (
                            "title",
                            "DOI",
                            "id",
                            "guid",
                            "link",
                            "document_number",
                            "authorships",
                            "abstract_inverted_index",
                            "author",
                            "agencies",
                            "organisations",
                            "published",
                            "date-parts",
                        )
                    }
                )
            ),
        ),
        Case(t, "items-are-scalars", lambda env: b(raw_item='1, "two", null, true, [3]')),
        Case(t, "array-1e6", lambda env: b(raw_item=", ".join(["0"] * 1_000_000)), slow=True),
        Case(t, "gigantic-title-50mb", lambda env: b(title="T" * BIG), slow=True),
        Case(t, "gigantic-title-words-50mb", lambda env: b(title="word " * (BIG // 5)), slow=True),
        Case(
            t,
            "gigantic-abstract-50mb",
            lambda env: b(raw_item=json.dumps(_abstract_item(t, "quantum " * (BIG // 8)))),
            slow=True,
        ),
    ]
    for fraction in (0.1, 0.5, 0.9):
        cases.append(
            Case(
                t,
                f"truncated-{int(fraction * 100)}",
                _truncate_json(b, fraction),
                expect="quarantined",
            )
        )
    cases.append(Case(t, "spliced-two-bodies", _splice_json(b)))
    return cases


def _abstract_item(t: str, text: str) -> dict[str, object]:
    return {
        "papers_openalex": {
            "id": "https://openalex.org/W7",
            "title": "Big",
            "abstract_inverted_index": {text[:20]: [0], "x": list(range(1, 10))},
        },
        "papers_crossref": {
            "DOI": "10.1/big",
            "title": ["Big"],
            "abstract": f"<jats:p>{text}</jats:p>",
        },
        "patents_uspto_ppubs": {
            "guid": "US-11000007-B2",
            "inventionTitle": "Big",
            "abstractHtml": text,
        },
        "policy_federal_register": {"document_number": "2024-7", "title": "Big", "abstract": text},
        "policy_govuk": {"link": "/big", "title": "Big", "description": text},
        "papers_cinii": {
            "@id": "https://cir.nii.ac.jp/crid/7",
            "title": "Big",
            "description": text,
        },
    }[t]


def _truncate_json(build: Callable[..., bytes], fraction: float) -> Callable[[Env], bytes]:
    def make(env: Env) -> bytes:
        body = build(title="Truncated")
        return body[: max(1, int(len(body) * fraction))]

    return make


def _splice_json(build: Callable[..., bytes]) -> Callable[[Env], bytes]:
    def make(env: Env) -> bytes:
        one, two = build(title="First one"), build(title="Second one")
        return one[: len(one) // 2] + two[len(two) // 3 :]

    return make


def _specific_cases() -> list[Case]:
    """Attacks that only make sense for one source."""
    oa = TARGETS["papers_openalex"].build

    def oa_index(index: object) -> Callable[[Env], bytes]:
        item = {
            "id": "https://openalex.org/W9",
            "title": "Positions",
            "abstract_inverted_index": index,
        }
        return lambda env: oa(raw_item=json.dumps(item))

    cases = [
        Case(
            "papers_openalex",
            "index-position-1e9",
            oa_index({"a": [10**9], "b": [0]}),
            want_ids=("openalex:W9",),
        ),
        Case(
            "papers_openalex",
            "index-negative",
            oa_index({"a": [-5, -(10**12)], "b": [0]}),
            want_ids=("openalex:W9",),
        ),
        Case(
            "papers_openalex",
            "index-1e6-positions",
            oa_index({"w": list(range(1_000_000))}),
            slow=True,
        ),
        Case(
            "papers_openalex",
            "index-huge-floats",
            oa_index({"a": [1e308, -1e308, 0.5], "b": ["1", None, True]}),
            want_ids=("openalex:W9",),
        ),
        Case(
            "papers_openalex", "index-not-a-dict", oa_index([["a", 1]]), want_ids=("openalex:W9",)
        ),
        Case(
            "papers_openalex",
            "authorships-1e5",
            lambda env: oa(
                raw_item=json.dumps(
                    {
                        "id": "https://openalex.org/W8",
                        "title": "Many",
                        "authorships": [{"institutions": [{"country_code": "JP"}]}] * 100_000,
                    }
                )
            ),
            want_ids=("openalex:W8",),
        ),
        Case(
            "papers_crossref",
            "jats-xxe",
            lambda env: TARGETS["papers_crossref"].build(
                raw_item=json.dumps(
                    {
                        "DOI": "10.1/j",
                        "title": ["J"],
                        "abstract": f'<!DOCTYPE a [<!ENTITY x SYSTEM "file://{env.secret_file}">]><jats:p>&x;</jats:p>',
                    }
                )
            ),
            want_ids=("doi:10.1/j",),
        ),
        Case(
            "papers_crossref",
            "jats-script",
            lambda env: TARGETS["papers_crossref"].build(
                raw_item=json.dumps(
                    {
                        "DOI": "10.1/s",
                        "title": ["S"],
                        "abstract": "<jats:p>ok<script>alert(1)</script></jats:p>",
                    }
                )
            ),
        ),
        Case(
            "policy_govuk",
            "body-script-links",
            lambda env: json.dumps(
                {
                    "base_path": "/x",
                    "title": "X<script>alert(1)</script>",
                    "details": {
                        "body": '<p>ok <a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)"><script>alert(2)</script></p>'
                    },
                }
            ).encode(),
            forbidden=("alert(", "<script", "javascript:"),
            want_ids=("url:https://www.gov.uk/x",),
        ),
        Case(
            "policy_govuk",
            "content-item-50mb-body",
            lambda env: json.dumps(
                {
                    "base_path": "/big",
                    "title": "Big",
                    "details": {"body": "<p>" + "x " * (BIG // 2) + "</p>"},
                }
            ).encode(),
            slow=True,
        ),
        Case(
            "policy_federal_register",
            "excerpts-script",
            lambda env: TARGETS["policy_federal_register"].build(
                raw_item=json.dumps(
                    {
                        "document_number": "2024-9",
                        "title": "S",
                        "excerpts": "<script>alert(1)</script><a href='javascript:x()'>k</a>",
                    }
                )
            ),
            forbidden=("alert(", "javascript:"),
            want_ids=("fr:2024-9",),
        ),
    ]
    cases += _feed_cases() + _feed_reference_cases() + _bulk_cases() + _article_cases()
    return cases


def _feed_reference_cases() -> list[Case]:
    """Character and entity references cost feedparser's sanitiser 10-25 µs each (a 200 MB feed
    of `&amp;` took 174 s and 2.2 GB): over the limits a feed is refused at once, under them the
    worst mix of tags and references still parses inside the suite's bounds."""
    rss = TARGETS["policy_feed"].build
    limit = policy_feed.MAX_FEED_REFERENCES

    def item(n: int, description: str) -> str:
        return f"<item><title>R{n}</title><link>https://example.gov/r{n}</link><description>{description}</description></item>"

    def worst(env: Env) -> bytes:  # every limit nearly met: size, tags, references
        per = (limit - 1_000) // 1_000
        words = int(policy_feed.MAX_FEED_BYTES * 0.8 / 1_000 / 5)
        body = "&lt;b&gt;" * (per // 2) + "&amp;" + " word" * words
        items = "".join(item(n, body) + "<category>c</category>" * 45 for n in range(1_000))
        return rss(title="Worst", raw_item=items)

    return [
        Case(
            "policy_feed",
            "references-over-limit",
            lambda env: rss(title="Amp", raw_item=item(1, "&amp;" * (limit + 1))),
            expect="quarantined",
        ),
        Case(
            "policy_feed",
            "escaped-tags-under-limit",
            lambda env: rss(title="Amp", raw_item=item(1, "&lt;b&gt;" * (limit // 2 - 10))),
            expect="parsed",
            want_ids=("url:https://example.gov/briefings/one",),
        ),
        Case(
            "policy_feed",
            "feed-over-size-limit",
            lambda env: rss(
                title="Big", raw_item=item(1, "word " * (policy_feed.MAX_FEED_BYTES // 5 + 1))
            ),
            expect="quarantined",
        ),
        Case("policy_feed", "worst-under-every-limit", worst, expect="parsed", slow=True),
    ]


def _feed_cases() -> list[Case]:
    rss = TARGETS["policy_feed"].build
    item = """<item><title>{t}</title><link>{link}</link><description>{d}</description>
<pubDate>Wed, 03 Jan 2024 15:00:00 -0500</pubDate></item>"""
    scripted = item.format(
        t="Script &lt;script&gt;alert(1)&lt;/script&gt; title",
        link="https://example.gov/s",
        d="&lt;p onclick=&quot;alert(1)&quot;&gt;Hi &lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;&lt;img src=&quot;data:text/html;base64,PHNjcmlwdD4=&quot; onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;&lt;/p&gt;",
    )
    bad_links = "".join(
        item.format(t=f"Bad {i}", link=link, d="x")
        for i, link in enumerate(
            [
                "javascript:alert(1)",
                "data:text/html,<script>alert(1)</script>",
                "vbscript:msgbox",
                " JaVaScRiPt:alert(1)",
                "file:///etc/passwd",
            ]
        )
    )
    cdata = "<item><title><![CDATA[<script>alert(1)</script>CDATA title]]></title><link>https://example.gov/c</link><description><![CDATA[<iframe src='javascript:alert(1)'></iframe>text]]></description></item>"
    atom = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title type="html">&lt;script&gt;alert(1)&lt;/script&gt;Atom</title><id>tag:x,2024:1</id>
<link rel="alternate" href="https://example.eu/a"/><link rel="enclosure" href="javascript:alert(1)"/>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><a href="javascript:alert(2)">t</a></div></content>
<updated>2024-01-01T00:00:00Z</updated></entry></feed>"""
    return [
        Case(
            "policy_feed",
            "script-and-active-links",
            lambda env: rss(title="Good", raw_item=scripted + bad_links + cdata),
            forbidden=ACTIVE,
            want_ids=("url:https://example.gov/briefings/one",),
        ),
        Case(
            "policy_feed",
            "atom-script-enclosure",
            lambda env: atom.encode(),
            forbidden=ACTIVE,
            want_ids=("url:https://example.eu/a",),
        ),
        Case(
            "policy_feed", "items-1e5", lambda env: rss(title="Many", more_count=100_000), slow=True
        ),
        Case(
            "policy_feed",
            "gzip-body",
            lambda env: b"\x1f\x8b\x08\x00" + bytes(range(256)) * 10,
            expect="quarantined",
        ),
    ]


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _patch_sizes(archive: bytes, member: str, declared: int) -> bytes:
    """Overwrite a member's declared uncompressed size in its local and central headers."""
    data = bytearray(archive)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = struct.pack("<I", declared)
            at = data.find(signature, at + 4)
    return bytes(data)


GOOD_IDS = ("patent:US8927110B2", "patent:US8927111B2", "patent:US8927113B2")


def _bulk_cases() -> list[Case]:
    t = "patents_uspto_bulk"
    good = grants(["Good zero", "Good one"])
    good_more = grants(["Good zero", "Good one", "Broken", "Good three"])
    docs = good_more.split(b'<?xml version="1.0" encoding="UTF-8"?>')[1:]
    head = b'<?xml version="1.0" encoding="UTF-8"?>'

    def batch(broken: Callable[[Env], bytes]) -> Callable[[Env], bytes]:
        return lambda env: head + docs[0] + head + docs[1] + broken(env) + head + docs[3]

    laughs = f"<!DOCTYPE us-patent-grant [{_laughs()}]>".encode()
    broken = {
        "truncated": lambda env: head + docs[2][: len(docs[2]) // 2] + b"\n",
        "garbage": lambda env: b"\x00\xff garbage \x89PNG\r\n\x1a\n" * 100 + b"\n",
        "xxe": lambda env: (
            head
            + f'\n<!DOCTYPE us-patent-grant [<!ENTITY x SYSTEM "file://{env.secret_file}">]>\n'.encode()
            + docs[2].split(b"]>", 1)[1].replace(b"Broken", b"&x;")
        ),
        "laughs": lambda env: (
            head + b"\n" + laughs + docs[2].split(b"]>", 1)[1].replace(b"Broken", b"&l9;")
        ),
        "foreign-root": lambda env: head + b"\n<html><body>not a patent</body></html>\n",
        "no-number": lambda env: head + docs[2].replace(b"08927112", b""),
        "aps-text": lambda env: b"PATN\nWKU  049279\nTTL  Old text\n",
        "spliced": lambda env: head + docs[2][: len(docs[2]) // 2] + docs[1][len(docs[1]) // 2 :],
    }
    cases = [
        Case(t, f"batch-broken-{name}", batch(fn), expect="parsed", want_ids=GOOD_IDS)
        for name, fn in broken.items()
    ]
    cases += [
        Case(
            t,
            f"zip-batch-broken-{name}",
            lambda env, fn=fn: _zip([("ipg.xml", batch(fn)(env))]),
            expect="parsed",
            want_ids=GOOD_IDS,
        )
        for name, fn in broken.items()
    ]
    two = ("patent:US8927110B2", "patent:US8927111B2")
    bomb = _zip([("bomb.xml", b"<?xml version='1.0'?>\n<a>" + b" " * 50_000_000 + b"</a>")])
    cases += [
        Case(
            t,
            "zip-slip-dotdot",
            lambda env: _zip([("../../x.xml", good), ("ok.xml", good)]),
            want_ids=two,
        ),
        Case(
            t,
            "zip-slip-absolute",
            lambda env: _zip([("/etc/cron.d/x.xml", good), ("ok.xml", good)]),
            want_ids=two,
        ),
        Case(
            t,
            "zip-slip-windows",
            lambda env: _zip(
                [("C:\\x\\..\\y.xml", good), ("..\\..\\z.xml", good), ("ok.xml", good)]
            ),
            want_ids=two,
        ),
        Case(
            t,
            "zip-slip-only",
            lambda env: _zip([("../../etc/evil.xml", good)]),
            expect="quarantined",
        ),
        Case(t, "zip-bomb-ratio", lambda env: bomb, expect="quarantined"),
        Case(
            t,
            "zip-bomb-beside-good",
            lambda env: _zip([("a.xml", good), ("bomb.xml", b" " * 50_000_000)]),
            want_ids=two,
        ),
        Case(
            t,
            "zip-declared-4gb",
            lambda env: _patch_sizes(_zip([("big.xml", good)]), "big.xml", 0xFFFFFFF0),
            expect="quarantined",
        ),
        Case(
            t,
            "zip-declared-too-small",
            lambda env: _patch_sizes(_zip([("lie.xml", b" " * 2_000_000 + good)]), "lie.xml", 100),
            expect="quarantined",
        ),
        Case(
            t,
            "zip-nested",
            lambda env: _zip([("inner.zip", bomb), ("inner.xml", bomb), ("ok.xml", good)]),
            want_ids=two,
        ),
        Case(t, "zip-truncated", lambda env: _zip([("ok.xml", good)])[:-30], expect="quarantined"),
        Case(t, "zip-corrupt-member-between-good", lambda env: _corrupt_middle(good), want_ids=two),
        Case(
            t,
            "zip-10k-members",
            lambda env: _zip([(f"m{i}.txt", b"x") for i in range(10_000)] + [("ok.xml", good)]),
            want_ids=two,
        ),
        Case(
            t,
            "zip-stored-no-compression",
            lambda env: _zip([("ok.xml", good)], zipfile.ZIP_STORED),
            want_ids=two,
        ),
        Case(t, "zip-empty-archive", lambda env: _zip([]), expect="quarantined"),
        Case(
            t,
            "document-over-64mb",
            lambda env: (
                grants(["Good zero"])
                + head
                + b"\n<us-patent-grant>"
                + b"x" * (65 * 1024 * 1024)
                + b"</us-patent-grant>\n"
                + grants(["Good after"])
            ),
            slow=True,
        ),
    ]
    return cases


def _corrupt_middle(good: bytes) -> bytes:
    archive = bytearray(
        _zip([("a.xml", good), ("b.xml", b"<x>" + b"payload " * 5000 + b"</x>"), ("c.xml", good)])
    )
    at = archive.find(b"b.xml") + 200
    archive[at : at + 40] = b"\x00" * 40
    return bytes(archive)


def _article_cases() -> list[Case]:
    t = "policy_feed_article"
    b = TARGETS[t].build
    return [
        Case(
            t,
            "scripts-and-handlers",
            lambda env: b(
                raw_item='<script>alert(1)</script><p onclick="alert(2)">Click</p><a href="javascript:alert(3)">x</a><iframe src="data:text/html,<script>alert(4)</script>"></iframe>'
            ),
            forbidden=ACTIVE,
        ),
        Case(
            t,
            "xhtml-xxe",
            lambda env: (
                f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file://{env.secret_file}">]><html xmlns="http://www.w3.org/1999/xhtml"><body><article><p>&x; {"Long enough paragraph text for extraction. " * 10}</p></article></body></html>'.encode()
            ),
        ),
        Case(
            t,
            "mislabelled-sjis",
            lambda env: (
                b(title="量子技術")
                .decode()
                .replace("<head>", '<head><meta charset="euc-jp">')
                .encode("cp932")
            ),
        ),
        Case(t, "invalid-utf8", lambda env: b(title="T") + b"\xff\xfe\xc3("),
        Case(
            t,
            "deep-divs-100k",
            lambda env: b(raw_item="<div>" * 100_000 + "deep" + "</div>" * 100_000),
        ),
        Case(t, "empty", lambda env: b"", expect="quarantined"),
        Case(t, "json-not-html", lambda env: b'{"error": "not found"}'),
        Case(
            t,
            "page-50mb",
            lambda env: b(raw_item="<p>" + "paragraph text " * (BIG // 15) + "</p>"),
            slow=True,
        ),
        Case(t, "nul-bytes", lambda env: b(title="T\x00T") + b"\x00" * 100),
    ]


def _secret_cases() -> list[Case]:
    """Planted credentials in the request URL and echoed by error bodies must never come out."""
    echo = f"Authorization: Bearer {SECRET_TOKEN} api_key={SECRET_KEY} mailto={SECRET_MAIL}"
    json_errors = {
        "papers_openalex": {"error": f"Invalid api_key {SECRET_KEY}", "message": echo},
        "papers_crossref": {
            "status": "failed",
            "message-type": "validation-failure",
            "message": [{"type": "x", "value": f"mailto={SECRET_MAIL}", "message": echo}],
        },
        "patents_uspto_ppubs": {"error": echo},
        "policy_federal_register": {"errors": {"api_key": echo}},
        "policy_govuk": {"error": echo},
        "papers_cinii": {"error": echo},
    }
    xml_errors = {
        "papers_arxiv": f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#x</id><summary>{echo}</summary></entry></feed>',
        "papers_arxiv_oai": f'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="badArgument">{echo}</error></OAI-PMH>',
        "papers_jstage": f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><result><status>ERR_012</status><message>{echo}</message></result></feed>',
        "patents_epo_ops": f'<?xml version="1.0"?><fault xmlns="http://ops.epo.org"><code>CLIENT.InvalidAccessToken</code><message>{echo} access_token="{SECRET_TOKEN}"</message></fault>',
        "patents_uspto_bulk": f"<?xml version='1.0'?>\n<error>{echo}</error>",
        "policy_feed": f"<html><body><h1>401</h1><pre>{echo}</pre></body></html>",
    }
    cases = []
    for t, body in json_errors.items():
        cases.append(
            Case(
                t,
                "secret-error-body",
                lambda env, body=body: json.dumps(body).encode(),
                expect="quarantined",
                forbidden=SECRETS,
                url=SECRET_URL,
            )
        )
    for t, body in xml_errors.items():
        cases.append(
            Case(
                t,
                "secret-error-body",
                lambda env, body=body: body.encode(),
                expect="quarantined",
                forbidden=SECRETS,
                url=SECRET_URL,
            )
        )
    for t in TARGETS:
        if t == "policy_feed_article":
            continue
        cases.append(
            Case(t, "secret-url-with-bad-item", _bad_item(t), forbidden=SECRETS, url=SECRET_URL)
        )
        cases.append(
            Case(
                t,
                "secret-url-html-page",
                lambda env: (
                    f"<html><body>Forbidden for {SECRET_URL}<br>{echo}</body></html>".encode()
                ),
                expect="quarantined",
                forbidden=SECRETS,
                url=SECRET_URL,
            )
        )
    return cases


def _bad_item(t: str) -> Callable[[Env], bytes]:
    target = TARGETS[t]
    if target.fmt == "json":
        return lambda env: target.build(
            title="Good",
            raw_item=json.dumps({"title": SECRET_URL, "id": SECRET_URL, "link": SECRET_URL}),
        )
    if target.fmt == "bulk":
        return lambda env: (
            grants(["Good"])
            + f"<?xml version='1.0'?>\n<us-patent-grant>{SECRET_URL}</us-patent-grant>\n".encode()
        )
    raw = {
        "policy_feed": f"<item><title>x</title><link>javascript:{SECRET_URL}</link></item>",
        "papers_arxiv": f"<entry><id>{SECRET_URL}</id><title>x</title></entry>",
        "papers_arxiv_oai": f"<record><header><identifier>{SECRET_URL}</identifier></header><metadata><x/></metadata></record>",
        "patents_epo_ops": "<exchange-document><bibliographic-data/></exchange-document>",
        "papers_jstage": "<entry><title>no id</title></entry>",
    }[t]
    return lambda env: target.build(title="Good", raw_item=raw)


def all_cases() -> list[Case]:
    """Every hostile case, for every target."""
    cases: list[Case] = []
    for name, target in TARGETS.items():
        if target.fmt in ("xml", "feed", "bulk"):
            cases += _xml_cases(name)
        elif target.fmt == "json":
            cases += _json_cases(name)
    cases += _specific_cases() + _secret_cases()
    return cases
