"""EU Funding & Tenders Portal spider through the real crawl subprocess on loopback: literal
bodies in the source's format, then the recorded answers as `horizon scan --recorded` serves them."""

from __future__ import annotations

import email.parser
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.recorded_formats import BUILDERS, SourceRecordings
from tests.crawlers.test_replay_more import crawl

JSON = {"Content-Type": "application/json"}
SEDIA = "/search-api/prod/rest/search"
DETAILS = "/info/funding-tenders/opportunities/data/topicDetails"


def sedia_hit(identifier: str, title: str) -> dict:
    """One SEDIA search result (metadata values are arrays of strings)."""
    return {"reference": f"{identifier}en", "language": "en", "summary": title,
            "url": f"https://ec.europa.eu{DETAILS}/{identifier}.json",
            "metadata": {"identifier": [identifier], "title": [title],
                         "descriptionByte": ["<p>Short scope.</p>"],
                         "startDate": ["2025-05-12T00:00:00.000+0200"], "status": ["31094502"]}}  # fmt: skip


def form_parts(headers: dict[str, str], body: bytes) -> dict[str, tuple[str, object]]:
    """The parts of a multipart/form-data body: name → (content type, JSON value)."""
    head = f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(head + body)
    return {part.get_param("name", header="content-disposition"):
            (part.get_content_type(), json.loads(part.get_payload(decode=True)))
            for part in message.get_payload()}  # fmt: skip


def test_eu_funding_pages_by_number_and_completes_hits_from_topic_details(tmp_path: Path) -> None:
    page1 = {"totalResults": 3, "pageNumber": 1, "pageSize": 2,
             "results": [sedia_hit("T-1", "Quantum sensing"), sedia_hit("T-2", "Qubit control")]}  # fmt: skip
    page2 = {"totalResults": 3, "pageNumber": 2, "pageSize": 2,
             "results": [sedia_hit("T-3", "Quantum networks")]}  # fmt: skip
    details = {"TopicDetails": {"identifier": "T-1", "title": "Quantum sensing",
                                "description": "<p>Expected Outcome:</p><p>Sensors.</p>",
                                "publicationDateLong": 1713391200000}}  # fmt: skip
    routes = [
        {"path": SEDIA, "method": "POST", "match": {"pageNumber": "1", "text": "term0"},
         "text": json.dumps(page1), "headers": JSON},
        {"path": SEDIA, "method": "POST", "match": {"pageNumber": "2", "text": "term0"},
         "text": json.dumps(page2), "headers": JSON},
        {"path": f"{DETAILS}/T-1.json", "text": json.dumps(details), "headers": JSON},
        {"path": f"{DETAILS}/T-3.json", "text": "<html>maintenance</html>", "headers": JSON},
    ]  # fmt: skip
    summary, rows, out, server = crawl(tmp_path, "policy_eu_funding", routes, page_size=2)
    by_id = {r["extra"]["identifier"]: r for r in rows}
    assert sorted(by_id) == ["T-1", "T-2", "T-3"] and summary["finished"] is True
    assert by_id["T-1"]["text"] == "Expected Outcome: Sensors."  # from topicDetails
    assert by_id["T-1"]["published_date"] == "2024-04-18"
    assert by_id["T-2"]["text"] == "Short scope."  # no topicDetails (404): the hit is kept
    assert by_id["T-3"]["text"] == "Short scope."  # topicDetails not JSON: quarantined, hit kept
    assert all(r["countries"] == [{"country": "EU", "weight": 1.0}] for r in rows)
    searches = [(parse_qs(urlsplit(p).query), i) for i, (m, p, _, _) in enumerate(server.requests)
                if m == "POST"]  # fmt: skip
    assert [(q["pageNumber"], q["pageSize"], q["apiKey"]) for q, _ in searches] == [
        (["1"], ["2"], ["SEDIA"]), (["2"], ["2"], ["SEDIA"])]  # fmt: skip
    parts = form_parts(*server.received[searches[0][1]])
    assert {n: t for n, (t, _) in parts.items()} == dict.fromkeys(
        ("query", "languages", "sort"), "application/json")  # fmt: skip
    must = parts["query"][1]["bool"]["must"]
    assert must[:2] == [{"terms": {"type": ["1"]}},
                        {"terms": {"status": ["31094501", "31094502", "31094503"]}}]  # fmt: skip
    assert must[2]["range"]["startDate"]["gte"] == "2000-01-01"
    assert parts["languages"][1] == ["en"]
    assert parts["sort"][1] == {"field": "startDate", "order": "DESC"}
    assert any("T-3" in json.loads(line)["url"] for line in (out / "quarantine.jsonl").open())


@pytest.mark.shared
def test_eu_funding_recorded_answers_as_the_recorded_scan_serves_them(
    shared_data: Path, tmp_path: Path
) -> None:
    rec = SourceRecordings("policy_eu_funding", shared_data)
    BUILDERS["policy_eu_funding"](shared_data, rec)
    folder = "fixtures/policy/eu_funding_tenders_sedia"
    assert set(rec.unused) == {f"{folder}/call_dto_budget_overview.json",
                               f"{folder}/cordis_horizon_project_rows_4.csv"}  # fmt: skip
    assert len(rec.recordings) == 12 and rec.synthetic
    # six first pages: the recorded page, four single results, one listing five other topics
    summary, rows, _, server = crawl(tmp_path, "policy_eu_funding", rec.routes, codes=("H01L",) * 6)
    identifiers = {r["extra"]["identifier"] for r in rows}
    assert identifiers == {
        "EUAF-2023-TRAI-03", "ERASMUS-EDU-2025-PI-ALL-INNO-EDU-ENTERP", "PPPA-2024-SKILL-FOR-TOURISM",
        "HORIZON-WIDERA-2025-ACCESS-01-01-two-stage", "HORIZON-MSCA-2025-COFUND-01-01",
        "ERC-2025-SyG", "MIGRATION-05-2018-2020", "CEF-T-2024-SAFEMOBGEN-EXTBORDER-WORKS"}  # fmt: skip
    assert len(rows) == 8 and summary["finished"] is True
    served = {p for _, p, s, _ in server.requests if p.startswith(DETAILS) and s == 200}
    assert len(served) == 7  # every recorded topicDetails was asked for
    # the one topic whose details were not recorded keeps its search hit (HTTP 404 noted)
    assert summary["errors"] == [e for e in summary["errors"] if "EUAF-2023-TRAI-03.json" in e]
    euaf = next(r for r in rows if r["extra"]["identifier"] == "EUAF-2023-TRAI-03")
    assert euaf["language"] == "bg" and euaf["extra"]["status"] == "Closed"
    assert all(r["countries"] == [{"country": "EU", "weight": 1.0}] for r in rows)
    assert all(r["organizations"] == ["European Commission"] for r in rows)
