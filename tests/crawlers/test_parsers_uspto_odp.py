"""USPTO Open Data Portal parser: application search answers (current and beta shapes)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crawlers.parsers import patents_uspto_odp
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.patents_uspto_odp import publication_id

SEARCH = "https://api.uspto.gov/api/v1/patent/applications/search"
#: One application as the current search answers it: its fields under applicationMetaData.
GRANTED = {
    "applicationNumberText": "17123456",
    "applicationMetaData": {
        "inventionTitle": "Qubit readout with a superconducting resonator",
        "filingDate": "2021-05-03", "effectiveFilingDate": "2020-11-02",
        "patentNumber": "11987654", "grantDate": "2024-05-21",
        "earliestPublicationNumber": "US 2022-0012345 A1", "earliestPublicationDate": "2022-01-13",
        "cpcClassificationBag": ["G06N10/40", "H10N 60/12"],
        "firstApplicantName": "Example Quantum KK",
        "applicantBag": [{"applicantNameText": "Example Quantum KK",
                          "correspondenceAddressBag": [{"countryCode": "JP"}]}],
        "inventorBag": [{"inventorNameText": "A. Sato", "countryCode": "JP"},
                        {"inventorNameText": "B. Lee",
                         "correspondenceAddressBag": [{"countryCode": "US", "cityName": "Boston"}]}],
        "applicationStatusDescriptionText": "Patented Case", "applicationTypeLabelName": "Utility",
    },
}  # fmt: skip
PUBLISHED = {"applicationNumberText": "18000001", "applicationMetaData": {
    "inventionTitle": "Photonic qubit source", "filingDate": "2023-01-05",
    "earliestPublicationNumber": "US 2024-0000123 A1",
    "applicantBag": [{"applicantNameText": "Example SAS", "countryCode": "FR"}]}}  # fmt: skip


def run(body: bytes, offset: int | None = 0) -> ParseResult:
    url = SEARCH if offset is None else f"{SEARCH}?q=x&offset={offset}&limit=2"
    return patents_uspto_odp.parse(body, ParseContext.for_body("patents_uspto_odp", body, url=url))


def answer(items: list, count: int) -> bytes:
    return json.dumps({"count": count, "patentFileWrapperDataBag": items,
                       "requestIdentifier": "r-1"}).encode()  # fmt: skip


def test_an_application_becomes_a_patent_record_field_by_field() -> None:
    (rec,) = run(answer([GRANTED], 1)).records
    assert rec.record_id == "patent:US11987654" and rec.kind == "patent"
    assert rec.ids == ["patent:US11987654", "patent:US20220012345A1", "application:US17123456"]
    assert rec.title == "Qubit readout with a superconducting resonator" and rec.text == ""
    assert rec.published_date == dt.date(2020, 11, 2)  # the effective filing date, earliest
    assert [(c.country, c.weight) for c in rec.countries] == [("JP", 0.5), ("US", 0.5)]
    assert rec.organizations == ["Example Quantum KK"]
    assert rec.codes.cpc == ["G06N10/40", "H10N60/12"] and rec.codes.ipc == []
    assert rec.url == "https://ppubs.uspto.gov/pubwebapp/external.html?q=US11987654.pn."
    assert rec.extra["inventor_countries"] == ["JP", "US"]
    assert rec.extra["applicant_countries"] == ["JP"]
    assert rec.extra["grant_date"] == "2024-05-21" and rec.extra["status"] == "Patented Case"


def test_ids_of_a_published_and_of_an_unpublished_application() -> None:
    unpublished = {"applicationNumberText": "18254067", "filingDate": "2024-02-13",
                   "inventionTitle": "METHOD FOR CLASSIFYING IMAGES"}  # fmt: skip
    published, bare = run(answer([PUBLISHED, unpublished], 2)).records
    assert published.record_id == "patent:US20240000123A1"
    # no inventors: the applicants' countries count
    assert [(c.country, c.weight) for c in published.countries] == [("FR", 1.0)]
    assert bare.record_id == "patent:US-application-18254067" and bare.url is None
    assert bare.ids == ["patent:US-application-18254067", "application:US18254067"]
    assert bare.countries == [] and bare.published_date == dt.date(2024, 2, 13)


@pytest.mark.parametrize(
    ("offset", "count", "expected"), [(0, 5, "2"), (2, 5, "4"), (4, 6, None), (None, 5, "2")]
)
def test_next_offset_while_the_count_says_more_remain(offset, count, expected) -> None:
    assert run(answer([GRANTED, PUBLISHED], count), offset).next_page == expected


def test_no_match_is_an_empty_page_and_other_errors_raise() -> None:
    empty = run(b'{"code": 404, "error": "Not Found", "errorDetails": '
                b'"No matching records found, refine your search criteria and try again"}')  # fmt: skip
    assert empty.records == [] and empty.next_page is None and empty.total == 0
    with pytest.raises(ParseError, match="ODP error body: Forbidden"):
        run(b'{"code": 403, "error": "Forbidden"}')
    with pytest.raises(ParseError, match="without an application bag"):
        run(b'{"documentBag": []}')
    with pytest.raises(ParseError, match="expected JSON"):
        run(b"<html>gateway</html>")


def test_bad_items_are_refused_with_a_reason() -> None:
    result = run(answer([{"applicationMetaData": {"inventionTitle": "x"}}, 7, GRANTED], 3))
    assert len(result.records) == 1
    assert [r.reason for r in result.rejects] == [
        "application without applicationNumberText", "application is not an object"]  # fmt: skip


@pytest.mark.parametrize(
    ("number", "expected"),
    [("US 2017-0071586 A1", "patent:US20170071586A1"), ("US20170071586A1", "patent:US20170071586A1"),
     ("", None), ("WO 2009/064413", None)],
)  # fmt: skip
def test_publication_ids(number, expected) -> None:
    assert publication_id(number) == expected


@pytest.mark.shared
def test_recorded_odp_answers(shared_data) -> None:
    folder = shared_data / "fixtures/patents/uspto_odp"
    search = run((folder / "odp_search.json").read_bytes())
    assert len(search.records) == 25 and search.total == 11_469_842 and search.next_page == "25"
    first = search.records[0]
    assert first.record_id == "patent:US-application-90019421"
    assert first.title == "SPLATTER REDUCTION IN A SMALL HEAD CONTRA-ANGLE PROPHY"
    assert first.published_date == dt.date(2024, 2, 15)
    for name in ("odp_application.json", "odp_biblio.json"):
        (app,) = run((folder / name).read_bytes()).records
        assert app.record_id == "patent:US20170071586A1" and "application:US15123456" in app.ids
        assert app.codes.cpc[:3] == ["A61B13/00", "A61B2017/320052", "A61B17/02"]
        assert [(c.country, c.weight) for c in app.countries] == [("US", 1.0)]  # the inventor's
        assert app.organizations == ["The General Hospital Corporation"]
        assert app.published_date == dt.date(2016, 9, 2)
    for name in ("odp_assignment.json", "odp_continuity.json", "odp_foreign_priority.json"):
        result = run((folder / name).read_bytes())
        assert result.records == [] and result.rejects[0].reason.startswith("application without")
