"""EU Funding & Tenders Portal parser: SEDIA search pages, single results, topicDetails."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crawlers.parsers import policy_eu_funding
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.policy_eu_funding import portal_date, topic_url

ACTIONS = [{"status": {"id": 31094502, "abbreviation": "Open"},
            "types": [{"typeOfAction": "HORIZON-RIA HORIZON Research and Innovation Actions"}],
            "plannedOpeningDate": "12 May 2025", "deadlineDates": ["16 September 2025"]}]  # fmt: skip
BUDGET = {"budgetTopicActionMap": {"1": [
    {"action": "HORIZON-CL4-2025-DIGITAL-01-01 - HORIZON-RIA", "budgetYearMap": {"2025": "30000000"}},
    {"action": "HORIZON-CL4-2025-DIGITAL-01-02 - HORIZON-RIA", "budgetYearMap": {"2025": 9}}]}}  # fmt: skip
#: One search result as SEDIA gives it: metadata values are arrays of strings, two of them JSON.
RESULT = {
    "reference": "48000001RIA1747000000000en",
    "url": "https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/HORIZON-CL4-2025-DIGITAL-01-01.json",
    "summary": "Quantum sensing for industry",
    "language": "en",
    "metadata": {
        "identifier": ["HORIZON-CL4-2025-DIGITAL-01-01"],
        "title": ["Quantum sensing for industry"],
        "descriptionByte": ['<SPAN class="topicdescriptionkind">Scope</SPAN>:<p>Quantum &amp; sensing pilots.</p>'],
        "startDate": ["2025-05-12T00:00:00.000+0200"],
        "deadlineDate": ["2025-09-16T00:00:00.000+0200"],
        "callIdentifier": ["HORIZON-CL4-2025-DIGITAL-01"],
        "callTitle": ["Digital and emerging technologies"],
        "frameworkProgramme": ["43108390"],
        "status": ["31094502"],
        "keywords": ["Quantum sensing", "Photonics"],
        "tags": ["quantum"],
        "typesOfAction": ["HORIZON Research and Innovation Actions"],
        "actions": [json.dumps(ACTIONS)],
        "budgetOverview": [json.dumps(BUDGET)],
    },
}  # fmt: skip
DETAILS = {"TopicDetails": {
    "identifier": "HORIZON-CL4-2025-DIGITAL-01-01", "title": "Quantum sensing for industry",
    "callIdentifier": "HORIZON-CL4-2025-DIGITAL-01", "callTitle": "Digital and emerging technologies",
    "frameworkProgramme": {"id": 43108390, "abbreviation": "HORIZON", "description": "Horizon Europe"},
    "programmeDivision": [{"abbreviation": "HORIZON.2.4", "description": "Digital, Industry and Space"}],
    "publicationDateLong": 1713391200000, "tags": ["quantum"], "keywords": None,
    "actions": ACTIONS, "budgetOverviewJSONItem": BUDGET,
    "description": "<p>Expected Outcome:</p><p>Deployable quantum sensors.</p>",
}}  # fmt: skip


def run(body: bytes) -> ParseResult:
    return policy_eu_funding.parse(body, ParseContext.for_body("policy_eu_funding", body))


def page(results: list, total: int, number: int = 1, size: int = 2) -> bytes:
    return json.dumps({"apiVersion": "2.122", "totalResults": total, "pageNumber": number,
                       "pageSize": size, "results": results}).encode()  # fmt: skip


def test_a_search_result_becomes_an_eu_call_field_by_field() -> None:
    result = run(page([RESULT], total=1))
    (rec,) = result.records
    url = topic_url("HORIZON-CL4-2025-DIGITAL-01-01")
    assert url.endswith("/opportunities/topic-details/HORIZON-CL4-2025-DIGITAL-01-01")
    assert rec.record_id == f"url:{url}" and rec.url == url and rec.ids == [f"url:{url}"]
    assert rec.kind == "policy" and rec.title == "Quantum sensing for industry"
    assert rec.text == "Scope: Quantum & sensing pilots."
    assert rec.language == "en" and rec.published_date == dt.date(2025, 5, 12)
    assert [c.model_dump() for c in rec.countries] == [{"country": "EU", "weight": 1.0}]
    assert rec.organizations == ["European Commission"]
    assert rec.codes.topics == ["Quantum sensing", "Photonics", "quantum",
                                "HORIZON Research and Innovation Actions"]  # fmt: skip
    assert rec.extra["status"] == "Open" and rec.extra["deadline_dates"] == ["2025-09-16"]
    assert rec.extra["budget_eur"] == 30_000_000.0  # its own action row, not the call's others
    assert rec.extra["call_identifier"] == "HORIZON-CL4-2025-DIGITAL-01"
    assert rec.extra["topic_details_url"] == RESULT["url"]


@pytest.mark.parametrize(
    ("total", "number", "size", "expected"),
    [(5, 1, 2, "2"), (5, 2, 2, "3"), (5, 3, 2, None), (4, 2, 2, None)],
)
def test_next_page_while_results_remain(total, number, size, expected) -> None:
    assert run(page([RESULT], total, number, size)).next_page == expected


def test_an_empty_page_ends_the_query() -> None:
    result = run(page([], total=5))
    assert result.records == [] and result.next_page is None and result.total == 5


def test_topic_details_give_the_description_and_programme() -> None:
    (rec,) = run(json.dumps(DETAILS).encode()).records
    assert rec.record_id == run(page([RESULT], 1)).records[0].record_id  # replaces the hit
    assert rec.text == "Expected Outcome: Deployable quantum sensors."
    # epoch milliseconds are Brussels midnight: 2024-04-17T22:00Z is 18 April there
    assert rec.published_date == dt.date(2024, 4, 18) and rec.language == "en"
    assert rec.extra["framework_programme"] == "HORIZON"
    assert rec.extra["programme_divisions"] == ["Digital, Industry and Space"]
    assert rec.codes.topics == ["quantum", "HORIZON-RIA HORIZON Research and Innovation Actions"]


def test_a_single_result_with_a_leading_blank_line() -> None:
    (rec,) = run(b"\n" + json.dumps(RESULT).encode()).records
    assert rec.extra["identifier"] == "HORIZON-CL4-2025-DIGITAL-01-01"


def test_bad_items_are_refused_with_a_reason() -> None:
    no_id = {**RESULT, "metadata": {**RESULT["metadata"], "identifier": []}}
    result = run(page([no_id, "x", {"reference": "r"}, RESULT], total=4, size=4))
    assert len(result.records) == 1
    assert [r.reason for r in result.rejects] == [
        "call without an identifier", "search result is not an object",
        "search result without metadata"]  # fmt: skip
    broken = {**RESULT, "metadata": {**RESULT["metadata"], "actions": ["{not json"],
                                      "budgetOverview": ["[1"]}}  # fmt: skip
    (rec,) = run(page([broken], 1)).records
    assert rec.extra["budget_eur"] is None and rec.extra["status"] == "Open"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>busy</html>", "expected JSON"),
        (b'{"type": "throwable", "message": "gateway"}', "SEDIA error body: gateway"),
        (b'{"budgetTopicActionMap": {}}', "budget overview"),
        (b'{"other": 1}', "without results"),
        (b"[]", "not a JSON object"),
    ],
)
def test_bodies_that_are_not_answers_raise(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        run(body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2023-03-09T01:00:00.000+0100", dt.date(2023, 3, 9)), ("09 March 2023", dt.date(2023, 3, 9)),
     ("1733353200000", dt.date(2024, 12, 5)), ("2024-12-05", dt.date(2024, 12, 5)), ("", None),
     ("soon", None)],
)  # fmt: skip
def test_portal_dates(value, expected) -> None:
    assert portal_date(value) == expected


@pytest.mark.shared
def test_recorded_sedia_answers(shared_data) -> None:
    folder = shared_data / "fixtures/policy/eu_funding_tenders_sedia"
    search = run((folder / "call_search_10_06_24.json").read_bytes())
    (hit,) = search.records
    assert search.total == 510_841 and search.next_page == "2"
    assert hit.extra["identifier"] == "EUAF-2023-TRAI-03" and hit.title == "Staff exchanges"
    assert hit.language == "bg"  # the portal's language copy the recorded query got, as given
    assert hit.published_date == dt.date(2023, 3, 9) and hit.extra["status"] == "Closed"
    assert hit.extra["deadline_dates"] == ["2023-05-11"] and hit.extra["budget_eur"] == 900_000.0
    assert hit.text.startswith("Scope: Organising staff exchanges")
    singles = {p.name: run(p.read_bytes()).records for p in sorted(folder.glob("call_dto_1*.json"))}
    assert {n: len(r) for n, r in singles.items()} == dict.fromkeys(singles, 1)
    assert (folder / "call_dto_12_03_24.json").read_bytes()[:1] == b"\n"  # a leading blank line
    enterp = singles["call_dto_12_03_24.json"][0]
    assert enterp.extra["status"] == "Forthcoming" and enterp.extra["budget_eur"] == 62_000_000.0
    details = {
        p.name: run(p.read_bytes()).records[0] for p in folder.glob("call_details_dto_*.json")
    }
    assert len(details) == 7
    assert {r.extra["framework_programme"] for r in details.values()} == {
        "HORIZON", "H2020", "CEF2027", "PPPA2027", "ERASMUS2027"}  # fmt: skip
    migration = details["call_details_dto_10_12_24_2.json"]
    assert migration.published_date == dt.date(2017, 10, 27) and len(migration.text) > 5000
    assert all(r.countries[0].country == "EU" for r in details.values())
    with pytest.raises(ParseError, match="budget overview"):
        run((folder / "call_dto_budget_overview.json").read_bytes())
