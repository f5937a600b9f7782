"""Spiders end to end: the real crawl subprocess against loopback replay servers.

Self-standing tests use small literal bodies in each source's real format; the `shared_data`
tests replay the recorded fixtures through the same code path (only the base URL differs).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crawlers.replay import ReplayServer
from crawlers.run import child_env, crawl_source
from horizon.schemas import Record

QUANTUM = """\
- slug: {slug}
  label_en: Quantum {slug}
  label_ja: 量子 {slug}
  subtechs:
  - slug: {slug}_core
    label_en: Quantum
    label_ja: 量子
    terms: {{en: [{terms}], ja: [量子コンピュータ]}}
  codes: [{codes}]
  arxiv: [{arxiv}]
"""


def taxonomy_yaml(domains: list[dict[str, str]]) -> str:
    """A small taxonomy: each domain gets its own terms, codes and arXiv categories."""
    body = "".join(
        QUANTUM.format(slug=d["slug"], terms=d.get("terms", "quantum computing, qubit"),
                       codes=d.get("codes", "{prefix: H10N}"), arxiv=d.get("arxiv", "quant-ph"))
        for d in domains
    )  # fmt: skip
    return f"version: test\ndomains:\n{body}"


def write_config(tmp: Path, source: str, *, domains: list[dict[str, str]] | None = None,
                 page_size: int = 100, feeds: str = "", extra: str = "") -> Path:  # fmt: skip
    """A config folder with sources.yaml (one source, `extra` lines added to it) and taxonomy.yaml."""
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid/api\n    page_size: {page_size}\n"
        f"    default_since: 2020-01-01\n{extra}{feeds}",
        encoding="utf-8",
    )
    (config / "taxonomy.yaml").write_text(
        taxonomy_yaml(domains or [{"slug": "quantum"}]), encoding="utf-8"
    )
    return config


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file."""
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def run(
    source: str, routes: Any, tmp: Path, config: Path, **kwargs: Any
) -> tuple[dict, list[Record], Path, ReplayServer]:
    """Crawl a source against a replay of `routes`; summary, records, out folder and server."""
    out = tmp / "out" / source
    with ReplayServer(routes) as server:
        summary = crawl_source(source, home=tmp / "home", out_dir=out, base_url=kwargs.pop("base", server.url),
                               config_dir=config, timeout=120, **kwargs)  # fmt: skip
    records = [Record.model_validate(r) for r in read_jsonl(out / "records.jsonl")]
    return summary, records, out, server


def openalex_work(n: int, countries: list[str]) -> dict[str, Any]:
    """A minimal OpenAlex work object."""
    return {
        "id": f"https://openalex.org/W10{n}", "doi": f"https://doi.org/10.1234/t.{n}",
        "title": f"Qubit study {n}", "publication_date": f"2024-0{n}-01", "publication_year": 2024,
        "language": "en", "cited_by_count": n,
        "authorships": [{"institutions": [{"country_code": c, "display_name": f"Inst {c}"}]} for c in countries],
        "abstract_inverted_index": {"Qubit": [0], "results": [1]},
    }  # fmt: skip


def openalex_page(works: list[dict[str, Any]], next_cursor: str | None) -> str:
    """An OpenAlex /works list page."""
    return json.dumps(
        {"meta": {"count": 3, "per_page": 2, "next_cursor": next_cursor}, "results": works}
    )


def test_openalex_follows_cursors_and_stops_on_the_empty_page(tmp_path: Path) -> None:
    routes = [
        {"path": "/works", "match": {"cursor": "*"}, "text": openalex_page([openalex_work(1, ["JP", "US"]), openalex_work(2, ["JP"])], "c2")},
        {"path": "/works", "match": {"cursor": "c2"}, "text": openalex_page([openalex_work(3, ["DE"])], "c3")},
        {"path": "/works", "match": {"cursor": "c3"}, "text": openalex_page([], None)},
    ]  # fmt: skip
    config = write_config(tmp_path, "papers_openalex")
    summary, records, out, server = run("papers_openalex", routes, tmp_path, config)
    assert summary["finished"] is True and summary["errors"] == []
    assert (summary["records"], summary["responses"], summary["chains_done"]) == (3, 3, 1)
    assert [r[2] for r in server.requests] == [200, 200, 200]  # nothing after the empty page
    by_id = {r.record_id: r for r in records}
    assert sorted(by_id) == ["doi:10.1234/t.1", "doi:10.1234/t.2", "doi:10.1234/t.3"]
    first = by_id["doi:10.1234/t.1"]
    assert {c.country: c.weight for c in first.countries} == {"JP": 0.5, "US": 0.5}
    assert first.published_date.isoformat() == "2024-01-01" and first.source == "papers_openalex"
    assert first.text == "Qubit results"
    # every body was stored before parsing, and each record points at its body
    rows = read_jsonl(out / "responses.jsonl")
    assert {r["status"] for r in rows} == {200} and len({r["raw_sha256"] for r in rows}) == 3
    assert all(Path(r["path"]).exists() and r["source"] == "papers_openalex" for r in rows)
    assert {r.raw_sha256 for r in records} <= {r["raw_sha256"] for r in rows}
    # the query came from the taxonomy: its terms and the date window
    query = server.requests[0][1]
    assert "qubit" in query and "from_publication_date%3A2020-01-01" in query.replace(":", "%3A")


def test_a_crawl_stopped_by_its_record_cap_is_not_finished(tmp_path: Path) -> None:
    """50 of 200 kept is not a finished crawl: the summary says the cap stopped it, so the scan is
    partial and the source's watermark does not move past pages nobody fetched."""
    routes = [
        {"path": "/works", "match": {"cursor": "*"}, "text": openalex_page([openalex_work(1, ["JP"]), openalex_work(2, ["US"])], "c2")},
        {"path": "/works", "match": {"cursor": "c2"}, "text": openalex_page([openalex_work(3, ["DE"])], None)},
    ]  # fmt: skip
    config = write_config(tmp_path, "papers_openalex")
    summary, records, _, server = run("papers_openalex", routes, tmp_path, config, max_records=2)
    assert len(records) == 2 and len(server.requests) == 1  # the second page was never asked for
    assert summary["finished"] is False and summary["reason"] == "max_records"
    assert summary["errors"] and "record cap reached (2 records)" in summary["errors"][-1]


RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title>
<item><title>Funding for quantum computing centres</title><link>https://gov.example/a1</link>
<description>New qubit programme announced.</description><pubDate>Tue, 02 Jan 2024 09:00:00 GMT</pubDate></item>
<item><title>Minister visits a farm</title><link>https://gov.example/a2</link>
<description>Nothing technological.</description><pubDate>Wed, 03 Jan 2024 09:00:00 GMT</pubDate></item>
</channel></rss>"""


def feeds_yaml(names: list[str], country: str = "US", sharing: str = "CLEAR") -> str:
    """The feeds block of policy_feed for feeds served under /feeds/NAME."""
    rows = "".join(
        f"      - name: {n}\n        url: https://feeds.example/feeds/{n}\n        country: {country}\n"
        f"        sharing: {sharing}\n"
        for n in names
    )
    return f"    feeds:\n{rows}"


def test_retry_after_is_honoured_and_an_html_error_body_is_quarantined(tmp_path: Path) -> None:
    routes = [
        {"path": "/feeds/good.xml", "status": 503, "headers": {"Retry-After": "1"}, "text": "busy", "times": 2},
        {"path": "/feeds/good.xml", "status": 429, "text": "slow down", "times": 1},
        {"path": "/feeds/good.xml", "text": RSS, "headers": {"Content-Type": "application/rss+xml"}},
        {"path": "/feeds/broken.xml", "text": "<!DOCTYPE html><html><body><h1>Service error</h1></body></html>",
         "headers": {"Content-Type": "text/html"}},
    ]  # fmt: skip
    config = write_config(
        tmp_path, "policy_feed", feeds=feeds_yaml(["good.xml", "broken.xml"], sharing="AMBER")
    )
    summary, records, out, server = run("policy_feed", routes, tmp_path, config)
    good = [r for r in server.requests if r[1] == "/feeds/good.xml"]
    assert [r[2] for r in good] == [503, 503, 429, 200]
    assert good[1][3] - good[0][3] >= 1.0 and good[2][3] - good[1][3] >= 1.0  # waited as told
    # the term filter keeps the quantum item and drops the farm visit
    assert [r.url for r in records] == ["https://gov.example/a1"]
    assert records[0].sharing.value == "AMBER" and records[0].countries[0].country == "US"
    assert summary["filtered"] == 1
    quarantine = read_jsonl(out / "quarantine.jsonl")
    assert len(quarantine) == 1 and quarantine[0]["source"] == "policy_feed"
    assert quarantine[0]["url"].endswith("/feeds/broken.xml") and quarantine[0]["reason"]
    statuses = sorted(r["status"] for r in read_jsonl(out / "responses.jsonl"))
    assert statuses == [200, 200, 429, 503, 503]  # every body kept, the error pages too
    assert summary["finished"] is False and summary["chains_failed"] == ["feed:broken.xml"]


OAI = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><ListRecords>{records}{token}</ListRecords></OAI-PMH>"""
OAI_RECORD = """<record><header><identifier>oai:arXiv.org:2401.{n:05d}</identifier><datestamp>2024-01-02</datestamp>
<setSpec>physics:quant-ph</setSpec></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Qubit paper {n}</dc:title><dc:creator>Doe, Jane</dc:creator>
<dc:subject>Quantum Physics</dc:subject><dc:description>About qubits.</dc:description><dc:date>2024-01-02</dc:date>
<dc:identifier>http://arxiv.org/abs/2401.{n:05d}</dc:identifier></oai_dc:dc></metadata></record>"""


def oai_page(numbers: list[int], token: str | None) -> str:
    """An OAI-PMH ListRecords page with a resumptionToken (empty on the last page)."""
    records = "".join(OAI_RECORD.format(n=n) for n in numbers)
    return OAI.format(
        records=records, token=f'<resumptionToken cursor="0">{token or ""}</resumptionToken>'
    )


def oai_routes(stall: float) -> list[dict[str, Any]]:
    """Three pages chained by tokens; the third stalls once for `stall` seconds."""
    return [
        {"path": "/oai2", "match": {"verb": "ListRecords", "metadataPrefix": "oai_dc"}, "text": oai_page([1, 2], "t1")},
        {"path": "/oai2", "match": {"resumptionToken": "t1"}, "text": oai_page([3, 4], "t2")},
        {"path": "/oai2", "match": {"resumptionToken": "t2"}, "text": oai_page([5, 6], None), "delay": stall, "times": 1},
        {"path": "/oai2", "match": {"resumptionToken": "t2"}, "text": oai_page([5, 6], None)},
    ]  # fmt: skip


def test_interrupted_harvest_resumes_from_the_last_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, "papers_arxiv_oai")
    out = tmp_path / "out"
    with ReplayServer(oai_routes(stall=60)) as server:
        cmd = [sys.executable, "-m", "crawlers.run", "papers_arxiv_oai", "--home", str(tmp_path / "home"),
               "--out", str(out), "--base-url", f"{server.url}/oai2", "--config-dir", str(config)]  # fmt: skip
        proc = subprocess.Popen(cmd, env=child_env(os.environ), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        checkpoint = out / "checkpoint.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if checkpoint.exists():
                state = json.loads(checkpoint.read_text())["chains"].get("physics:quant-ph", {})
                if state.get("pages") == 2 and server.routes[2].hits == 1:
                    break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # killed while the third page stalls
        proc.wait()
        assert json.loads((out / "summary.json").read_text())["finished"] is False
        assert len(read_jsonl(out / "records.jsonl")) == 4
        summary = crawl_source("papers_arxiv_oai", home=tmp_path / "home", out_dir=out,
                               base_url=f"{server.url}/oai2", config_dir=config, timeout=120)  # fmt: skip
        first_page_requests = [r for r in server.requests if "metadataPrefix" in r[1]]
    assert summary["finished"] is True and summary["records"] == 6
    assert len(first_page_requests) == 1  # resumed from the token, not from the start
    ids = [r["record_id"] for r in read_jsonl(out / "records.jsonl")]
    assert sorted(ids) == [f"arxiv:2401.{n:05d}" for n in range(1, 7)]  # none lost, none twice
    # an uninterrupted crawl ends with the same records
    with ReplayServer(oai_routes(stall=0)) as server:
        crawl_source("papers_arxiv_oai", home=tmp_path / "home", out_dir=tmp_path / "clean",
                     base_url=f"{server.url}/oai2", config_dir=config, timeout=120)  # fmt: skip
    assert sorted(
        r["record_id"] for r in read_jsonl(tmp_path / "clean" / "records.jsonl")
    ) == sorted(ids)


OPS = """<?xml version="1.0" encoding="UTF-8"?><ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
<ops:biblio-search total-result-count="1"><ops:range begin="1" end="1"/><ops:search-result><exchange-documents>
<exchange-document system="ops.epo.org" family-id="123" country="JP" doc-number="2024000001" kind="A">
<bibliographic-data><publication-reference><document-id document-id-type="docdb"><country>JP</country>
<doc-number>2024000001</doc-number><kind>A</kind><date>20240105</date></document-id></publication-reference>
<patent-classifications><patent-classification><classification-scheme scheme="CPCI"/><section>H</section><class>10</class>
<subclass>N</subclass><main-group>60</main-group><subgroup>00</subgroup></patent-classification></patent-classifications>
<priority-claims><priority-claim><document-id document-id-type="epodoc"><doc-number>JP20230001</doc-number><date>20230105</date></document-id></priority-claim></priority-claims>
<parties><applicants><applicant data-format="epodoc"><applicant-name><name>QUBIT KK [JP]</name></applicant-name></applicant></applicants></parties>
<invention-title lang="en">Qubit device</invention-title></bibliographic-data></exchange-document>
</exchange-documents></ops:search-result></ops:biblio-search></ops:world-patent-data>"""


def test_credentials_are_sent_but_never_written(tmp_path: Path) -> None:
    key, secret, token, api_key = (
        "PLANTED-KEY-0001",
        "PLANTED-SECRET-0002",
        "PLANTED-TOKEN-0003",
        "PLANTED-API-0004",
    )
    routes = [
        {"path": "/api/auth/accesstoken", "method": "POST", "text": json.dumps({"access_token": token, "expires_in": "1199"})},
        {"path": "/api/rest-services/published-data/search/biblio", "match": {"Range": "1-100"}, "text": OPS},
    ]  # fmt: skip
    config = write_config(tmp_path, "patents_epo_ops")
    with ReplayServer(routes) as server:
        summary = crawl_source("patents_epo_ops", home=tmp_path / "home", out_dir=tmp_path / "epo",
                               base_url=f"{server.url}/api", config_dir=config,
                               credentials={"key": key, "secret": secret})  # fmt: skip
    assert [(r[0], r[1].split("?")[0]) for r in server.requests] == [
        ("POST", "/api/auth/accesstoken"),
        ("GET", "/api/rest-services/published-data/search/biblio"),
    ]
    records = read_jsonl(tmp_path / "epo" / "records.jsonl")
    assert summary["finished"] is True and [r["record_id"] for r in records] == [
        "patent:JP2024000001A"
    ]
    assert records[0]["codes"]["cpc"] == ["H10N60/00"] and records[0]["countries"] == [
        {"country": "JP", "weight": 1.0}
    ]
    routes = [{"path": "/works", "text": openalex_page([openalex_work(1, ["JP"])], None)}]
    config = write_config(tmp_path, "papers_openalex")
    with ReplayServer(routes) as server:
        crawl_source("papers_openalex", home=tmp_path / "home", out_dir=tmp_path / "oa", base_url=server.url,
                     config_dir=config, credentials={"api_key": api_key, "mailto": "planted@example.org"})  # fmt: skip
    assert f"api_key={api_key}" in server.requests[0][1]  # sent to the server …
    for path in tmp_path.rglob("*"):  # … and in no file the crawls wrote
        if path.is_file():
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            for planted in (key, secret, token, api_key, "planted@example.org"):
                assert planted.encode() not in data, f"{planted} leaked into {path}"


def test_queries_come_from_the_taxonomy(tmp_path: Path) -> None:
    import datetime as dt

    from crawlers.spiders.patents_epo_ops import cql_query
    from crawlers.spiders.patents_uspto_bulk import weekly_files
    from crawlers.spiders.terms import TermMatcher, arxiv_sets
    from horizon.config.taxonomy import load_taxonomy

    path = tmp_path / "t.yaml"
    path.write_text(taxonomy_yaml([
        {"slug": "a", "terms": "quantum computing, qubit", "codes": "{prefix: H10N}, {prefix: G06N10, scheme: ipc}", "arxiv": "quant-ph, cs.ET"},
        {"slug": "b", "terms": "neural network", "codes": "{prefix: G06N3}", "arxiv": "cs.LG, cond-mat.mes-hall"},
    ]), encoding="utf-8")  # fmt: skip
    taxonomy = load_taxonomy(path, require_japan_20=False)
    assert arxiv_sets(taxonomy) == ["physics:quant-ph", "cs", "physics:cond-mat"]
    a = taxonomy.domain("a")
    assert cql_query(
        [(c.scheme, c.prefix) for c in a.codes], dt.date(2024, 1, 1), dt.date(2024, 6, 30)
    ) == ('(cpc=/low H10N or ic=G06N10) and pd within "20240101 20240630"')
    matcher = TermMatcher(taxonomy)
    assert matcher.matches("A new Qubit design") and matcher.matches("量子コンピュータの研究")
    assert matcher.matches("Two qubits entangled") and matcher.matches("deep neural networks")
    assert not matcher.matches("qubits-free farming") and not matcher.matches("A visit to a farm")
    assert weekly_files(dt.date(2026, 1, 1), dt.date(2026, 1, 20)) == [
        dt.date(2026, 1, 6), dt.date(2026, 1, 13), dt.date(2026, 1, 20)]  # fmt: skip


def test_every_term_query_source_reaches_every_sub_technology() -> None:
    """`horizon crawl SOURCE --plan` on the committed taxonomy: every source that searches by term
    asks for a term of each of the 116 sub-technologies, and no request repeats."""
    from crawlers.parsers.registry import SOURCES
    from crawlers.run import DEFAULT_CONFIG_DIR, crawl_plan, spider_class, taxonomy_path
    from horizon.config.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path(DEFAULT_CONFIG_DIR))
    every = {(d.slug, s.slug) for d in taxonomy.domains for s in d.subtechs}
    assert len(every) == 116
    by_term = [s for s in SOURCES if spider_class(s).queries_by_term]
    assert {"papers_openalex", "papers_crossref", "policy_federal_register", "policy_govuk"} <= set(
        by_term
    )
    for source in by_term:
        rows = crawl_plan(source)
        reached = {(r["domain"], s) for r in rows for s in r["subtechs"]}
        assert reached == every, (source, sorted(every - reached)[:5])
        requests = [(r["method"], r["url"], json.dumps(r["body"], sort_keys=True)) for r in rows]
        assert len(set(requests)) == len(requests), source


def test_query_terms_skip_plural_twins_and_everyday_abbreviations(tmp_path: Path) -> None:
    from crawlers.run import DEFAULT_CONFIG_DIR, taxonomy_path
    from crawlers.spiders.terms import query_terms, reached_subtechs, unambiguous_abbreviations
    from horizon.config.taxonomy import load_taxonomy

    path = tmp_path / "t.yaml"
    path.write_text(taxonomy_yaml([
        {"slug": "a", "terms": "vaccine, vaccines, mRNA vaccine", "codes": "{prefix: A61K39}", "arxiv": "q-bio.BM"},
    ]), encoding="utf-8")  # fmt: skip
    taxonomy = load_taxonomy(path, require_japan_20=False)
    a = taxonomy.domain("a")
    assert query_terms(a, "en", per_subtech=2) == ["vaccine", "mRNA vaccine"]
    assert reached_subtechs(a, ["Vaccines"]) == {s.slug for s in a.subtechs}
    assert reached_subtechs(a, ["vaccination"]) == set()
    real = load_taxonomy(taxonomy_path(DEFAULT_CONFIG_DIR))
    safe = unambiguous_abbreviations(real)
    assert "GPS" not in safe and "PLC" not in safe and "CRISPR" in safe


def test_crawl_plan_cli_prints_requests_and_sends_nothing() -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["crawl", "policy_govuk", "--plan", "--since", "2026-01-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert all(line.startswith("GET https://www.gov.uk/api/search.json?") for line in lines[:-1])
    assert "filter_public_timestamp=from%3A2026-01-01" in lines[0]
    assert (
        lines[-1].startswith("policy_govuk: 116 queries over 20 domains")
        and "116 sub-technologies" in lines[-1]
    )
    bad = CliRunner().invoke(app, ["crawl", "no_such_source", "--plan"])
    assert bad.exit_code == 2 and "unknown source" in bad.output


def test_openalex_on_a_paid_plan_asks_by_created_date_so_a_late_indexed_work_comes_next_time(
    tmp_path: Path,
) -> None:
    """As Crossref: the second scan asks from its watermark by created date (two days' overlap)
    with the publication-date floor at default_since, so a work published in May but created in
    OpenAlex after the first scan (end of June) is fetched by the scan of July."""
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    config = write_config(tmp_path, "papers_openalex", extra="    paid_plan: true\n")
    early, late = openalex_work(5, ["JP"]), openalex_work(6, ["US"])  # published 2024-05, -06
    first = [{"path": "/works", "match_re": {"filter": r"^from_publication_date:2020-01-01,from_created_date:2019-12-30,to_created_date:2024-06-30$"},
              "text": openalex_page([early], None)}]  # fmt: skip
    summary, records, _, _ = run(
        "papers_openalex", first, tmp_path, config, until=dt.date(2024, 6, 30)
    )
    assert summary["finished"] and [r.record_id for r in records] == ["doi:10.1234/t.5"]
    second = [{"path": "/works", "match_re": {"filter": r".*from_created_date:2024-06-28,.*"},
               "text": openalex_page([late], None)}]  # fmt: skip
    summary, records, _, server = run("papers_openalex", second, tmp_path / "second", config,
                                      since=dt.date(2024, 6, 30), until=dt.date(2024, 7, 31))  # fmt: skip
    assert summary["finished"] and [r.record_id for r in records] == ["doi:10.1234/t.6"]
    assert records[0].published_date < dt.date(2024, 6, 30)  # published before the watermark
    flt = parse_qs(urlsplit(server.requests[0][1]).query)["filter"][0]
    assert (
        flt
        == "from_publication_date:2020-01-01,from_created_date:2024-06-28,to_created_date:2024-07-31"
    )


def test_openalex_on_a_free_key_asks_publication_dates_again_30_days_back(tmp_path: Path) -> None:
    """A free key cannot filter by created date: the next scan asks publication dates from 30
    days before its watermark (never before default_since), so a work indexed up to 30 days late
    still comes."""
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    config = write_config(tmp_path, "papers_openalex")
    routes = [{"path": "/works", "text": openalex_page([openalex_work(6, ["US"])], None)}]
    summary, _, _, server = run("papers_openalex", routes, tmp_path, config,
                                since=dt.date(2024, 6, 30), until=dt.date(2024, 7, 31))  # fmt: skip
    flt = parse_qs(urlsplit(server.requests[0][1]).query)["filter"][0]
    assert summary["finished"] and flt.startswith(
        "from_publication_date:2024-05-31,to_publication_date:2024-07-31"
    )
    summary, _, _, server = run("papers_openalex", routes, tmp_path / "first", config,
                                since=dt.date(2020, 1, 10), until=dt.date(2020, 2, 29))  # fmt: skip
    flt = parse_qs(urlsplit(server.requests[0][1]).query)["filter"][0]
    assert flt.startswith("from_publication_date:2020-01-01,to_publication_date:2020-02-29")


def crossref_page(dois: list[str], published: list[int]) -> str:
    """A Crossref work-list page (no next cursor: the query ends with it)."""
    items = [{"DOI": d, "title": [f"Qubit work {d}"], "type": "journal-article",
              "issued": {"date-parts": [published]},
              "author": [{"affiliation": [{"name": "Tohoku University, Sendai, Japan"}]}]}
             for d in dois]  # fmt: skip
    return json.dumps({"status": "ok", "message-type": "work-list",
                       "message": {"total-results": len(items), "items": items}})  # fmt: skip


def test_crossref_asks_by_index_date_so_a_late_indexed_work_comes_next_time(tmp_path: Path) -> None:
    """The second scan asks from its watermark by index date (two days' overlap), keeping the
    corpus floor by publication date: a work published in May but indexed after the first scan
    is fetched then, though its publication date lies before the watermark."""
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    config = write_config(tmp_path, "papers_crossref")  # default_since 2020-01-01
    first_routes = [{"path": "/works", "match_re": {"filter": r".*from-index-date:2019-12-30.*"},
                     "text": crossref_page(["10.5555/early"], [2024, 5, 2])}]  # fmt: skip
    summary, records, _, server = run("papers_crossref", first_routes, tmp_path, config,
                                      until=dt.date(2024, 6, 30))  # fmt: skip
    assert summary["finished"] and [r.record_id for r in records] == ["doi:10.5555/early"]
    late = [{"path": "/works", "match_re": {"filter": r".*from-index-date:2024-06-28.*"},
             "text": crossref_page(["10.5555/late"], [2024, 5, 20])}]  # fmt: skip
    summary, records, _, server = run("papers_crossref", late, tmp_path / "second", config,
                                      since=dt.date(2024, 6, 30), until=dt.date(2024, 7, 31))  # fmt: skip
    assert summary["finished"] and [r.record_id for r in records] == ["doi:10.5555/late"]
    flt = parse_qs(urlsplit(server.requests[0][1]).query)["filter"][0]
    assert flt == "from-pub-date:2020-01-01,from-index-date:2024-06-28,until-index-date:2024-07-31"
