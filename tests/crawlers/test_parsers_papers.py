"""Paper parsers: literal bodies in each source's real format, then the recorded responses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crawlers.parsers import (
    papers_arxiv,
    papers_arxiv_oai,
    papers_crossref,
    papers_jstage,
    papers_openalex,
)
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from horizon.schemas import Sharing


def run(module, body: bytes, source: str = "test", **kwargs) -> ParseResult:
    return module.parse(body, ParseContext.for_body(source, body, **kwargs))


def weights(record) -> dict[str, float]:
    return {c.country: round(c.weight, 6) for c in record.countries}


# --- literal bodies ------------------------------------------------------------------------------

OPENALEX_PAGE = json.dumps(
    {
        "meta": {"count": 2, "per_page": 2, "next_cursor": "IlsxMDAuMF0i", "page": None},
        "results": [
            {
                "id": "https://openalex.org/W100",
                "doi": "https://doi.org/10.1234/ABC.5",
                "title": "Quantum sensing with spins",
                "publication_date": "2024-03-05",
                "language": "en",
                "type": "article",
                "cited_by_count": 7,
                "fwci": 1.5,
                "abstract_inverted_index": {
                    "sensing": [1, 4],
                    "Quantum": [0],
                    "with": [2],
                    "spins": [3],
                },
                "authorships": [
                    {"institutions": [{"display_name": "Univ Tokyo", "country_code": "JP"}]},
                    {
                        "institutions": [
                            {"display_name": "MIT", "country_code": "US"},
                            {"display_name": "Univ Tokyo", "country_code": "JP"},
                        ]
                    },
                    {"institutions": [], "countries": ["DE"]},
                    {"institutions": [{"display_name": "Unknown", "country_code": None}]},
                ],
                "primary_topic": {
                    "id": "https://openalex.org/T1",
                    "display_name": "Quantum sensing",
                    "subfield": {"display_name": "Atomic and Molecular Physics, and Optics"},
                    "field": {"display_name": "Physics and Astronomy"},
                },
                "topics": [{"id": "https://openalex.org/T1", "display_name": "Quantum sensing"}],
                "primary_location": {"source": {"display_name": "Phys Rev X"}},
            },
            {
                "id": "https://openalex.org/W200",
                "doi": "https://doi.org/10.48550/arXiv.2401.00001",
                "title": "A preprint",
                "publication_date": "2024-01-01",
                "language": None,
                "authorships": [],
                "abstract_inverted_index": None,
            },
        ],
    }
).encode()


def test_openalex_literal_page():
    result = run(papers_openalex, OPENALEX_PAGE, "papers_openalex", sharing=Sharing.green)
    assert result.next_page == "IlsxMDAuMF0i" and result.total == 2 and not result.rejects
    first, second = result.records
    assert first.record_id == "doi:10.1234/abc.5"
    assert first.ids == ["doi:10.1234/abc.5", "openalex:W100"]
    assert first.text == "Quantum sensing with spins sensing"
    # authors: JP | US+JP | DE (fallback) | none → JP 1/3 + 1/6, US 1/6, DE 1/3
    assert weights(first) == {"DE": 0.333333, "JP": 0.5, "US": 0.166667}
    assert first.organizations == ["Univ Tokyo", "MIT", "Unknown"]
    assert first.codes.topics == [
        "Quantum sensing",
        "Atomic and Molecular Physics, and Optics",
        "Physics and Astronomy",
    ]
    assert first.published_date == dt.date(2024, 3, 5) and first.cited_by_count == 7
    assert first.extra == {
        "fwci": 1.5,
        "type": "article",
        "container_title": "Phys Rev X",
        "topic_ids": ["T1"],
    }
    assert first.sharing is Sharing.green and first.source == "papers_openalex"
    # arXiv's own DOI: the record is keyed by the arXiv id so it meets the arXiv records
    assert second.record_id == "arxiv:2401.00001"
    assert second.ids == ["doi:10.48550/arxiv.2401.00001", "arxiv:2401.00001", "openalex:W200"]
    assert second.countries == [] and second.text == "" and second.language == "und"


def test_openalex_empty_page_and_errors():
    empty = b'{"meta":{"count":2,"next_cursor":null},"results":[],"group_by":[]}'
    result = run(papers_openalex, empty)
    assert result.records == [] and result.next_page is None
    with pytest.raises(ParseError, match="malformed JSON"):
        run(papers_openalex, OPENALEX_PAGE[:300])
    with pytest.raises(ParseError, match="markup"):
        run(papers_openalex, b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(ParseError, match="not an OpenAlex works"):
        run(papers_openalex, b'{"id": "https://openalex.org/I27837315", "display_name": "U"}')
    bad = run(
        papers_openalex, b'{"meta":{},"results":[{"id":"https://openalex.org/W1","title":null}, 3]}'
    )
    assert [r.reason for r in bad.rejects] == [
        "title: String should have at least 1 character",
        "result is a int, not a work object",
    ]


OAI_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2023-03-07T18:54:05Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">http://export.arxiv.org/oai2</request>
<ListRecords>
<record><header><identifier>oai:arXiv.org:quant-ph/0201082</identifier><datestamp>2023-03-07</datestamp>
<setSpec>physics:quant-ph</setSpec></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Quantum  Computer
  Languages</dc:title><dc:creator>Blaha, Stephen</dc:creator>
<dc:subject>Quantum Physics</dc:subject><dc:subject>Computer Science - Programming Languages</dc:subject>
<dc:subject>68N15</dc:subject><dc:subject>Quantitative Biology</dc:subject>
<dc:description>  We show a representation where a &lt; b.
</dc:description><dc:description>Comment: 32 pages</dc:description>
<dc:date>2002-01-18</dc:date><dc:date>2023-03-05</dc:date>
<dc:identifier>http://arxiv.org/abs/quant-ph/0201082</dc:identifier>
<dc:identifier>doi:10.1000/XYZ</dc:identifier><dc:identifier>J. Phys. 1 (2002)</dc:identifier>
</oai_dc:dc></metadata></record>
<record><header status="deleted"><identifier>oai:arXiv.org:2101.00001</identifier></header></record>
<resumptionToken cursor="0" completeListSize="2265">6511260|1001</resumptionToken>
</ListRecords></OAI-PMH>"""


def test_oai_literal_page():
    result = run(papers_arxiv_oai, OAI_PAGE, "papers_arxiv_oai")
    assert result.next_page == "6511260|1001" and result.total == 2265
    assert [r.reason for r in result.rejects] == ["record deleted in the repository"]
    (record,) = result.records
    assert record.record_id == "doi:10.1000/xyz"
    assert record.ids == ["doi:10.1000/xyz", "arxiv:quant-ph/0201082"]
    assert record.title == "Quantum Computer Languages"
    assert record.text == "We show a representation where a < b."
    assert record.codes.arxiv == ["quant-ph", "cs.PL"]
    assert record.codes.topics == [
        "Quantum Physics",
        "Computer Science - Programming Languages",
        "68N15",
        "Quantitative Biology",
    ]
    assert record.published_date == dt.date(2002, 1, 18)
    assert record.extra["journal_ref"] == "J. Phys. 1 (2002)"


def test_oai_errors_and_last_page():
    head = b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>x</responseDate>'
    none = run(papers_arxiv_oai, head + b'<error code="noRecordsMatch">none</error></OAI-PMH>')
    assert none.records == [] and none.next_page is None
    with pytest.raises(ParseError, match="OAI-PMH error badResumptionToken: expired"):
        run(papers_arxiv_oai, head + b'<error code="badResumptionToken">expired</error></OAI-PMH>')
    with pytest.raises(ParseError, match="malformed XML"):
        run(papers_arxiv_oai, OAI_PAGE[: len(OAI_PAGE) // 2])
    last = OAI_PAGE.replace(b">6511260|1001</resumptionToken>", b"></resumptionToken>")
    assert run(papers_arxiv_oai, last).next_page is None
    with pytest.raises(ParseError, match="declares entities"):
        run(papers_arxiv_oai, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')


def test_arxiv_error_feed_and_paging():
    feed = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        b"<opensearch:totalResults>25</opensearch:totalResults><opensearch:startIndex>10</opensearch:startIndex>"
        b"<opensearch:itemsPerPage>10</opensearch:itemsPerPage>%s</feed>"
    )
    entry = (
        b"<entry><id>http://arxiv.org/abs/math.GT/0309136v2</id><title>T</title>"
        b"<published>2003-09-08T00:00:00Z</published>"
        b'<category term="math.GT"/><category term="57M25; 57M27"/></entry>'
    )
    page = run(papers_arxiv, feed % entry)
    assert page.next_page == "11" and page.total == 25
    (record,) = page.records
    assert record.record_id == "arxiv:math/0309136" and record.codes.arxiv == ["math.GT"]
    assert record.codes.topics == ["57M25", "57M27"] and record.extra["version"] == 2
    assert run(papers_arxiv, feed % b"").next_page is None
    error = b"<entry><id>https://arxiv.org/api/errors#x</id><summary>bad query</summary></entry>"
    with pytest.raises(ParseError, match="arXiv API error: bad query"):
        run(papers_arxiv, feed % error)
    with pytest.raises(ParseError, match="not an Atom feed"):
        run(papers_arxiv, b"<rss><channel/></rss>")


def test_crossref_literal_bodies():
    page = {
        "status": "ok",
        "message-type": "work-list",
        "message": {
            "total-results": 2,
            "next-cursor": "abc",
            "items": [
                {
                    "DOI": "10.5555/ONE",
                    "title": ["A <i>widget</i>"],
                    "abstract": "<jats:title>Abstract</jats:title><jats:p>Widgets &amp; gadgets.</jats:p>",
                    "author": [
                        {"affiliation": [{"name": "Tohoku University, Sendai, Japan"}]},
                        {
                            "affiliation": [
                                {"name": "Dept X, Oxford, UK"},
                                {"name": "Inria, France"},
                            ]
                        },
                    ],
                    "issued": {"date-parts": [[2019, 5]]},
                    "published-online": {"date-parts": [[2019, 4, 2]]},
                    "subject": ["Ecology"],
                    "is-referenced-by-count": 3,
                    "container-title": ["PeerJ"],
                    "type": "journal-article",
                },
                {
                    "DOI": "10.5555/two",
                    "title": ["Two"],
                    "author": [{"affiliation": [{"name": "Berkeley, California"}]}],
                },
                {"DOI": "10.5555/issue", "type": "journal-issue"},
            ],
        },
    }
    result = run(papers_crossref, json.dumps(page).encode())
    assert result.next_page == "abc" and result.total == 2
    one, two = result.records
    assert one.record_id == "doi:10.5555/one" and one.title == "A widget"
    assert one.text == "Widgets & gadgets." and one.language == "en"
    assert weights(one) == {"FR": 0.25, "GB": 0.25, "JP": 0.5}
    assert one.published_date == dt.date(2019, 4, 2) and one.cited_by_count == 3
    assert one.codes.topics == ["Ecology"] and one.extra["container_title"] == "PeerJ"
    assert two.countries == []  # "California" is no country: leave it empty rather than guess
    assert [r.item for r in result.rejects] == ["doi:10.5555/issue"]
    failure = b'{"status":"failed","message-type":"validation-failure","message":[{"type":"parameter-not-allowed","value":"query.*","message":"no"}]}'
    with pytest.raises(ParseError, match="validation-failure: parameter-not-allowed query"):
        run(papers_crossref, failure)
    with pytest.raises(ParseError, match="Resource not found"):
        run(papers_crossref, b"Resource not found.")
    with pytest.raises(ParseError, match="'funder-list' carries no works"):
        run(papers_crossref, b'{"status":"ok","message-type":"funder-list","message":{"items":[]}}')
    empty = {"message-type": "work-list", "message": {"items": [], "next-cursor": "abc"}}
    assert run(papers_crossref, json.dumps(empty).encode()).next_page is None


# --- recorded responses ----------------------------------------------------------------------------


def read(path: Path, unwrap: bool = False) -> bytes:
    body = path.read_bytes()
    return json.loads(body)["body"].encode() if unwrap else body


def expected_countries(work: dict) -> dict[str, float]:
    """Author-level fractional counting straight from the JSON (institutions, else `countries`)."""
    authors = []
    for authorship in work.get("authorships") or []:
        codes = {
            i["country_code"] for i in authorship.get("institutions") or [] if i.get("country_code")
        }
        authors.append(codes or set(authorship.get("countries") or []))
    authors = [a for a in authors if a]
    totals: dict[str, float] = {}
    for codes in authors:
        for code in codes:
            totals[code] = totals.get(code, 0.0) + 1 / len(authors) / len(codes)
    return {c: round(w, 6) for c, w in totals.items()}


def test_openalex_recorded_pages(shared_data):
    pages = sorted((shared_data / "fixtures/openalex/api_list_pages").glob("*.json"))
    works, records, rejects = {}, {}, []
    for path in pages:
        body = read(path)
        result = run(papers_openalex, body, "papers_openalex")
        data = json.loads(body)
        expected_next = data["meta"]["next_cursor"] if data["results"] else None
        assert result.next_page == expected_next, path.name
        works.update({w["id"].rsplit("/", 1)[-1]: w for w in data["results"]})
        for record in result.records:
            openalex_id = next(i for i in record.ids if i.startswith("openalex:"))[9:]
            records[openalex_id] = record
        rejects += result.rejects
    assert len(works) == 488
    # the one recorded work without any title (W2963341956, BERT) is refused with the reason
    assert len(records) == 487 and [r.item for r in rejects] == ["doi:10.18653/v1/n19-1423"]
    for work_id, record in records.items():
        assert weights(record) == expected_countries(works[work_id]), work_id
        if record.countries:
            assert sum(c.weight for c in record.countries) == pytest.approx(1.0)
    with_countries = [r for r in records.values() if r.countries]
    assert sum(1 for r in with_countries if "JP" in weights(r)) >= 8
    bibliometrix = records["W2755950973"]
    assert bibliometrix.record_id == "doi:10.1016/j.joi.2017.08.007"
    assert weights(bibliometrix) == {"IT": 1.0}
    assert bibliometrix.codes.topics[:3] == [
        "Data Analysis with R",
        "Artificial Intelligence",
        "Computer Science",
    ]
    assert bibliometrix.extra["fwci"] == 105.621 and bibliometrix.cited_by_count == 9231
    spectrum = records["W4375956209"]
    assert spectrum.ids == [
        "doi:10.1128/spectrum.05236-22",
        "openalex:W4375956209",
        "pmid:37158739",
    ]
    assert weights(spectrum) == {
        "CH": 0.095238,
        "GB": 0.142857,
        "JP": 0.047619,
        "UG": 0.285714,
        "US": 0.428571,
    }
    oa = records["W2741809807"]
    assert oa.published_date == dt.date(2018, 2, 13) and oa.text.startswith(
        "Despite growing interest"
    )


def test_arxiv_api_recorded(shared_data):
    folder = shared_data / "fixtures/arxiv_api"
    records = {}
    for path in sorted((folder / "json_recorded").glob("*.json")):
        if path.name.startswith("id_abc_"):
            with pytest.raises(ParseError, match="incorrect id format for abc"):
                run(papers_arxiv, read(path, unwrap=True))
            continue
        result = run(papers_arxiv, read(path, unwrap=True))
        assert not result.rejects
        records.update({r.ids[-1]: r for r in result.records})
    assert len(records) == 105
    quant = records["arxiv:quant-ph/0201082"]
    assert quant.record_id == "arxiv:quant-ph/0201082" and quant.codes.arxiv == [
        "quant-ph",
        "cs.PL",
    ]
    assert quant.published_date == dt.date(2002, 1, 18) and quant.extra["version"] == 1
    assert quant.title.startswith("Quantum Computers and Quantum Computer Languages")
    testing = records["arxiv:2202.12139"]
    assert testing.record_id == "doi:10.1109/icstw55395.2022.00035"
    assert (
        testing.codes.arxiv == ["cs.SE", "cs.LG"]
        and testing.url == "https://arxiv.org/abs/2202.12139v1"
    )
    first = run(
        papers_arxiv, read(next((folder / "json_recorded").glob("q_testing_s0_m10_*")), True)
    )
    assert first.total == 214881 and first.next_page == "10"
    old = {}
    for path in sorted((folder / "raw_atom_2016").glob("*.xml")):
        old.update({r.ids[-1]: r for r in run(papers_arxiv, read(path)).records})
    assert len(old) == 12
    stripe = old["arxiv:cond-mat/0603029"]
    assert stripe.record_id == "doi:10.1103/physrevb.74.024520"
    assert stripe.codes.arxiv == ["cond-mat.str-el", "cond-mat.supr-con"]
    assert stripe.published_date == dt.date(2006, 3, 2)
    assert stripe.extra["journal_ref"] == "Phys. Rev. B 74, 024520 (2006)"


def test_arxiv_oai_recorded(shared_data):
    folder = shared_data / "fixtures/arxiv_oai_pmh"
    first = run(papers_arxiv_oai, read(folder / "ListRecords_data_0.xml"))
    last = run(papers_arxiv_oai, read(folder / "ListRecords_data_2.xml"))
    assert (len(first.records), len(last.records)) == (1000, 265)
    assert first.next_page == "6511260|1001" and last.next_page is None and first.total == 2265
    assert not first.rejects and not last.rejects
    by_arxiv = {r.ids[-1]: r for r in first.records + last.records}
    assert len(by_arxiv) == 1265
    kempner = by_arxiv["arxiv:0806.4410"]
    assert kempner.codes.arxiv == ["math.CA", "math.NT"]
    assert kempner.codes.topics[-1] == "40-01, 65B10" and kempner.published_date == dt.date(
        2008, 6, 27
    )
    assert "Comment:" not in kempner.text and kempner.text.endswith("has not yet been developed.")
    mapped = sum(1 for r in by_arxiv.values() if r.codes.arxiv)
    assert mapped == 1265  # every record has at least one arXiv category
    (one,) = run(papers_arxiv_oai, read(folder / "GetRecord_data.xml")).records
    assert one.record_id == "doi:10.1038/s41535-022-00470-6" and one.ids[-1] == "arxiv:2107.10460"
    assert one.codes.arxiv == ["cond-mat.supr-con", "cond-mat.mtrl-sci", "cond-mat.str-el"]
    assert one.extra["journal_ref"] == "npj Quantum Materials 7, 62 (2022)"
    with pytest.raises(ParseError, match="ListIdentifiers"):
        run(papers_arxiv_oai, read(folder / "ListIdentifiers_data.xml"))


def test_arxiv_subject_table_matches_taxonomy(shared_data):
    definitions = json.loads(
        (shared_data / "concordance/arxiv_taxonomy/arxiv_taxonomy_definitions.json").read_text()
    )
    categories = definitions["CATEGORIES"]
    for code, spec in categories.items():
        if not spec.get("is_active", True):
            continue
        archive = definitions["ARCHIVES"].get(spec["in_archive"], {}).get("full_name", "")
        name = (
            spec["full_name"] if code == spec["in_archive"] else f"{archive} - {spec['full_name']}"
        )
        assert papers_arxiv_oai.subject_category(name) == code, name


def test_crossref_recorded(shared_data):
    folder = shared_data / "fixtures/crossref/decoded"
    dois, records, refused = set(), {}, {}
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".meta.json"):
            continue
        meta = json.loads(path.with_name(path.name.replace(".json", ".meta.json")).read_text())
        try:
            result = run(papers_crossref, read(path))
        except ParseError as exc:
            refused[path.name] = str(exc)
            continue
        assert meta["status"] == 200
        records.update({r.record_id: r for r in result.records})
        refused.update({r.item: r.reason for r in result.rejects})
        dois |= {r.record_id for r in result.records} | {r.item for r in result.rejects}
    assert len(dois) == 235 and len(records) == 233
    assert refused["doi:10.1002/humu.2018.39.issue-6"].startswith(
        "title:"
    )  # journal issues: no title
    assert sorted(k for k in refused if k.endswith(".json")) == [
        "test_funders_query__00.json",
        "test_funders_query_filters_not_allowed_with_dois__00.json",
        "test_members_query__00.json",
        "test_members_query_filters_not_allowed_with_dois__00.json",
        "test_works_query_filters_not_allowed_with_dois__00.json",
        "test_workscontainer_failure_behavior__00.json",
        "test_workscontainer_failure_behavior__01.json",
    ]
    for name in (
        "test_works_bad_id_warn__00.txt",
        "test_content_negotiation_citeproc_json__00.txt",
    ):
        with pytest.raises(ParseError):
            run(papers_crossref, read(folder / name))
    (water,) = run(
        papers_crossref, read(folder / "test_content_negotiation_citeproc_json__01.txt")
    ).records
    assert water.record_id == "doi:10.1126/science.169.3946.635"
    assert water.text.startswith("The train of thought pursued in this article")
    peerj = records["doi:10.7717/peerj.14276"]
    assert weights(peerj) == {"BR": 0.708333, "CA": 0.083333, "PT": 0.125, "US": 0.083333}
    located = [r for r in records.values() if r.countries]
    assert len(located) > 40
    for record in located:  # every affiliation of a located work names one of its countries
        found = {papers_crossref.affiliation_country(o) for o in record.organizations}
        assert found == set(weights(record)), record.record_id
    frets = records["doi:10.1038/srep16696"]
    assert frets.title.startswith("Single-molecule FRET studies on alpha-synuclein")
    widget = records["doi:10.1007/978-1-4302-0197-7_9"]
    assert widget.published_date is None and widget.extra["type"] == "book-chapter"
    assert widget.url == "https://doi.org/10.1007/978-1-4302-0197-7_9"


JSTAGE_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"
 xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xml:lang="ja">
<result><status>{status}</status><message>{message}</message></result><servicecd>3</servicecd>
<opensearch:totalResults>5</opensearch:totalResults><opensearch:startIndex>1</opensearch:startIndex>
<opensearch:itemsPerPage>1</opensearch:itemsPerPage>
<entry><article_title><en><![CDATA[ Quantum dots ]]></en><ja><![CDATA[量子ドット]]></ja></article_title>
<article_link><en>https://www.jstage.jst.go.jp/article/x/1/1/1_1/_article</en></article_link>
<material_title><en><![CDATA[Journal X]]></en></material_title><pubyear>2019</pubyear>
<title><![CDATA[量子ドット]]></title><id>https://www.jstage.jst.go.jp/article/x/1/1/1_1/_article/-char/ja/</id>
</entry></feed>"""


def test_jstage_literal_page():
    page = run(papers_jstage, JSTAGE_PAGE.format(status=0, message="").encode())
    (record,) = page.records
    assert record.record_id == "url:https://www.jstage.jst.go.jp/article/x/1/1/1_1/_article"
    assert record.title == "量子ドット" and record.language == "ja"
    assert record.extra["title_alt"] == "Quantum dots" and record.published_date == dt.date(
        2019, 1, 1
    )
    assert page.next_page == "2" and page.total == 5
    with pytest.raises(ParseError, match="J-STAGE error status ERR_012: bad"):
        run(papers_jstage, JSTAGE_PAGE.format(status="ERR_012", message="bad").encode())
    # ERR_001 is J-STAGE's answer to a search with no hits: an empty last page, not an error
    empty = run(papers_jstage, JSTAGE_PAGE.format(status="ERR_001", message="").encode())
    assert (empty.records, empty.rejects, empty.total, empty.next_page) == ([], [], 0, None)


def test_jstage_recorded(shared_data):
    folder = shared_data / "fixtures/jp_research_metadata/jstage_webapi"
    recorded = run(
        papers_jstage, read(folder / "jstage_service3_search_abst_recorded_2020-01-14.xml")
    )
    assert [r.record_id for r in recorded.records] == [
        "doi:10.11249/jsbpjjpp.23.1_53",
        "doi:10.11249/jsbpjjpp.25.2_109",
        "doi:10.4264/numa.70.125",
    ]
    first = recorded.records[0]
    assert first.title == "進化論の見地からみる統合失調症" and first.published_date == dt.date(
        2012, 1, 1
    )
    assert first.extra["container_title"] == "Japanese Journal of Biological Psychiatry"
    assert recorded.total == 677 and recorded.next_page == "4"
    with pytest.raises(ParseError, match="service 2"):
        run(papers_jstage, read(folder / "jstage_service2_volumes_manual_sample.xml"))


@pytest.mark.parametrize(
    ("affiliation", "country"),
    [
        ("Washington State University, Pullman WA USA", "US"),
        ("Bayer CropScience AG; Monheim Germany", "DE"),
        ("Dept of Physics, Seoul Republic of Korea", "KR"),
        ("Tokyo Institute of Technology, Tokyo, Japan", "JP"),
        ("University of New Mexico, Albuquerque New Mexico", None),
        ("University of Georgia, Athens Georgia", None),
        ("Port Moresby Papua New Guinea", "PG"),
        ("Max Planck Institute for Polymer Research", None),
    ],
)
def test_affiliation_country_ends_with_a_country_name(affiliation, country):
    assert papers_crossref.affiliation_country(affiliation) == country
