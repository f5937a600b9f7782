"""EU Funding & Tenders Portal, USPTO Open Data Portal and Press Corner spiders through the real
crawl subprocess on loopback: literal bodies in each source's format, then the recorded answers as
`horizon scan --recorded` serves them."""

from __future__ import annotations

import datetime as dt
import email.parser
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from crawlers.recorded import BUILDERS
from crawlers.recorded_formats import SourceRecordings
from tests.crawlers.test_replay_more import crawl

JSON = {"Content-Type": "application/json"}
SEDIA = "/search-api/prod/rest/search"
DETAILS = "/info/funding-tenders/opportunities/data/topicDetails"


def recordings_of(source: str, data: Path) -> SourceRecordings:
    """What `horizon scan --recorded` serves a source from a shared/data folder."""
    rec = SourceRecordings(source, data)
    BUILDERS[source](data, rec)
    return rec


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
    rec = recordings_of("policy_eu_funding", shared_data)
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


# --- USPTO Open Data Portal ----------------------------------------------------------------------

ODP = "/api/v1/patent/applications/search"


def odp_app(number: str, title: str, cpc: str) -> dict:
    """One application as the ODP search answers it."""
    return {"applicationNumberText": number, "applicationMetaData": {
        "inventionTitle": title, "filingDate": "2024-03-01", "cpcClassificationBag": [cpc],
        "earliestPublicationNumber": f"US 2025-{number[-6:]:0>7} A1",
        "inventorBag": [{"inventorNameText": "A. Sato", "countryCode": "JP"}]}}  # fmt: skip


def test_odp_pages_by_offset_sends_the_key_and_ends_on_no_match(tmp_path: Path) -> None:
    key = "PLANTED-ODP-KEY-0001"
    page = {"count": 3, "patentFileWrapperDataBag": [odp_app("18000001", "Qubit", "H10N60/12"),
                                                     odp_app("18000002", "Qubit chip", "H10N60/80")]}  # fmt: skip
    last = {
        "count": 3,
        "patentFileWrapperDataBag": [odp_app("18000003", "Qubit cable", "H10N60/01")],
    }
    none = {"code": 404, "error": "Not Found", "errorDetails": "No matching records found"}
    routes = [
        {"path": ODP, "match": {"offset": "0"}, "match_re": {"q": r".*H10N.*"}, "text": json.dumps(page), "headers": JSON},
        {"path": ODP, "match": {"offset": "2"}, "text": json.dumps(last), "headers": JSON},
        {"path": ODP, "status": 404, "text": json.dumps(none), "headers": JSON},
    ]  # fmt: skip
    summary, rows, out, server = crawl(tmp_path, "patents_uspto_odp", routes, codes=("H10N", "G06N10/"),
                                       page_size=2, credentials={"api_key": key})  # fmt: skip
    assert summary["finished"] is True and summary["errors"] == []
    assert sorted(r["record_id"] for r in rows) == [
        "patent:US20250000001A1", "patent:US20250000002A1", "patent:US20250000003A1"]  # fmt: skip
    assert all(r["countries"] == [{"country": "JP", "weight": 1.0}] for r in rows)
    queries = [parse_qs(urlsplit(p).query) for _, p, _, _ in server.requests]
    by_q = {q["q"][0]: q for q in queries if q["offset"] == ["0"]}
    assert set(by_q) == {"applicationMetaData.cpcClassificationBag:H10N*",
                         "applicationMetaData.cpcClassificationBag:G06N10\\/*"}  # fmt: skip
    first = by_q["applicationMetaData.cpcClassificationBag:H10N*"]
    assert first["rangeFilters"] == ["applicationMetaData.earliestPublicationDate 2000-01-01:"
                                     + first["rangeFilters"][0].rsplit(":", 1)[1]]  # fmt: skip
    assert first["sort"] == ["applicationMetaData.earliestPublicationDate desc"]
    assert first["limit"] == ["2"]
    assert sorted(q["offset"][0] for q in queries) == ["0", "0", "2"]  # G06N10 had no match (404)
    assert all(h.get("X-Api-Key", h.get("X-API-KEY")) == key for h, _ in server.received)
    for path in out.rglob("*"):  # the key went to the server, never to a file
        if path.is_file() and path.suffix != ".gz":
            assert key.encode() not in path.read_bytes(), path


@pytest.mark.shared
def test_odp_recorded_answers_as_the_recorded_scan_serves_them(
    shared_data: Path, tmp_path: Path
) -> None:
    rec = recordings_of("patents_uspto_odp", shared_data)
    folder = "fixtures/patents/uspto_odp"
    assert sorted(rec.recordings) == [
        f"{folder}/odp_{n}.json" for n in ("application", "biblio", "search")
    ]
    assert sorted(rec.unused) == sorted(
        f"{folder}/{n}" for n in ("odp_assignment.json", "odp_continuity.json", "odp_documents.json",
                                  "odp_foreign_priority.json", "uspto_assignment_api_1.xml"))  # fmt: skip
    summary, rows, _, server = crawl(tmp_path, "patents_uspto_odp", rec.routes, codes=("H01L",) * 3)
    assert summary["finished"] is True and summary["errors"] == []
    assert len(rows) == 26  # 25 searched applications and the looked-up one (recorded twice)
    assert [s for _, _, s, _ in server.requests].count(404) == 1  # page 2 of the search: no more
    app = next(r for r in rows if r["record_id"] == "patent:US20170071586A1")
    assert app["countries"] == [{"country": "US", "weight": 1.0}] and app["codes"]["cpc"]


def test_odp_queries_cover_every_class_within_the_url_limit(repo_root: Path) -> None:
    from crawlers.spiders.patents_uspto_odp import SEARCH_PATH, cpc_queries
    from crawlers.spiders.terms import code_prefixes
    from horizon.config.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(repo_root / "data/config/taxonomy.yaml")
    for domain in taxonomy.domains:
        prefixes = [p for s, p in code_prefixes(domain) if s in ("cpc", "both")]
        queries = cpc_queries(prefixes)
        asked = [t.split(":", 1)[1].replace("\\/", "/").removesuffix("*")
                 for q in queries for t in q.split(" OR ")]  # fmt: skip
        assert asked == prefixes, domain.slug
        for query in queries:  # Scrapy drops requests whose URL is longer than 2,083 characters
            url = f"https://api.uspto.gov{SEARCH_PATH}?" + urlencode(
                [("q", query), ("rangeFilters", "applicationMetaData.earliestPublicationDate "
                 "2024-01-01:2026-12-31"), ("sort", "applicationMetaData.earliestPublicationDate desc"),
                 ("offset", "100000"), ("limit", "100")])  # fmt: skip
            assert len(url) < 2083, domain.slug


# --- European Commission Press Corner -------------------------------------------------------------

PRESS = "/commission/presscorner/api/rss"


def press_rss(*ids: str) -> str:
    """A presscorner RSS answer with one item per press-release id."""
    items = "".join(
        f"<item><title>{'Fisheries quota' if i.startswith('x') else 'A term0 research call'} {i}</title>"
        f"<link>https://ec.europa.eu/commission/presscorner/detail/en/{i}</link>"
        f"<guid>https://ec.europa.eu/commission/presscorner/detail/en/{i}</guid>"
        "<pubDate>Wed, 05 Feb 2025 10:00:00 GMT</pubDate></item>"
        for i in ids
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>{items}</channel></rss>'
    )


def test_presscorner_asks_each_term_month_by_month(tmp_path: Path) -> None:
    routes = [
        {"path": PRESS, "match": {"datefrom": "15012025", "text": "term0"}, "text": press_rss("ip_25_1", "ip_25_2")},
        {"path": PRESS, "match": {"datefrom": "01022025"}, "text": press_rss("ip_25_2", "ip_25_3", "x_25_4")},
        {"path": PRESS, "text": press_rss()},
    ]  # fmt: skip
    summary, rows, _, server = crawl(tmp_path, "policy_eu_presscorner", routes,
                                     since=dt.date(2025, 1, 15), until=dt.date(2025, 3, 3))  # fmt: skip
    assert summary["finished"] is True and summary["errors"] == []
    # kept when the title or text names a taxonomy term, as policy_feed keeps feed items
    assert sorted(r["extra"]["press_release_id"] for r in rows) == ["ip_25_1", "ip_25_2", "ip_25_3"]
    assert summary["filtered"] == 1
    assert all(r["countries"] == [{"country": "EU", "weight": 1.0}] for r in rows)
    queries = [parse_qs(urlsplit(p).query) for _, p, _, _ in server.requests]
    assert sorted((q["datefrom"][0], q["dateto"][0]) for q in queries) == [
        ("01022025", "28022025"), ("01032025", "03032025"), ("15012025", "31012025")]  # fmt: skip
    assert {(q["language"][0], q["documenttype"][0], q["pagesize"][0], q["text"][0]) for q in queries} == {
        ("en", "1", "100", "term0")}  # fmt: skip


@pytest.mark.shared
def test_presscorner_recorded_index_as_the_recorded_scan_serves_it(
    shared_data: Path, tmp_path: Path
) -> None:
    rec = recordings_of("policy_eu_presscorner", shared_data)
    folder = "fixtures/policy/eu_presscorner_ip_index"
    assert list(rec.unused) == [f"{folder}/press_log_summary_month_keyword_counts.csv"]
    assert rec.synthetic and len(rec.routes) - 1 == 339  # one RSS answer per recorded month
    # 4 domains × 1 term × 86 months (1997-2004): more queries than recorded months
    summary, rows, _, _ = crawl(tmp_path, "policy_eu_presscorner", rec.routes, codes=("H01L",) * 4,
                                since=dt.date(1997, 1, 1), until=dt.date(2004, 2, 1),
                                term_filter=False)  # every row, whatever it names  # fmt: skip
    assert summary["finished"] is True and summary["errors"] == []
    assert len(rows) == 5056 and len({r["url"] for r in rows}) == 5056
    assert all(r["countries"] == [{"country": "EU", "weight": 1.0}] for r in rows)
