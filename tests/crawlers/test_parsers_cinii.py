"""CiNii OpenSearch parser: CiNii Research's shape (items at the top level) and the legacy
CiNii Articles / Books / Dissertations answers recorded in ../shared/data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crawlers.parsers import papers_cinii
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.registry import SOURCES, get_parser

FOLDER = "fixtures/jp_research_metadata/cinii_opensearch"


def run(data: object, url: str = "") -> ParseResult:
    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return papers_cinii.parse(body, ParseContext.for_body("papers_cinii", body, url=url))


def research_page(kind: str, items: list[object], total: int = 45, start: int = 1) -> dict:
    """A CiNii Research OpenSearch JSON-LD answer (channel fields at the top level)."""
    return {
        "@context": {"@vocab": "http://purl.org/rss/1.0/", "cir": "https://cir.nii.ac.jp/schema/1.0/"},
        "@id": f"https://cir.nii.ac.jp/opensearch/{kind}?q=%E9%87%8F%E5%AD%90&format=json&appid=PLANTED-APPID",
        "@type": "channel", "title": f"CiNii Research {kind} 量子",
        "opensearch:totalResults": total, "opensearch:startIndex": start,
        "opensearch:itemsPerPage": len(items), "items": items,
    }  # fmt: skip


ARTICLE = {
    "@id": "https://cir.nii.ac.jp/crid/1390001234567890123",
    "@type": "item",
    "title": "超伝導量子ビットの集積化",
    "link": {"@id": "https://cir.nii.ac.jp/crid/1390001234567890123"},
    "dc:creator": ["山田 太郎", "Suzuki Hanako"],
    "dc:type": "Article",
    "dc:publisher": "日本物理学会",
    "prism:publicationName": "日本物理学会誌",
    "prism:issn": "0029-0181",
    "prism:publicationDate": "2024-03",
    "dc:identifier": [
        {"@type": "cir:DOI", "@value": "10.11316/Butsuri.79.3_120"},
        {"@type": "cir:NAID", "@value": "130008000000"},
    ],
    "description": "<jats:p>量子ビットを&amp;集積する。</jats:p>",
}


def test_cinii_research_articles_page():
    book = {**ARTICLE, "@id": "https://cir.nii.ac.jp/crid/1130000000000000001", "dc:type": "Book",
            "dc:identifier": []}  # fmt: skip
    untitled = {"@id": "https://cir.nii.ac.jp/crid/1390000000000000002", "dc:type": "Article"}
    page = run(research_page("articles", [ARTICLE, book, untitled, "stray"]))
    (record,) = page.records
    assert record.record_id == "doi:10.11316/butsuri.79.3_120"
    assert record.ids == ["doi:10.11316/butsuri.79.3_120",
                          "url:https://cir.nii.ac.jp/crid/1390001234567890123"]  # fmt: skip
    assert (record.kind.value, record.language, record.title) == ("paper", "ja", ARTICLE["title"])
    assert record.published_date == dt.date(2024, 3, 1)
    assert record.text == "量子ビットを&集積する。"  # JATS tags dropped, entities read
    assert record.countries == [] and record.organizations == []  # CiNii names no affiliations
    assert record.url == ARTICLE["link"]["@id"]
    assert record.extra == {"type": "article", "container_title": "日本物理学会誌",
                            "issn": "0029-0181", "publisher": "日本物理学会",
                            "authors": ["山田 太郎", "Suzuki Hanako"], "naid": "130008000000",
                            "date_precision": "month"}  # fmt: skip
    assert [r.reason for r in page.rejects] == [
        "a book (dc:type 'book'), not a paper",
        "item has no title",
        "item is a str, not an object",
    ]
    assert page.total == 45 and page.next_page == "5"  # start 1 + 4 items


def test_cinii_research_dissertations_are_credited_to_japan():
    thesis = {"@id": "https://cir.nii.ac.jp/crid/1910000000000000001", "title": "Quantum sensing with NV centres",
              "dc:publisher": "東北大学", "dc:date": "2024", "ndl:degreeName": "博士(理学)"}  # fmt: skip
    page = run(research_page("dissertations", [thesis], total=1))
    (record,) = page.records
    assert record.record_id == "url:https://cir.nii.ac.jp/crid/1910000000000000001"
    assert record.language == "en" and record.published_date == dt.date(2024, 1, 1)
    # a Japanese doctorate: the granting university is the affiliation
    assert [(c.country, c.weight) for c in record.countries] == [("JP", 1.0)]
    assert record.organizations == ["東北大学"]
    assert record.extra["type"] == "dissertation" and record.extra["date_precision"] == "year"
    assert page.next_page is None  # 1 of 1


def test_cinii_empty_error_and_malformed_answers():
    empty = run(research_page("articles", [], total=0))
    assert (empty.records, empty.rejects, empty.total, empty.next_page) == ([], [], 0, None)
    with pytest.raises(ParseError, match="CiNii error: appid is required"):
        run({"error": "appid is required"})
    with pytest.raises(ParseError, match="top level is list"):
        run([1, 2])
    with pytest.raises(ParseError, match="items is a dict"):
        run({**research_page("articles", []), "items": {"a": 1}})
    with pytest.raises(ParseError, match="expected JSON, got markup"):
        run(b"<html><body>503</body></html>")
    assert "papers_cinii" in SOURCES and get_parser("papers_cinii") is papers_cinii.parse


def test_legacy_graph_shape_and_undated_items():
    legacy = {"@graph": [{"@id": "https://ci.nii.ac.jp/opensearch/search?q=x&start=1",
                          "opensearch:totalResults": "2", "opensearch:startIndex": "0",
                          "items": [{"@id": "https://ci.nii.ac.jp/naid/110000000001/en",
                                     "title": "Qubit control", "dc:date": "19--",
                                     "dc:creator": [{"@value": "Tanaka Ichiro"}]}]}]}  # fmt: skip
    page = run(legacy)
    (record,) = page.records
    assert record.record_id == "url:https://ci.nii.ac.jp/naid/110000000001"  # language view dropped
    assert record.published_date is None and record.extra["authors"] == ["Tanaka Ichiro"]
    assert page.next_page == "2"  # a legacy startIndex 0 answers start=1


@pytest.mark.shared
def test_cinii_recorded_legacy_answers(shared_data):
    folder = shared_data / FOLDER
    articles = run((folder / "cinii_articles_opensearch.json").read_bytes())
    assert len(articles.records) == 20 and articles.rejects == []
    assert articles.total == 3422 and articles.next_page == "21"
    first = articles.records[0]
    assert first.record_id == "url:https://ci.nii.ac.jp/naid/110008093161"
    assert first.published_date == dt.date(2018, 7, 20) and first.language == "en"
    assert first.extra["container_title"] == "Japanese Journal of Social Welfare"
    assert first.extra["authors"] == ["Mochizuki Akira"]
    assert first.text.startswith(
        'This article is a proposal for the full cooperation of the profession of "psychology"'
    )
    assert first.countries == []
    by_id = {r.record_id: r for r in articles.records}
    second = by_id["url:https://ci.nii.ac.jp/naid/40021608074"]
    assert second.language == "ja" and second.published_date == dt.date(2018, 6, 1)
    assert second.extra["date_precision"] == "month"
    assert sum(r.language == "ja" for r in articles.records) == 4

    theses = run((folder / "cinii_dissertations_opensearch.json").read_bytes())
    assert len(theses.records) == 20 and theses.total == 46 and theses.next_page == "21"
    thesis = theses.records[0]
    assert thesis.record_id == "url:http://ci.nii.ac.jp/naid/500000978699"
    assert thesis.title == "モデル動物における連合学習神経基盤の研究"
    assert thesis.published_date == dt.date(2016, 3, 24) and thesis.organizations == ["東海大学"]
    assert (
        thesis.extra["degree_name"] == "博士(理学)"
        and thesis.extra["dissertation_number"] == "甲第985号"
    )
    assert all(r.countries[0].country == "JP" for r in theses.records)

    books = run((folder / "cinii_books_opensearch.json").read_bytes())
    assert books.records == [] and len(books.rejects) == 20
    assert {r.reason for r in books.rejects} == {
        "a CiNii Books record (/ncid/), a book or journal title, not a paper"
    }
    assert books.rejects[0].item == "http://ci.nii.ac.jp/ncid/AN10150936"
