"""The loopback replay server: routing by path and selected parameters, scripted faults."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.middlewares import redact_url, retry_after_seconds, with_params, without_params
from crawlers.replay import ReplayServer, build_manifest, serve


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request (HTTP errors included)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_routes_by_path_and_selected_query_params(tmp_path: Path) -> None:
    (tmp_path / "p1.json").write_text('{"page": 1}')
    (tmp_path / "p2.json").write_text('{"page": 2}')
    manifest = {
        "routes": [
            {"path": "/works", "match": {"cursor": "*"}, "body": "p1.json",
             "headers": {"Content-Type": "application/json"}},
            {"path": "/works", "match": {"cursor": "abc"}, "body": "p2.json"},
            {"path": "/first", "match": {"page": None}, "text": "no page"},
            {"path": "/re", "match_re": {"q": r"quantum.*"}, "text": "matched"},
            {"path_re": r"/\d{4}/ipg\d{6}\.zip", "text": "a weekly file"},
        ]
    }  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        status, headers, body = fetch(f"{url}/works?cursor=*&filter=x")
        assert (status, body, headers["Content-Type"]) == (200, b'{"page": 1}', "application/json")
        assert fetch(f"{url}/works?cursor=abc")[2] == b'{"page": 2}'
        assert fetch(f"{url}/works?cursor=zzz")[0] == 404
        assert fetch(f"{url}/first")[2] == b"no page"
        assert fetch(f"{url}/first?page=2")[0] == 404
        assert fetch(f"{url}/re?q=quantum+computing")[2] == b"matched"
        assert fetch(f"{url}/re?q=classical")[0] == 404
        assert fetch(f"{url}/elsewhere")[0] == 404
        assert fetch(f"{url}/2026/ipg260106.zip")[2] == b"a weekly file"
        assert fetch(f"{url}/2026/ipg260106.zip.bak")[0] == 404  # the whole path must match


def test_scripted_faults_then_success() -> None:
    routes = [
        {"path": "/x", "status": 503, "headers": {"Retry-After": "1"}, "text": "busy", "times": 2},
        {"path": "/x", "status": 429, "text": "slow down", "times": 1},
        {"path": "/x", "status": 200, "text": "<html><body>Error</body></html>",
         "headers": {"Content-Type": "text/html"}, "times": 1},
        {"path": "/x", "text": "ok"},
    ]  # fmt: skip
    with ReplayServer(routes) as server:
        got = [fetch(f"{server.url}/x") for _ in range(5)]
        assert [g[0] for g in got] == [503, 503, 429, 200, 200]
        assert got[0][1]["Retry-After"] == "1"
        assert got[3][2].startswith(b"<html>") and got[4][2] == b"ok"
        assert [r[2] for r in server.requests] == [503, 503, 429, 200, 200]


def test_post_routes_match_json_body_keys() -> None:
    routes = [
        {"path": "/search", "method": "POST", "match_body": {"start": 0}, "text": "first"},
        {"path": "/search", "method": "POST", "match_body": {"start": 50}, "text": "second"},
    ]
    with serve(routes) as url:
        assert fetch(f"{url}/search", json.dumps({"start": 0, "q": "x"}).encode())[2] == b"first"
        assert fetch(f"{url}/search", json.dumps({"start": 50}).encode())[2] == b"second"
        assert fetch(f"{url}/search", b"not json")[0] == 404
        assert fetch(f"{url}/search")[0] == 404  # GET does not match a POST route


def test_build_manifest_from_recorded_responses(tmp_path: Path) -> None:
    body = tmp_path / "feed.xml"
    body.write_bytes(b"<rss/>")
    manifest = build_manifest(
        [{"path": "/feed.xml", "body": body, "headers": {"Content-Type": "application/rss+xml"}},
         {"path": "/gone", "status": 410, "text": "gone"}]
    )  # fmt: skip
    assert manifest["routes"][0] == {
        "path": "/feed.xml", "status": 200, "headers": {"Content-Type": "application/rss+xml"},
        "body": str(body),
    }  # fmt: skip
    with serve(manifest) as url:
        assert fetch(f"{url}/feed.xml")[2] == b"<rss/>"
        assert fetch(f"{url}/gone")[:1] == (410,)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"7", 7.0), ("0", 0.0), (None, None), (b"soon", None),
     ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0)],
)  # fmt: skip
def test_retry_after_seconds(value: object, expected: float | None) -> None:
    import datetime as dt

    now = dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.UTC)
    assert retry_after_seconds(value, now=now) == expected  # type: ignore[arg-type]


def test_credentials_are_redacted_and_moved_in_urls() -> None:
    url = "https://api.openalex.org/works?filter=x:1&api_key=SECRET123&mailto=a@b.org&cursor=*"
    assert "SECRET123" not in redact_url(url) and "a@b.org" not in redact_url(url)
    assert "filter=x:1" in redact_url(url) and "cursor=*" in redact_url(url)
    # CiNii's application id, echoed in its answers' @id
    cinii = "https://cir.nii.ac.jp/opensearch/articles?q=a&appid=APP123&format=json"
    assert redact_url(cinii).endswith("?q=a&appid=REDACTED&format=json")
    added = with_params("https://h/w?cursor=*", {"api_key": "K"})
    assert added == "https://h/w?cursor=*&api_key=K"
    assert without_params(added, ["api_key"]) == "https://h/w?cursor=*"


# --- recorded fixtures replayed through the real spiders (same code path as live) ---------------

TAXONOMY_DOMAIN = """\
- slug: {slug}
  label_en: Domain {slug}
  label_ja: 領域 {slug}
  subtechs:
  - slug: {slug}_core
    label_en: Domain {slug}
    label_ja: 領域 {slug}
    terms: {{en: [{term}]}}
  codes: [{{prefix: {code}}}]
  arxiv: [{arxiv}]
"""


def crawl_fixture(tmp: Path, source: str, routes: list[dict], *, domains: int = 1, extra: str = "",
                  arxiv: str = "cs.LG", **kwargs: object) -> tuple[dict, list[dict], Path, ReplayServer]:  # fmt: skip
    """Crawl `source` against `routes` with a taxonomy of `domains` domains (terms term0, term1 …)."""
    from crawlers.run import crawl_source

    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid\n    page_size: 100\n"
        f"    default_since: 2000-01-01\n    max_records: 100000\n{extra}",
        encoding="utf-8",
    )
    body = "".join(TAXONOMY_DOMAIN.format(slug=f"d{i}", term=f"term{i}", code=f"H0{i}X", arxiv=arxiv)
                   for i in range(domains))  # fmt: skip
    (config / "taxonomy.yaml").write_text(f"version: test\ndomains:\n{body}", encoding="utf-8")
    out = tmp / "out"
    with ReplayServer(routes) as server:
        summary = crawl_source(
            source,
            home=tmp / "home",
            out_dir=out,
            base_url=server.url,
            config_dir=config,
            timeout=300,
            **kwargs,
        )  # type: ignore[arg-type]
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    return summary, rows, out, server


JSON = {"Content-Type": "application/json"}


@pytest.mark.shared
def test_federal_register_page_gives_1000_records(shared_data: Path, tmp_path: Path) -> None:
    page = shared_data / "fixtures/policy/us_federal_register/fr_api_documents_search_1000.json"
    routes = [
        {"path": "/documents.json", "match": {"page": None}, "body": str(page), "headers": JSON},
        {"path": "/documents.json", "match": {"page": "2"}, "text": '{"count": 1893, "results": []}', "headers": JSON},
    ]  # fmt: skip
    summary, rows, _, server = crawl_fixture(tmp_path, "policy_federal_register", routes)
    recorded = json.loads(page.read_bytes())["results"]
    assert summary["finished"] is True and summary["records"] == 1000 and len(rows) == 1000
    assert {r["record_id"] for r in rows} == {f"fr:{d['document_number']}" for d in recorded}
    dates = {f"fr:{d['document_number']}": d["publication_date"] for d in recorded}
    assert all(r["published_date"] == dates[r["record_id"]] for r in rows)
    pages = [parse_qs(urlsplit(r[1]).query).get("page") for r in server.requests]
    assert pages == [None, ["2"]]  # the next_page_url was followed onto the replay server


@pytest.mark.shared
def test_openalex_pages_give_the_distinct_works_with_their_countries(
    shared_data: Path, tmp_path: Path
) -> None:
    from crawlers.recorded_formats import chain_routes, end_route, openalex_pages

    folder = shared_data / "fixtures/openalex/api_list_pages"
    pages = sorted(folder.glob("works_*.json"))
    firsts = [p for p in pages if "page2_empty" not in p.name]
    # one domain per recorded query, each a cursor chain: page 1 answers the domain's search, the
    # recorded empty page 2 its next cursor, the empty answer any cursor not recorded
    routes = chain_routes("/works", openalex_pages(folder), "cursor", {"cursor": "*"}, JSON,
                          key=lambda i: {"search": f"term{i}"})  # fmt: skip
    routes.append(end_route("papers_openalex", "/works", JSON))
    summary, rows, out, _ = crawl_fixture(tmp_path, "papers_openalex", routes, domains=len(firsts))
    works = {w["id"]: w for p in pages for w in json.loads(p.read_bytes())["results"]}
    refused = {
        json.loads(line)["item"] for line in (out / "quarantine.jsonl").read_text().splitlines()
    }
    assert summary["finished"] is True and summary["errors"] == []
    assert len(rows) + len(refused) == len(works) == 488  # a work with no title is refused
    for row in rows:
        oa = next(i.split(":", 1)[1] for i in row["ids"] if i.startswith("openalex:"))
        work = works[f"https://openalex.org/{oa}"]
        recorded = {
            i["country_code"]
            for a in work["authorships"]
            for i in a["institutions"]
            if i.get("country_code")
        }
        recorded |= {c for a in work["authorships"] for c in a.get("countries") or []}
        assert {c["country"] for c in row["countries"]} == recorded
        if row["countries"]:
            assert abs(sum(c["weight"] for c in row["countries"]) - 1) < 1e-9


@pytest.mark.shared
def test_arxiv_oai_pages_follow_the_resumption_token(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "fixtures/arxiv_oai_pmh"
    routes = [
        {"path": "/", "match": {"verb": "ListRecords", "metadataPrefix": "oai_dc"}, "body": str(folder / "ListRecords_data_0.xml")},
        {"path": "/", "match": {"verb": "ListRecords", "resumptionToken": "6511260|1001"}, "body": str(folder / "ListRecords_data_2.xml")},
    ]  # fmt: skip
    summary, rows, out, server = crawl_fixture(tmp_path, "papers_arxiv_oai", routes)
    assert summary["finished"] is True and [r[2] for r in server.requests] == [200, 200]
    from crawlers.parsers.base import ParseContext
    from crawlers.parsers.registry import get_parser

    parse = get_parser("papers_arxiv_oai")
    bodies = [
        (folder / f).read_bytes() for f in ("ListRecords_data_0.xml", "ListRecords_data_2.xml")
    ]
    direct = [
        r.record_id
        for b in bodies
        for r in parse(b, ParseContext.for_body("papers_arxiv_oai", b)).records
    ]
    assert len(direct) == 1265  # the pages hold 1,265 records …
    # … written once each: records sharing an id (a DOI given twice) are kept once
    assert len(rows) == len({r["record_id"] for r in rows}) and {
        r["record_id"] for r in rows
    } == set(direct)
    checkpoint = json.loads((out / "checkpoint.json").read_text())["chains"]["cs"]
    assert checkpoint["pages"] == 2 and checkpoint["done"] is True


@pytest.mark.shared
def test_crossref_cursor_deep_paging(shared_data: Path, tmp_path: Path) -> None:
    bodies = [
        shared_data / f"fixtures/crossref/decoded/test_cursor_max__0{i}.json" for i in range(5)
    ]
    empty = '{"status": "ok", "message-type": "work-list", "message": {"items": []}}'
    routes = []
    # two recorded deep-paging sessions (3 and 2 pages; the cursor stays the same within one)
    for term, session in (("term0", bodies[:3]), ("term1", bodies[3:])):
        cursor = json.loads(session[0].read_bytes())["message"]["next-cursor"]
        query = {"query.bibliographic": term}
        routes.append(
            {
                "path": "/works",
                "match": {**query, "cursor": "*"},
                "body": str(session[0]),
                "headers": JSON,
            }
        )
        routes += [{"path": "/works", "match": {**query, "cursor": cursor}, "body": str(b), "headers": JSON, "times": 1}
                   for b in session[1:]]  # fmt: skip
        routes.append({"path": "/works", "match": query, "text": empty, "headers": JSON})
    summary, rows, _, server = crawl_fixture(tmp_path, "papers_crossref", routes, domains=2)
    dois = {
        i["DOI"].lower() for b in bodies for i in json.loads(b.read_bytes())["message"]["items"]
    }
    assert summary["finished"] is True and len(server.requests) == 7  # 5 pages and 2 empty ones
    assert {r["record_id"].removeprefix("doi:") for r in rows} == dois


@pytest.mark.shared
def test_epo_biblio_responses_give_codes_and_applicant_countries(
    shared_data: Path, tmp_path: Path
) -> None:
    files = sorted(
        (shared_data / "fixtures/patents/epo_ops/xml").glob("published__biblio_example*.xml")
    )
    routes = [{"path": "/rest-services/published-data/search/biblio", "match_re": {"q": rf"\(cpc=/low H0{i}X\).*"},
               "body": str(f), "headers": {"Content-Type": "application/xml"}} for i, f in enumerate(files)]  # fmt: skip
    summary, rows, _, _ = crawl_fixture(tmp_path, "patents_epo_ops", routes, domains=len(files))
    assert summary["finished"] is True and rows
    assert all(r["record_id"].startswith("patent:") for r in rows)
    assert any(r["codes"]["cpc"] for r in rows) and any(r["codes"]["ipc"] for r in rows)
    with_countries = [r for r in rows if r["countries"]]
    assert with_countries and all(
        abs(sum(c["weight"] for c in r["countries"]) - 1) < 1e-9 for r in with_countries
    )
    assert any(r["extra"]["applicant_countries"] for r in rows)


@pytest.mark.shared
def test_govuk_search_hits_are_completed_from_the_content_api(
    shared_data: Path, tmp_path: Path
) -> None:
    from crawlers.recorded_formats import govuk_routes

    items = sorted((shared_data / "fixtures/policy/uk_govuk_content_api").glob("*.json"))
    # a search answer listing the recorded content items (no search was recorded), then each item
    routes, _ = govuk_routes(items)
    summary, rows, _, server = crawl_fixture(tmp_path, "policy_govuk", routes)
    assert len(items) == 141 and summary["finished"] is True
    content_hits = [r for r in server.requests if r[1].startswith("/api/content")]
    assert len(content_hits) == len({r["record_id"] for r in rows}) == len(rows)
    enriched = [r for r in rows if r["text"] and r["text"] != "search summary"]
    assert len(enriched) > len(rows) // 2  # most hits got their body from the content item
    assert all(r["countries"] == [{"country": "GB", "weight": 1.0}] for r in rows)


@pytest.mark.shared
def test_white_house_snapshots_give_229_distinct_announcements(
    shared_data: Path, tmp_path: Path
) -> None:
    files = sorted(
        (shared_data / "fixtures/policy/us_whitehouse_briefings_rss_scraped").glob("*.xml")
    )
    feeds = "".join(f"      - name: wh{i}\n        url: https://www.whitehouse.gov/feeds/{f.name}\n        country: US\n"
                    for i, f in enumerate(files))  # fmt: skip
    routes = [
        {
            "path": f"/feeds/{f.name}",
            "body": str(f),
            "headers": {"Content-Type": "application/rss+xml"},
        }
        for f in files
    ]
    summary, rows, _, _ = crawl_fixture(
        tmp_path, "policy_feed", routes, extra=f"    feeds:\n{feeds}", term_filter=False
    )
    assert len(files) == 42 and summary["finished"] is True
    assert len(rows) == len({r["record_id"] for r in rows}) == 229
    assert all(
        r["countries"] == [{"country": "US", "weight": 1.0}] and r["kind"] == "policy" for r in rows
    )
