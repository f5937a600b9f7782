"""Valid small bodies in each source's real format, built here (no stored files), with a title slot.

Every seed has `{title}` where a hostile title or payload can go, and `{more}` where extra items
can be spliced; `seed(target)` fills them with harmless values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawlers.parsers import (
    papers_arxiv,
    papers_arxiv_oai,
    papers_cinii,
    papers_crossref,
    papers_jstage,
    papers_openalex,
    patents_epo_ops,
    patents_uspto_bulk,
    patents_uspto_ppubs,
    policy_federal_register,
    policy_feed,
    policy_govuk,
)
from crawlers.parsers.base import ParseContext, ParseResult

ARXIV = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
 xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
<opensearch:totalResults>2</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>
<opensearch:itemsPerPage>1</opensearch:itemsPerPage>
<entry><id>http://arxiv.org/abs/2101.00001v2</id><title>{title}</title>
<summary>Qubits in silicon.</summary><published>2021-01-01T00:00:00Z</published>
<author><name>A. Author</name><arxiv:affiliation>Univ</arxiv:affiliation></author>
<link href="http://arxiv.org/abs/2101.00001v2" rel="alternate" type="text/html"/>
<arxiv:primary_category term="quant-ph"/><category term="quant-ph"/></entry>{more}
</feed>"""
ARXIV_MORE = """<entry><id>http://arxiv.org/abs/2101.0000{n}v1</id><title>Extra {n}</title>
<published>2021-01-02T00:00:00Z</published></entry>"""

OAI = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2023-03-07T18:54:05Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><ListRecords>
<record><header><identifier>oai:arXiv.org:2101.00001</identifier><datestamp>2021-01-05</datestamp>
<setSpec>physics:quant-ph</setSpec></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>{title}</dc:title><dc:subject>Quantum Physics</dc:subject><dc:description>Abstract.</dc:description>
<dc:date>2021-01-01</dc:date><dc:identifier>http://arxiv.org/abs/2101.00001</dc:identifier></oai_dc:dc>
</metadata></record>{more}
<resumptionToken cursor="0" completeListSize="3">tok|1001</resumptionToken></ListRecords></OAI-PMH>"""
OAI_MORE = """<record><header><identifier>oai:arXiv.org:2101.0000{n}</identifier></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Extra {n}</dc:title><dc:date>2021-01-02</dc:date></oai_dc:dc></metadata></record>"""

JSTAGE = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"
 xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"><result><status>0</status><message/></result>
<servicecd>3</servicecd><opensearch:totalResults>1</opensearch:totalResults>
<opensearch:startIndex>1</opensearch:startIndex>
<entry><title>{title}</title><article_title><ja>{title}</ja></article_title>
<article_link><ja>https://www.jstage.jst.go.jp/article/x/1/1/1_1/_article/-char/ja/</ja></article_link>
<prism:doi>10.1234/jst.1</prism:doi><pubyear>2020</pubyear></entry>{more}</feed>"""
CINII_ITEM = {
    "@id": "https://cir.nii.ac.jp/crid/1390000000000000001",
    "title": "TITLE",
    "dc:type": "Article",
    "prism:publicationDate": "2024-01-01",
    "dc:identifier": [{"@type": "cir:DOI", "@value": "10.1234/cir.1"}],
    "description": "Qubits in silicon.",
}
JSTAGE_MORE = """<entry><title>Extra {n}</title><prism:doi>10.1234/jst.{n}</prism:doi></entry>"""

EPO = """<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
<exchange-documents>
<exchange-document country="JP" doc-number="2020123456" kind="A" family-id="42"><bibliographic-data>
<publication-reference><document-id document-id-type="docdb"><country>JP</country>
<doc-number>2020123456</doc-number><kind>A</kind><date>20200820</date></document-id></publication-reference>
<invention-title lang="en">{title}</invention-title>
<parties><applicants><applicant data-format="epodoc"><applicant-name><name>TOSHIBA CORP [JP]</name>
</applicant-name></applicant></applicants></parties></bibliographic-data>
<abstract lang="en"><p>An abstract.</p></abstract></exchange-document>{more}
</exchange-documents></ops:world-patent-data>"""
EPO_MORE = """<exchange-document country="EP" doc-number="300000{n}" kind="A1"><bibliographic-data>
<invention-title lang="en">Extra {n}</invention-title></bibliographic-data></exchange-document>"""

GRANT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>
<us-patent-grant lang="EN" dtd-version="v4.5 2014-04-03"><us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>0892711{n}</doc-number>
<kind>B2</kind><date>20150106</date></document-id></publication-reference>
<application-reference><document-id><country>US</country><doc-number>1312345{n}</doc-number>
<date>20130101</date></document-id></application-reference>
<classifications-cpc><main-cpc><classification-cpc><section>H</section><class>01</class>
<subclass>L</subclass><main-group>21</main-group><subgroup>02</subgroup></classification-cpc></main-cpc>
</classifications-cpc><invention-title id="t">{title}</invention-title>
<assignees><assignee><addressbook><orgname>Acme</orgname><address><country>JP</country></address>
</addressbook></assignee></assignees></us-bibliographic-data-grant>
<abstract id="a"><p>Grant abstract {n}.</p></abstract></us-patent-grant>
"""

OPENALEX_WORK = {
    "id": "https://openalex.org/W100",
    "doi": "https://doi.org/10.1000/w100",
    "title": "TITLE",
    "publication_date": "2021-01-01",
    "abstract_inverted_index": {"Quantum": [0], "dots": [1]},
    "authorships": [{"institutions": [{"country_code": "JP", "display_name": "Univ"}]}],
    "cited_by_count": 3,
}
CROSSREF_ITEM = {
    "DOI": "10.1000/c100",
    "title": ["TITLE"],
    "abstract": "<jats:p>Abstract.</jats:p>",
    "published": {"date-parts": [[2021, 1, 1]]},
    "author": [{"affiliation": [{"name": "Univ, Japan"}]}],
}
PPUBS_DOC = {
    "guid": "US-11234567-B2",
    "inventionTitle": "TITLE",
    "abstractHtml": "<p>Abstract.</p>",
    "datePublished": "2022-01-01",
    "inventorCountry": ["JP"],
    "cpcInventiveFlattened": "H01L21/02",
}
FR_DOC = {
    "document_number": "2024-00001",
    "title": "TITLE",
    "type": "Rule",
    "abstract": "Abstract.",
    "publication_date": "2024-01-03",
}
GOVUK_HIT = {
    "link": "/government/news/quantum",
    "title": "TITLE",
    "description": "Description.",
    "public_timestamp": "2024-02-01T09:30:00Z",
    "content_store_document_type": "press_release",
}

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Briefings</title><link>https://example.gov/</link>
<item><title>{title}</title><link>https://example.gov/briefings/one</link>
<guid>https://example.gov/briefings/one</guid><description>Summary.</description>
<pubDate>Tue, 02 Jan 2024 15:00:00 -0500</pubDate></item>{more}</channel></rss>"""
RSS_MORE = """<item><title>Extra {n}</title><link>https://example.gov/briefings/x{n}</link>
<pubDate>Wed, 03 Jan 2024 15:00:00 -0500</pubDate></item>"""

ARTICLE = """<!DOCTYPE html><html><head><title>t</title></head><body><article><h1>{title}</h1>
<p>{para}</p><p>{para}</p>{more}</article></body></html>"""
ARTICLE_PARA = (
    "The ministry announced a programme for quantum computing research and development. " * 3
)


def _json(template: dict[str, Any], wrap: Callable[[list[Any]], Any]) -> Callable[..., bytes]:
    def build(title: str = "A title", more: list[Any] | None = None, raw_item: str = "") -> bytes:
        item = json.dumps(dict(template, **_titled(template, title)), ensure_ascii=False)
        extra = [json.dumps(m, ensure_ascii=False) for m in more or []]
        items = ", ".join([item, *extra, *([raw_item] if raw_item else [])])
        return json.dumps(wrap(["@ITEMS@"])).replace('"@ITEMS@"', items).encode()

    return build


def _titled(template: dict[str, Any], title: str) -> dict[str, Any]:
    key = next(k for k, v in template.items() if v == "TITLE" or v == ["TITLE"])
    return {key: [title] if isinstance(template[key], list) else title}


def _xml(template: str, more: str | None) -> Callable[..., bytes]:
    def build(title: str = "A title", more_count: int = 0, raw_item: str = "") -> bytes:
        extra = "".join(more.format(n=n + 2) for n in range(more_count)) if more else ""
        return template.replace("{title}", title).replace("{more}", extra + raw_item).encode()

    return build


def grants(titles: list[str]) -> bytes:
    """Concatenated USPTO grant documents, as in a weekly bulk file."""
    return "".join(
        GRANT.replace("{n}", str(n)).replace("{title}", t) for n, t in enumerate(titles)
    ).encode()


def _grant(title: str = "A title", more_count: int = 0, raw_item: str = "") -> bytes:
    return grants([title] + [f"Extra {n}" for n in range(more_count)]) + raw_item.encode()


def _article(title: str = "A title", more_count: int = 0, raw_item: str = "") -> bytes:
    page = ARTICLE.replace("{para}", ARTICLE_PARA).replace("{title}", title)
    return page.replace("{more}", raw_item).encode()


def parse_article(body: bytes, ctx: ParseContext) -> str:
    """The article extractor under the same calling convention as the parsers."""
    return policy_feed.parse_article(body, ctx)


@dataclass(frozen=True)
class Target:
    """One parser under attack: its name, function, format and a seed body builder."""

    name: str
    parse: Callable[[bytes, ParseContext], ParseResult | str]
    fmt: str  # "xml", "json", "feed", "bulk" or "html"
    build: Callable[..., bytes]
    options: dict[str, Any] = field(default_factory=dict)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "papers_openalex",
            papers_openalex.parse,
            "json",
            _json(OPENALEX_WORK, lambda items: {"meta": {"count": 1}, "results": items}),
        ),
        Target("papers_arxiv", papers_arxiv.parse, "xml", _xml(ARXIV, ARXIV_MORE)),
        Target("papers_arxiv_oai", papers_arxiv_oai.parse, "xml", _xml(OAI, OAI_MORE)),
        Target(
            "papers_crossref",
            papers_crossref.parse,
            "json",
            _json(
                CROSSREF_ITEM,
                lambda items: {
                    "status": "ok",
                    "message-type": "work-list",
                    "message": {"items": items, "total-results": 1},
                },
            ),
        ),
        Target("papers_jstage", papers_jstage.parse, "xml", _xml(JSTAGE, JSTAGE_MORE)),
        Target(
            "papers_cinii",
            papers_cinii.parse,
            "json",
            _json(
                CINII_ITEM,
                lambda items: {
                    "@id": "https://cir.nii.ac.jp/opensearch/articles",
                    "opensearch:totalResults": 1,
                    "opensearch:startIndex": 1,
                    "items": items,
                },
            ),
        ),
        Target("patents_epo_ops", patents_epo_ops.parse, "xml", _xml(EPO, EPO_MORE)),
        Target("patents_uspto_bulk", patents_uspto_bulk.parse, "bulk", _grant),
        Target(
            "patents_uspto_ppubs",
            patents_uspto_ppubs.parse,
            "json",
            _json(PPUBS_DOC, lambda items: {"patents": items, "totalResults": 1}),
        ),
        Target(
            "policy_federal_register",
            policy_federal_register.parse,
            "json",
            _json(FR_DOC, lambda items: {"count": 1, "results": items}),
        ),
        Target(
            "policy_govuk",
            policy_govuk.parse,
            "json",
            _json(GOVUK_HIT, lambda items: {"results": items, "total": 1, "start": 0}),
        ),
        Target("policy_feed", policy_feed.parse, "feed", _xml(RSS, RSS_MORE), {"country": "US"}),
        Target("policy_feed_article", parse_article, "html", _article),
    )
}


def seed(name: str, **kwargs: Any) -> bytes:
    """The valid seed body of a target."""
    return TARGETS[name].build(**kwargs)


def context(name: str, body: bytes, url: str = "https://example.org/page") -> ParseContext:
    """A parse context for a target, its configured options included."""
    source = "policy_feed" if name == "policy_feed_article" else name
    return ParseContext.for_body(source, body, url=url, options=dict(TARGETS[name].options))
