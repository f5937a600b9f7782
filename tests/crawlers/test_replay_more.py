"""More sources replayed through the real spider subprocess: the arXiv API, USPTO Patent Public
Search, USPTO bulk grant files and the Japanese ministry feeds.

Each source has a self-standing test on literal bodies in the real format and a `shared` test that
replays the recorded fixtures (only the base URL differs from a live crawl).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from horizon.store import RawStore

DOMAIN = """\
- slug: d{i}
  label_en: Domain {i}
  label_ja: 領域 {i}
  subtechs:
  - slug: d{i}_core
    label_en: Domain {i}
    label_ja: 領域 {i}
    terms: {{en: [term{i}], ja: [量子]}}
  codes: [{{prefix: {code}}}]
  arxiv: [{arxiv}]
"""
ATOM = {
    "a": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}
JSON = {"Content-Type": "application/json"}


def crawl(
    tmp: Path,
    source: str,
    routes: list[dict[str, Any]],
    *,
    codes: tuple[str, ...] = ("H04L",),
    arxiv: str = "cs.SE",
    page_size: int = 100,
    extra: str = "",
    **kwargs: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]], Path, ReplayServer]:
    """Crawl `source` against `routes`; one taxonomy domain per patent class in `codes`."""
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid\n    page_size: {page_size}\n"
        f"    default_since: 2000-01-01\n    max_records: 100000\n{extra}",
        encoding="utf-8",
    )
    body = "".join(DOMAIN.format(i=i, code=c, arxiv=arxiv) for i, c in enumerate(codes))
    (config / "taxonomy.yaml").write_text(f"version: test\ndomains:\n{body}", encoding="utf-8")
    out = tmp / "out"
    with ReplayServer(routes) as server:
        summary = crawl_source(source, home=tmp / "home", out_dir=out, base_url=server.url,
                               config_dir=config, timeout=300, **kwargs)  # fmt: skip
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    return summary, rows, out, server


def quarantined(out: Path) -> list[dict[str, Any]]:
    """Rows of the crawl's quarantine file."""
    path = out / "quarantine.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- arXiv API (Atom), paged by start ----------------------------------------------------------


def atom_entry(arxiv_id: str, published: str, category: str, doi: str | None = None) -> str:
    """One arXiv API Atom entry."""
    doi_tag = f"<arxiv:doi>{doi}</arxiv:doi>" if doi else ""
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v2</id><title>Testing {arxiv_id}</title>"
        f"<updated>{published}</updated><published>{published}</published>"
        f"<summary>About {arxiv_id}.</summary>"
        f'<category term="{category}" scheme="http://arxiv.org/schemas/atom"/>'
        f'<arxiv:primary_category term="{category}"/>{doi_tag}'
        f'<link href="https://arxiv.org/abs/{arxiv_id}v2" rel="alternate" type="text/html"/>'
        "<author><name>A. Author</name></author></entry>"
    )


def atom_page(entries: list[str], start: int, per_page: int, total: int) -> str:
    """An arXiv API Atom page with its OpenSearch counts."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>arXiv Query</title>'
        f"<opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>{''.join(entries)}</feed>"
    )


def starts(server: ReplayServer) -> list[str]:
    """The `start` parameter of every request the server answered."""
    return [parse_qs(urlsplit(r[1]).query)["start"][0] for r in server.requests]


ARXIV_QUERY = {"search_query": r"\(cat:cs\.SE\) AND submittedDate:\[2024\d+ TO 2024\d+\]"}


def arxiv_routes(pages: list[tuple[str, str, int | None]]) -> list[dict[str, Any]]:
    """Routes answering `start` with a page; a `times` limits how often a route answers."""
    routes = []
    for start, page, times in pages:
        route = {"path": "/api/query", "match": {"start": start, "max_results": "2"}, "text": page,
                 "match_re": ARXIV_QUERY}  # fmt: skip
        if times:
            route["times"] = times
        routes.append(route)
    return routes


def crawl_january(tmp_path: Path, routes: list[dict[str, Any]]) -> tuple:
    return crawl(tmp_path, "papers_arxiv", routes, page_size=2, since=dt.date(2024, 1, 1),
                 until=dt.date(2024, 1, 31))  # fmt: skip


def test_arxiv_pages_by_start_and_asks_again_for_an_empty_page_with_more_announced(
    tmp_path: Path,
) -> None:
    routes = arxiv_routes([
        ("0", atom_page([atom_entry("2401.00001", "2024-01-02T10:00:00Z", "cs.SE"),
                         atom_entry("2401.00002", "2024-01-03T10:00:00Z", "cs.LG", "10.1000/X.2")], 0, 2, 4), None),
        ("2", atom_page([], 2, 2, 4), 1),  # arXiv's transient empty answer: 4 announced, none given
        ("2", atom_page([atom_entry("2401.00003", "2024-01-04T10:00:00Z", "cs.SE")], 2, 2, 3), None),
    ])  # fmt: skip
    summary, rows, _, server = crawl_january(tmp_path, routes)
    assert summary["finished"] is True and summary["errors"] == []
    assert starts(server) == ["0", "2", "2"] and [r[2] for r in server.requests] == [200] * 3
    assert [(r["record_id"], r["published_date"], r["codes"]["arxiv"]) for r in rows] == [
        ("arxiv:2401.00001", "2024-01-02", ["cs.SE"]),
        ("doi:10.1000/x.2", "2024-01-03", ["cs.LG"]),
        ("arxiv:2401.00003", "2024-01-04", ["cs.SE"]),
    ]
    assert rows[1]["ids"] == ["doi:10.1000/x.2", "arxiv:2401.00002"]
    assert all(r["kind"] == "paper" and r["extra"]["version"] == 2 for r in rows)


def test_an_empty_page_that_stays_empty_fails_its_query_with_the_reason(tmp_path: Path) -> None:
    routes = arxiv_routes([
        ("0", atom_page([atom_entry("2401.00001", "2024-01-02T10:00:00Z", "cs.SE"),
                         atom_entry("2401.00002", "2024-01-03T10:00:00Z", "cs.SE")], 0, 2, 9), None),
        ("2", atom_page([], 2, 2, 9), None),
    ])  # fmt: skip
    summary, rows, _, server = crawl_january(tmp_path, routes)
    assert starts(server) == ["0", "2", "2", "2", "2"]  # asked once and again three times
    assert len(rows) == 2 and summary["finished"] is False
    assert (
        "9 results announced" in summary["errors"][-1] and "empty 4 times" in summary["errors"][-1]
    )


def test_an_empty_page_at_the_announced_end_ends_the_query(tmp_path: Path) -> None:
    routes = arxiv_routes([
        ("0", atom_page([atom_entry("2401.00001", "2024-01-02T10:00:00Z", "cs.SE"),
                         atom_entry("2401.00002", "2024-01-03T10:00:00Z", "cs.SE")], 0, 2, 2), None),
        ("2", atom_page([], 2, 2, 2), None),
    ])  # fmt: skip
    summary, rows, _, server = crawl_january(tmp_path, routes)
    assert starts(server) == ["0"] and len(rows) == 2 and summary["finished"] is True


def recorded(path: Path) -> dict[str, Any]:
    """A recorded arXiv API exchange: url, status_code and body."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.shared
def test_arxiv_recorded_pages_follow_the_start_chain(shared_data: Path, tmp_path: Path) -> None:
    from crawlers.recorded_formats import ATOM as ATOM_TYPE
    from crawlers.recorded_formats import arxiv_page, chain_routes, end_route

    folder = shared_data / "fixtures/arxiv_api/json_recorded"
    paths = [next(folder.glob(f"q_testing_s{s}_m10_*.json")) for s in range(0, 60, 10)]
    chain = [recorded(p) for p in paths]
    pages = [arxiv_page(p, c["body"], c["status_code"]) for p, c in zip(paths, chain, strict=True)]
    # the first page answers the first request, each next one the start its predecessor gives
    routes = chain_routes("/api/query", pages, "start", {"start": "0"}, ATOM_TYPE)
    routes.append(end_route("papers_arxiv", "/api/query", ATOM_TYPE))
    summary, rows, _, server = crawl(tmp_path, "papers_arxiv", routes, page_size=10)
    assert summary["finished"] is True and summary["errors"] == []
    assert starts(server) == ["0", "10", "20", "30", "40", "50", "60"]
    entries = [
        e
        for page in chain
        for e in etree.fromstring(page["body"].encode()).iterfind("a:entry", ATOM)
    ]
    assert len(rows) == len(entries) == 60
    for row, entry in zip(rows, entries, strict=True):  # written in page order
        arxiv_id = re.sub(
            r"v\d+$", "", entry.findtext("a:id", namespaces=ATOM).rsplit("/abs/", 1)[1]
        )
        doi = entry.findtext("arxiv:doi", namespaces=ATOM)
        assert row["record_id"] == (f"doi:{doi.lower()}" if doi else f"arxiv:{arxiv_id}")
        assert f"arxiv:{arxiv_id}" in row["ids"]
        assert row["published_date"] == entry.findtext("a:published", namespaces=ATOM)[:10]
        primary = entry.find("arxiv:primary_category", ATOM).get("term")
        assert row["codes"]["arxiv"][0] == row["extra"]["primary_category"] == primary
        assert row["title"] == " ".join(entry.findtext("a:title", namespaces=ATOM).split())
        assert row["countries"] == [] and row["kind"] == "paper"


# --- USPTO Patent Public Search: a session, then one POSTed search per domain ------------------


def ppubs_query(cpc: str, since: dt.date, until: dt.date) -> str:
    """The BRS query the spider sends for one CPC class in a date window."""
    return f"({cpc}).CPC. AND @PD>={since:%Y%m%d}<={until:%Y%m%d}"


def ppubs_routes(pages: list[tuple[str, int, Any]], size: int, since: dt.date, until: dt.date) -> list[dict[str, Any]]:  # fmt: skip
    """A session route, then one search route per (cpc, start, body): body is a path or literal."""
    from crawlers.recorded_formats import ppubs_session
    from crawlers.spiders.patents_uspto_ppubs import SEARCH_PATH, search_body

    routes: list[dict[str, Any]] = [ppubs_session()]
    for cpc, start, body in pages:
        expected = search_body(ppubs_query(cpc, since, until), start, size)
        route = {"path": SEARCH_PATH, "method": "POST", "headers": JSON,
                 "match_body": {"start": start, "query": expected["query"]}}  # fmt: skip
        route.update({"body": str(body)} if isinstance(body, Path) else {"text": json.dumps(body)})
        routes.append(route)
    return routes


def ppubs_hit(number: str, cpc: str, published: str, filed: str) -> dict[str, Any]:
    """One ppubs search hit (the tile view: bibliographic fields, no party countries)."""
    return {
        "guid": f"US-{number}-B2", "type": "USPAT", "datePublished": f"{published}T00:00:00Z",
        "applicationFilingDate": [f"{filed}T00:00:00Z"], "applicationNumber": "17/000123",
        "inventionTitle": 'Quantum <span term="q" class="highlight18">gate</span> device',
        "cpcInventiveFlattened": cpc, "cpcAdditionalFlattened": None, "ipcCodeFlattened": "H04L9/08",
        "familyIdentifierCur": 1000000 + int(number[-3:]), "languageIndicator": "EN",
        "applicantName": ["Doe; Jane"], "assigneeName": None,
    }  # fmt: skip


def test_ppubs_opens_a_session_and_pages_the_search_by_start(tmp_path: Path) -> None:
    since, until = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    page = {"numFound": 3, "totalResults": 3, "perPage": 2, "page": 0, "error": None}
    first = {
        **page,
        "patents": [
            ppubs_hit("11000001", "H04L9/0852", "2024-03-05", "2021-06-01"),
            ppubs_hit("11000002", "H04L9/0855;G06N10/40", "2024-04-02", "2020-01-15"),
        ],
    }
    second = {**page, "page": 1, "patents": [ppubs_hit("11000003", "H04L9/0858", "2024-05-07", "2022-02-02")]}  # fmt: skip
    routes = ppubs_routes([("H04L", 0, first), ("H04L", 2, second)], 2, since, until)
    summary, rows, _, server = crawl(tmp_path, "patents_uspto_ppubs", routes, page_size=2,
                                     since=since, until=until)  # fmt: skip
    assert summary["finished"] is True and summary["errors"] == []
    assert [(r[0], r[1], r[2]) for r in server.requests] == [
        ("POST", "/api/users/me/session", 200),
        ("POST", "/api/searches/searchWithBeFamily", 200),
        ("POST", "/api/searches/searchWithBeFamily", 200),
    ]
    assert [(r["record_id"], r["published_date"], r["codes"]["cpc"]) for r in rows] == [
        ("patent:US11000001B2", "2021-06-01", ["H04L9/0852"]),
        ("patent:US11000002B2", "2020-01-15", ["H04L9/0855", "G06N10/40"]),
        ("patent:US11000003B2", "2022-02-02", ["H04L9/0858"]),
    ]
    assert rows[0]["title"] == "Quantum gate device" and rows[0]["codes"]["ipc"] == ["H04L9/08"]
    assert rows[0]["ids"] == [
        "patent:US11000001B2",
        "application:US17000123",
        "uspto-family:1000001",
    ]
    assert rows[0]["extra"]["publication_date"] == "2024-03-05" and rows[0]["countries"] == []


def split_codes(value: str | None) -> list[str]:
    """A `;`-joined ppubs classification field as a list."""
    return [c for c in (value or "").split(";") if c]


@pytest.mark.shared
def test_ppubs_recorded_search_pages_and_documents(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "fixtures/patents/uspto_ppubs"
    pages = [folder / f"ppubs_search_{n}.json" for n in ("biblio", "test_pages__01",
             "test_can_get_forward_references__08", "test_search_classification__03")]  # fmt: skip
    meta = [json.loads(p.with_suffix(".meta.json").read_text()) for p in pages[1:]]
    assert {urlsplit(m["uri"]).path for m in meta} == {"/api/searches/searchWithBeFamily"}
    since, until = dt.date(2000, 1, 1), dt.date(2026, 1, 1)
    codes = ("H04L", "G06F", "H01L", "E21B")  # one domain (one search chain) per recorded page
    routes = ppubs_routes([(c, 0, p) for c, p in zip(codes, pages, strict=True)], 500, since, until)
    summary, rows, out, server = crawl(tmp_path, "patents_uspto_ppubs", routes, codes=codes,
                                       page_size=500, since=since, until=until)  # fmt: skip
    hits = [h for p in pages for h in json.loads(p.read_bytes())["patents"]]
    assert summary["finished"] is True and summary["errors"] == []
    assert len(server.requests) == 5 and {r[2] for r in server.requests} == {200}
    assert (
        len(hits) == len({h["guid"] for h in hits}) == len(rows) == 806 and quarantined(out) == []
    )
    by_id = {r["record_id"]: r for r in rows}
    for hit in hits:
        country, number, kind = hit["guid"].split("-")
        row = by_id[f"patent:{country}{number}{kind}"]
        filed = [d[:10] for d in hit.get("applicationFilingDate") or []]
        prio = [d[:10] for d in hit.get("priorityClaimsDate") or []]
        assert row["published_date"] == min(prio + filed or [hit["datePublished"][:10]])
        assert row["extra"]["publication_date"] == hit["datePublished"][:10]
        cpc = split_codes(hit["cpcInventiveFlattened"]) + split_codes(hit["cpcAdditionalFlattened"])
        assert row["codes"]["cpc"] == list(dict.fromkeys(c.replace(" ", "") for c in cpc))
        assert row["codes"]["ipc"] == list(dict.fromkeys(split_codes(hit["ipcCodeFlattened"])))
        assert f"uspto-family:{hit['familyIdentifierCur']}" in row["ids"]
        assert "<" not in row["title"] and row["countries"] == []  # hits carry no party countries
    # the full documents carry the parties: countries weighted over inventors, else assignees
    from crawlers.parsers.base import ParseContext
    from crawlers.parsers.registry import get_parser

    body = (folder / "ppubs_documents_full.json").read_bytes()
    docs = json.loads(body)
    parsed = get_parser("patents_uspto_ppubs")(
        body, ParseContext.for_body("patents_uspto_ppubs", body)
    )
    assert len(parsed.records) == len(docs) == 31 and not parsed.rejects
    checked = 0
    for record, doc in zip(parsed.records, docs, strict=True):
        assert record.record_id.endswith(doc["guid"].rsplit("-", 1)[1])
        inventors = [c if c != "N/A" else ("US" if s not in (None, "N/A") else None) for c, s in
                     zip(doc.get("inventorCountry") or [], doc.get("inventorState") or [], strict=False)]  # fmt: skip
        known = [c for c in inventors if c]
        if known:
            checked += 1
            expected = {c: known.count(c) / len(known) for c in known}
            assert {w.country: w.weight for w in record.countries} == pytest.approx(expected)
        if record.countries:
            assert sum(w.weight for w in record.countries) == pytest.approx(1.0)
    assert checked == 21  # the other documents name no inventor country …
    assert sum(1 for r in parsed.records if r.countries) == 27  # … and 6 fall back to assignees


# --- USPTO bulk grant files: a weekly zip of concatenated XML documents -----------------------


def grant_xml(number: str, filed: str, cpc: tuple[str, str, str, str, str], inventors: list[tuple[str, str | None]],
              assignee: tuple[str, str], note: str = "") -> str:  # fmt: skip
    """One US grant in the XML v4.5 layout of the weekly files (DOCTYPE with an empty subset)."""
    parts = "".join(f"<{t}>{v}</{t}>" for t, v in zip(("section", "class", "subclass", "main-group", "subgroup"), cpc, strict=True))  # fmt: skip
    people = "".join(
        f'<inventor sequence="{i:03d}"><addressbook><last-name>Doe{i}</last-name><address><city>X</city>'
        + (f"<state>{state}</state>" if state else "") + (f"<country>{country}</country>" if country else "")
        + "</address></addressbook></inventor>" for i, (country, state) in enumerate(inventors, 1)
    )  # fmt: skip
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>\n'
        '<us-patent-grant lang="EN" dtd-version="v4.5 2014-04-03" country="US" date-publ="20240102">\n'
        "<us-bibliographic-data-grant><publication-reference><document-id><country>US</country>"
        f"<doc-number>{number}</doc-number><kind>B2</kind><date>20240102</date></document-id></publication-reference>"
        f'<application-reference appl-type="utility"><document-id><country>US</country><doc-number>17{number[-6:]}</doc-number>'
        f"<date>{filed}</date></document-id></application-reference>"
        f"<classifications-cpc><main-cpc><classification-cpc>{parts}</classification-cpc></main-cpc></classifications-cpc>"
        f'<invention-title id="t1">Qubit readout {number}</invention-title>'
        f"<us-parties><inventors>{people}</inventors></us-parties>"
        f"<assignees><assignee><addressbook><orgname>{assignee[0]}</orgname><role>03</role><address>"
        f"<country>{assignee[1]}</country></address></addressbook></assignee></assignees>"
        "</us-bibliographic-data-grant>\n"
        f'<abstract id="abstract"><p id="p-0001">A readout for qubits, {number}.{note}</p></abstract>\n'
        "</us-patent-grant>\n"
    )  # fmt: skip


def weekly_zip(name: str, documents: list[bytes]) -> bytes:
    """A weekly bulk file: the documents concatenated in one XML member, zipped."""
    from crawlers.recorded_formats import bulk_zip

    return bulk_zip({f"{name}.xml": b"".join(documents)})


def bulk_routes(files: dict[str, Path], listed: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The ODP product listing naming `listed` (file name, date) and the files, served in ranges."""
    from crawlers.recorded_formats import uspto_bulk_listing

    listing = uspto_bulk_listing(
        [(name, day, f"https://api.uspto.gov/api/v1/datasets/products/files/PTGRXML/{name}")
         for name, day in listed]
    )  # fmt: skip
    routes = [{"path": "/api/v1/datasets/products/PTGRXML", "match": {"includeFiles": "true"},
               "headers": {"Content-Type": "application/json"}, "text": listing}]  # fmt: skip
    for name, path in files.items():
        routes.append({"path": f"/api/v1/datasets/products/files/PTGRXML/{name}", "body": str(path),
                       "headers": {"Content-Type": "application/zip"}, "ranges": True})  # fmt: skip
    return routes


def test_bulk_lists_the_window_files_and_fetches_each_in_ranged_parts(tmp_path: Path) -> None:
    """The product listing names the files; only those in the window are fetched, each in parts of
    `part_bytes` appended on disk; a document cut short is quarantined, the rest of the file read."""
    rng = random.Random(1)
    docs = [
        grant_xml("11863001", "20210315", ("H", "04", "L", "9", "0852"), [("JP", None), ("US", "CA")], ("DEMO KK", "JP")),
        grant_xml("11863002", "20200101", ("G", "06", "N", "10", "40"), [(None, "NY")], ("Acme Corp", "US")),
    ]  # fmt: skip
    filler = [grant_xml(f"1187{i:04d}", "20210315", ("H", "04", "L", "9", "00"), [("JP", None)], ("K", "JP"),
                        note=rng.randbytes(1500).hex()) for i in range(100)]  # fmt: skip
    broken = docs[0][: len(docs[0]) // 2].replace("11863001", "11863009")  # cut short mid-file
    first = weekly_zip("ipg240102", [d.encode() for d in (docs[0], broken, docs[1], *filler)])
    second = weekly_zip("ipg240109", [grant_xml("11864001", "20220101", ("H", "04", "L", "9", "00"), [("DE", None)], ("G", "DE")).encode()])  # fmt: skip
    assert len(first) > 2 * 65536  # three parts at least
    files = {"ipg240102.zip": tmp_path / "a.zip", "ipg240109.zip": tmp_path / "b.zip"}
    files["ipg240102.zip"].write_bytes(first)
    files["ipg240109.zip"].write_bytes(second)
    listed = [("ipg240109.zip", "2024-01-09"), ("ipg240102.zip", "2024-01-02"),
              ("ipg240116.zip", "2024-01-16")]  # out of order; the third is after the window  # fmt: skip
    summary, rows, out, server = crawl(tmp_path, "patents_uspto_bulk", bulk_routes(files, listed),
                                       extra="    part_bytes: 65536\n",
                                       since=dt.date(2024, 1, 1), until=dt.date(2024, 1, 10))  # fmt: skip
    paths = [r[1].split("?")[0].rsplit("/", 1)[-1] for r in server.requests]
    parts = -(-len(first) // 65536)
    assert paths == ["PTGRXML"] + ["ipg240102.zip"] * parts + ["ipg240109.zip"]
    assert "fileDataFromDate=2024-01-01&fileDataToDate=2024-01-10" in server.requests[0][1]
    ranges = [h.get("Range") for h, _ in server.received[1 : parts + 1]]
    assert ranges == [f"bytes={i * 65536}-{(i + 1) * 65536 - 1}" for i in range(parts)]
    assert {r[2] for r in server.requests[1:]} == {206}
    assert summary["finished"] is True and summary["errors"] == []
    assert len(rows) == 103 and rows[-1]["record_id"] == "patent:US11864001B2"
    rows = rows[:2]
    assert not list(out.glob("*.part"))  # the spool is gone once parsed
    # the raw store keeps the listing and each whole file, not the parts
    stored = [json.loads(line) for line in (out / "responses.jsonl").read_text().splitlines()]
    assert [r["url"].split("?")[0].rsplit("/", 1)[-1] for r in stored] == [
        "PTGRXML", "ipg240102.zip", "ipg240109.zip"]  # fmt: skip
    raw = RawStore(tmp_path / "home" / "raw")
    assert raw.get(stored[1]["raw_sha256"]) == first and raw.get(stored[2]["raw_sha256"]) == second
    assert {r["raw_sha256"] for r in rows} == {stored[1]["raw_sha256"]}
    refused = quarantined(out)
    assert len(refused) == 1 and refused[0]["reason"].startswith("malformed XML")  # the cut one


def test_bulk_file_announcing_more_than_a_weekly_file_may_have_is_refused(tmp_path: Path) -> None:
    """A host announcing a 3 GB file (or sending part after part) cannot fill the disk: the
    file is refused at its first part, the chain fails with the reason."""
    (tmp_path / "x.zip").write_bytes(b"0123456789")
    routes = bulk_routes({"ipg240102.zip": tmp_path / "x.zip"}, [("ipg240102.zip", "2024-01-02")])
    routes[1].update(ranges=False, status=206,
                     headers={"Content-Type": "application/zip", "Content-Range": "bytes 0-9/3221225472"})  # fmt: skip
    summary, rows, out, server = crawl(tmp_path, "patents_uspto_bulk", routes,
                                       since=dt.date(2024, 1, 1), until=dt.date(2024, 1, 10))  # fmt: skip
    assert len(server.requests) == 2 and rows == [] and summary["finished"] is False
    assert any("over the 2048 MB a weekly file may have" in e for e in summary["errors"])
    assert not list(out.glob("*.part"))


class CountingReader(io.RawIOBase):
    """A seekable file whose bytes read are counted."""

    def __init__(self, data: bytes) -> None:
        self.inner, self.count = io.BytesIO(data), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.inner.seek(offset, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def test_bulk_documents_come_one_at_a_time_from_the_zip() -> None:
    from crawlers.parsers.patents_uspto_bulk import iter_documents

    rng = random.Random(0)  # abstracts that do not compress away: a file of ~1 MB in the zip
    docs = [
        grant_xml(f"118{i:05d}", "20210315", ("H", "04", "L", "9", f"{i:04d}"), [("JP", None)], ("K", "JP"),
                  note=rng.randbytes(1500).hex()).encode()
        for i in range(300)
    ]  # fmt: skip
    body = weekly_zip("ipg240102", docs)
    reader = CountingReader(body)
    stream = iter_documents(reader)
    assert next(stream) == docs[0]
    assert reader.count < len(body) // 4  # the first document came before most of the file was read
    assert list(stream) == docs[1:]
    assert reader.count >= len(body) - 100


@pytest.mark.shared
def test_bulk_recorded_v45_grants_in_a_weekly_zip(shared_data: Path, tmp_path: Path) -> None:
    samples = sorted((shared_data / "fixtures/patents/uspto_bulk_xml").glob("xml2014__*.xml"))
    assert len(samples) == 3
    (tmp_path / "ipg150106.zip").write_bytes(
        weekly_zip("ipg150106", [p.read_bytes() for p in samples])
    )
    routes = bulk_routes({"ipg150106.zip": tmp_path / "ipg150106.zip"},
                         [("ipg150106.zip", "2015-01-06")])  # fmt: skip
    day = dt.date(2015, 1, 6)
    summary, rows, out, _ = crawl(tmp_path, "patents_uspto_bulk", routes, since=day, until=day)
    assert summary["finished"] is True and summary["errors"] == [] and quarantined(out) == []
    assert len(rows) == 3
    for row, path in zip(rows, samples, strict=True):  # in the order of the file
        root = etree.fromstring(
            path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True)
        )
        bib = root.find("us-bibliographic-data-grant")
        pub = bib.find("publication-reference/document-id")
        number = int(pub.findtext("doc-number"))
        assert row["record_id"] == f"patent:US{number}{pub.findtext('kind')}"
        assert (
            row["extra"]["publication_date"]
            == dt.datetime.strptime(pub.findtext("date"), "%Y%m%d").date().isoformat()
        )
        dates = [bib.findtext("application-reference/document-id/date")]
        dates += [p.findtext("date") for p in bib.iterfind("priority-claims/priority-claim")]
        assert (
            row["published_date"] == dt.datetime.strptime(min(dates), "%Y%m%d").date().isoformat()
        )
        cpc = [
            "{}{}{}{}/{}".format(*(c.findtext(t) for t in ("section", "class", "subclass", "main-group", "subgroup")))
            for c in bib.iterfind("classifications-cpc/*/classification-cpc")
        ]  # fmt: skip
        assert row["codes"]["cpc"] == list(dict.fromkeys(cpc))
        inventors = [
            a.findtext("country") or ("US" if a.findtext("state") else None)
            for a in bib.iterfind("us-parties/inventors/inventor/addressbook/address")
        ]
        known = [c for c in inventors if c]
        assert {c["country"]: c["weight"] for c in row["countries"]} == pytest.approx(
            {c: known.count(c) / len(known) for c in known}
        )
        assignees = [
            a.findtext("country") for a in bib.iterfind("assignees/assignee/addressbook/address")
        ]
        assert row["extra"]["assignee_countries"] == list(dict.fromkeys(c for c in assignees if c))
    assert {c["country"] for r in rows for c in r["countries"]} >= {"US", "IL"}
    assert sum(len(r["codes"]["cpc"]) for r in rows) > 0


# --- Japanese ministry feeds through policy_feed ------------------------------------------------

#: The two feeds as data/config/sources.yaml configures Japanese ministries (country JP, ja, and
#: cp932 for 総務省's Shift_JIS RDF); gov-online's 各府省の新着情報 has no official feed, the
#: recorded one is generated from its list page.
JP_FEEDS = """\
    feeds:
      - name: 総務省 新着情報
        url: https://www.soumu.go.jp/news.rdf
        country: JP
        language: ja
        encoding: cp932
      - name: 政府広報オンライン 各府省の新着情報
        url: https://feeds.example.invalid/feed/www.gov-online.go.jp-info.rss
        country: JP
        language: ja
"""
SOUMU_PATH, GOV_ONLINE_PATH = "/news.rdf", "/feed/www.gov-online.go.jp-info.rss"


def soumu_rdf(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 1.0 (RDF) feed in 総務省's layout, encoded as its server does (Shift_JIS, CRLF)."""
    seq = "".join(f'<rdf:li rdf:resource="{link}" />\r\n' for link, _, _ in items)
    body = "".join(
        f'<item rdf:about="{link}">\r\n<title>{title}</title>\r\n<description>{title}</description>\r\n'
        f"<link>{link}</link>\r\n<dc:date>{date}</dc:date>\r\n<dc:creator>総務省</dc:creator>\r\n</item>\r\n"
        for link, title, date in items
    )
    return (
        '<?xml version="1.0" encoding="Shift_JIS" ?>\r\n<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="ja">\r\n'
        '<channel rdf:about="https://www.soumu.go.jp/news.rdf">\r\n<title>総務省 ホームページ新着情報</title>\r\n'
        "<link>https://www.soumu.go.jp/</link>\r\n<description>総務省 ホームページ新着情報</description>\r\n"
        f"<items>\r\n<rdf:Seq>\r\n{seq}</rdf:Seq>\r\n</items>\r\n</channel>\r\n{body}</rdf:RDF>\r\n"
    ).encode("cp932")


def gov_online_rss(items: list[tuple[str, str, str, str]]) -> str:
    """The generated RSS 2.0 of 各府省の新着情報: no guid, several items may share one link."""
    rows = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{desc}</description>"
        f"<pubDate>{date}</pubDate></item>"
        for title, link, desc, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>各府省の新着情報</title>'
        "<link>https://www.gov-online.go.jp/info/index.html</link><language>ja-JP</language>"
        f"{rows}</channel></rss>\n"
    )


def feed_routes(soumu: Path | bytes, gov_online: Path | str) -> list[dict[str, Any]]:
    """Routes serving the two Japanese feeds (bytes and text given inline are written by the test)."""
    routes = []
    for path, body, content_type in ((SOUMU_PATH, soumu, "application/rdf+xml"),
                                     (GOV_ONLINE_PATH, gov_online, "application/rss+xml")):  # fmt: skip
        route = {"path": path, "headers": {"Content-Type": content_type}}
        route["body" if isinstance(body, Path) else "text"] = str(body)
        routes.append(route)
    return routes


def test_japanese_feeds_decode_and_keep_items_naming_a_term(tmp_path: Path) -> None:
    landing = "https://www.cao.go.jp/cstp/index.html"
    soumu = soumu_rdf([
        ("https://www.soumu.go.jp/menu_news/s-news/01a.html", "量子暗号通信の研究開発～第２回会合①", "2021-07-19T05:00:00+09:00"),
        ("https://www.soumu.go.jp/menu_news/s-news/01b.html", "統計調査の結果", "2021-07-16T05:00:00+09:00"),
    ])  # fmt: skip
    (tmp_path / "news.rdf").write_bytes(soumu)
    gov_online = gov_online_rss([
        ("量子技術イノベーション戦略の改定", landing, "2026年8月21日 内閣府 量子技術イノベーション戦略の改定", "Fri, 21 Aug 2026 00:00:00 GMT"),
        ("量子未来産業技術の有識者会議", landing, "2026年8月20日 内閣府 量子未来産業技術の有識者会議", "Thu, 20 Aug 2026 00:00:00 GMT"),
        ("防災週間について", landing, "2026年8月20日 内閣府 防災週間について", "Thu, 20 Aug 2026 00:00:00 GMT"),
    ])  # fmt: skip
    routes = feed_routes(tmp_path / "news.rdf", gov_online)
    summary, rows, _, _ = crawl(tmp_path, "policy_feed", routes, extra=JP_FEEDS)
    assert summary["finished"] is True and summary["errors"] == [] and summary["filtered"] == 2
    rows = sorted(rows, key=lambda r: r["published_date"])  # the two feeds are fetched concurrently
    assert [(r["title"], r["published_date"]) for r in rows] == [
        ("量子暗号通信の研究開発～第２回会合①", "2021-07-19"),  # cp932-only characters decoded
        ("量子未来産業技術の有識者会議", "2026-08-20"),
        ("量子技術イノベーション戦略の改定", "2026-08-21"),
    ]
    assert rows[0]["record_id"] == "url:https://www.soumu.go.jp/menu_news/s-news/01a.html"
    assert (
        rows[1]["url"] == rows[2]["url"] == landing and rows[1]["record_id"] != rows[2]["record_id"]
    )
    assert rows[0]["organizations"] == ["総務省 新着情報", "総務省"]
    assert all(
        r["countries"] == [{"country": "JP", "weight": 1.0}] and r["language"] == "ja" and r["kind"] == "policy"
        for r in rows
    )  # fmt: skip


def rdf_items(body: bytes) -> list[tuple[str, str, str]]:
    """(title, link, date) of an RSS 1.0 body, decoded as cp932 by the test itself."""
    text = body.decode("cp932").split("?>", 1)[1]
    ns = {"r": "http://purl.org/rss/1.0/", "dc": "http://purl.org/dc/elements/1.1/"}
    return [(i.findtext("r:title", namespaces=ns), i.findtext("r:link", namespaces=ns),
             i.findtext("dc:date", namespaces=ns)[:10]) for i in etree.fromstring(text).iterfind("r:item", ns)]  # fmt: skip


@pytest.mark.shared
def test_recorded_japanese_ministry_feeds(shared_data: Path, tmp_path: Path) -> None:
    from crawlers.parsers.policy_feed import canonical_url

    folder = shared_data / "fixtures/policy"
    soumu = folder / "jp_soumu_news_rdf/soumu_news_rdf_20210719_shift_jis.rdf"
    snapshot = (
        folder
        / "jp_gov_online_info_rss/rss_snapshots/gov_online_info_2026-08-22_da65a7349d4f.rss.xml"
    )
    summary, rows, out, _ = crawl(tmp_path, "policy_feed", feed_routes(soumu, snapshot), extra=JP_FEEDS,
                                  term_filter=False)  # fmt: skip
    assert summary["finished"] is True and summary["errors"] == [] and quarantined(out) == []
    expected_soumu = rdf_items(soumu.read_bytes())
    items = etree.fromstring(snapshot.read_bytes()).iterfind("channel/item")
    expected_gov = [(i.findtext("title"), i.findtext("link"),
                     dt.datetime.strptime(i.findtext("pubDate"), "%a, %d %b %Y %H:%M:%S GMT").date().isoformat())
                    for i in items]  # fmt: skip
    assert len(expected_soumu) == 20 and len(expected_gov) == 40
    got: dict[str, list[tuple[str, str, str]]] = {}  # per feed, in feed order
    for r in rows:
        got.setdefault(r["extra"]["feed_title"], []).append(
            (r["title"], r["url"], r["published_date"])
        )
    # white space (the full-width space too) folded to one space, links in canonical form
    assert got == {
        feed: [(" ".join(t.split()), canonical_url(u), d) for t, u, d in dict.fromkeys(expected)]
        for feed, expected in (("総務省 ホームページ新着情報", expected_soumu), ("各府省の新着情報", expected_gov))
    }  # fmt: skip
    assert "Beyond 5G研究開発促進事業" in " ".join(
        t for t, _, _ in got["総務省 ホームページ新着情報"]
    )
    assert all(
        r["countries"] == [{"country": "JP", "weight": 1.0}] and r["language"] == "ja" for r in rows
    )
    assert len({r["record_id"] for r in rows}) == len(rows)
