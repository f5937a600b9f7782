"""Capped searches split their date window until every part is under the cap (EPO OPS serves 2,000
hits of a search, the Federal Register 10,000 of a query); a one-day window still over it ends the
crawl partial. Served on loopback and crawled by the real crawl subprocess."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from crawlers.spiders.windows import chain_complete_through, split_window, window_key

JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
D = dt.date


def write_config(tmp: Path, source: str) -> Path:
    """sources.yaml with one source and a one-domain taxonomy (term qubit, class H10N)."""
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid\n    page_size: 100\n"
        "    max_records: 100000\n",
        encoding="utf-8",
    )
    (config / "taxonomy.yaml").write_text(
        "version: test\ndomains:\n- slug: quantum\n  label_en: Quantum\n  label_ja: 量子\n"
        "  subtechs:\n  - slug: quantum_core\n    label_en: Quantum\n    label_ja: 量子\n"
        "    terms: {en: [qubit, quantum computing]}\n  codes: [{prefix: H10N}]\n",
        encoding="utf-8",
    )
    return config


def crawl(tmp: Path, source: str, routes: list[dict[str, Any]], since: dt.date, until: dt.date,
          base: str = "", **kwargs: Any) -> tuple[dict[str, Any], list[str], ReplayServer, Path]:  # fmt: skip
    """Crawl against the routes; summary, record ids, the server and the out folder."""
    out = tmp / "out"
    with ReplayServer(routes) as server:
        summary = crawl_source(source, home=tmp / "home", out_dir=out, base_url=server.url + base,
                               config_dir=write_config(tmp, source), since=since, until=until,
                               timeout=120, **kwargs)  # fmt: skip
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return summary, sorted(json.loads(line)["record_id"] for line in lines), server, out


# -- the split itself -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "total", "cap", "parts"),
    [
        ((D(2024, 1, 1), D(2024, 1, 4)), 10_000, 10_000, [(D(2024, 1, 1), D(2024, 1, 2)),
                                                           (D(2024, 1, 3), D(2024, 1, 4))]),
        ((D(2024, 1, 1), D(2024, 1, 10)), 5_000, 2_000, [(D(2024, 1, 1), D(2024, 1, 4)),
                                                          (D(2024, 1, 5), D(2024, 1, 7)),
                                                          (D(2024, 1, 8), D(2024, 1, 10))]),
        ((D(2024, 1, 1), D(2024, 1, 2)), 90_000, 2_000, [(D(2024, 1, 1), D(2024, 1, 1)),
                                                          (D(2024, 1, 2), D(2024, 1, 2))]),
        ((D(2024, 1, 1), D(2024, 1, 1)), 90_000, 2_000, []),
    ],
)  # fmt: skip
def test_a_window_splits_into_consecutive_parts_that_cover_it(window, total, cap, parts) -> None:
    got = split_window(window, total, cap)
    assert got == parts
    if got:  # no day lost, none twice
        assert got[0][0] == window[0] and got[-1][1] == window[1]
        assert all(b[0] - a[1] == dt.timedelta(days=1) for a, b in itertools.pairwise(got))


# -- Federal Register -----------------------------------------------------------------------------
def fr_doc(number: str, day: str) -> dict[str, Any]:
    """A Federal Register document as documents.json lists it."""
    return {"document_number": number, "title": f"Qubit notice {number}", "type": "Notice",
            "publication_date": day, "abstract": "About quantum computing."}  # fmt: skip


def fr_route(gte: str, lte: str, count: int, docs: list[dict[str, Any]], page: str | None = None,
             next_page: str | None = None) -> dict[str, Any]:  # fmt: skip
    """documents.json answering one publication-date window (and page)."""
    body: dict[str, Any] = {"count": count, "results": docs}
    if next_page:
        body["next_page_url"] = (
            "https://www.federalregister.gov/api/v1/documents.json?conditions%5Bpublication_date"
            f"%5D%5Bgte%5D={gte}&conditions%5Bpublication_date%5D%5Blte%5D={lte}&page={next_page}"
        )
    return {"path": "/documents.json", "headers": JSON, "text": json.dumps(body),
            "match": {"conditions[publication_date][gte]": gte,
                      "conditions[publication_date][lte]": lte, "page": page}}  # fmt: skip


def test_a_query_is_complete_through_the_end_of_its_first_unbroken_run_of_parts() -> None:
    done = {"done": True, "pages": 1}
    states = {
        "q": {"split": [["2024-01-01", "2024-01-02"], ["2024-01-03", "2024-01-04"]]},
        "q@2024-01-01..2024-01-02": done,
        "q@2024-01-03..2024-01-04": {"split": [["2024-01-03", "2024-01-03"], ["2024-01-04", "2024-01-04"]]},
        "q@2024-01-03..2024-01-03": done,
        "q@2024-01-04..2024-01-04": {"done": True, "over_cap": True},
    }  # fmt: skip
    window = (D(2024, 1, 1), D(2024, 1, 4))
    assert chain_complete_through(states, "q", window) == D(2024, 1, 3)
    states["q@2024-01-04..2024-01-04"] = done
    assert chain_complete_through(states, "q", window) == D(2024, 1, 4)
    states["q@2024-01-01..2024-01-02"] = {"failed": True}  # a gap at the start: nothing counts
    assert chain_complete_through(states, "q", window) is None
    assert chain_complete_through({"r": done}, "r", window) == D(2024, 1, 4)
    assert chain_complete_through({}, "r", window) is None


def test_federal_register_splits_a_capped_window_until_every_part_is_fetched(
    tmp_path: Path,
) -> None:
    """4 days counting 10,000 (the count stops there): two halves; the second counts 10,000 again
    and is split into its days; every document of every part is written, and the crawl is done."""
    routes = [
        fr_route("2024-01-01", "2024-01-04", 10_000, [fr_doc("2024-00001", "2024-01-01")]),
        fr_route("2024-01-01", "2024-01-02", 3, [fr_doc("2024-00001", "2024-01-01"),
                                                 fr_doc("2024-00002", "2024-01-02")], next_page="2"),
        fr_route("2024-01-01", "2024-01-02", 3, [fr_doc("2024-00003", "2024-01-02")], page="2"),
        fr_route("2024-01-03", "2024-01-04", 10_000, [fr_doc("2024-00004", "2024-01-03")]),
        fr_route("2024-01-03", "2024-01-03", 1, [fr_doc("2024-00004", "2024-01-03")]),
        fr_route("2024-01-04", "2024-01-04", 2, [fr_doc("2024-00005", "2024-01-04"),
                                                 fr_doc("2024-00006", "2024-01-04")]),
    ]  # fmt: skip
    summary, ids, server, out = crawl(tmp_path, "policy_federal_register", routes,
                                      D(2024, 1, 1), D(2024, 1, 4))  # fmt: skip
    assert ids == [f"fr:2024-0000{n}" for n in range(1, 7)]
    assert summary["finished"] is True and summary["reason"] == "finished", summary["errors"]
    assert summary["complete_through"] == "2024-01-04"
    windows = [
        (q["conditions[publication_date][gte]"][0], q["conditions[publication_date][lte]"][0],
         q.get("page", ["1"])[0])
        for q in (parse_qs(urlsplit(r[1]).query) for r in server.requests)
    ]  # fmt: skip
    assert sorted(windows) == [("2024-01-01", "2024-01-02", "1"), ("2024-01-01", "2024-01-02", "2"),
                               ("2024-01-01", "2024-01-04", "1"), ("2024-01-03", "2024-01-03", "1"),
                               ("2024-01-03", "2024-01-04", "1"), ("2024-01-04", "2024-01-04", "1")]  # fmt: skip
    assert {r[2] for r in server.requests} == {200}
    chains = json.loads((out / "checkpoint.json").read_text())["chains"]
    assert chains["quantum"]["split"] == [
        ["2024-01-01", "2024-01-02"],
        ["2024-01-03", "2024-01-04"],
    ]
    assert chains[window_key("quantum", (D(2024, 1, 3), D(2024, 1, 4)))]["split"] == [
        ["2024-01-03", "2024-01-03"], ["2024-01-04", "2024-01-04"]]  # fmt: skip
    assert chains["quantum@2024-01-01..2024-01-02"] | {"pages": 2, "done": True, "total": 3} == (
        chains["quantum@2024-01-01..2024-01-02"])  # fmt: skip
    # what the parts announced was fetched; the split window's own first page is not counted
    coverage = summary["coverage"]
    assert (coverage["hits_announced"], coverage["hits_fetched"]) == (6, 6)
    assert (coverage["windows"], coverage["windows_split"], coverage["windows_complete"]) == (
        3,
        2,
        3,
    )
    # every query of the same terms, only the dates differ
    queries = [parse_qs(urlsplit(r[1]).query) for r in server.requests]
    terms = {q["conditions[term]"][0] for q in queries if "page" not in q}
    assert len(terms) == 1 and "qubit" in terms.pop()


def test_a_one_day_window_over_the_cap_ends_the_crawl_partial_with_the_reason(
    tmp_path: Path,
) -> None:
    """A day counting 10,000 cannot be split: what the API serves is fetched, and the crawl says
    it is partial because of the cap (so the watermark stays)."""
    routes = [
        fr_route("2024-01-05", "2024-01-05", 10_000, [fr_doc("2024-00007", "2024-01-05")], next_page="2"),
        fr_route("2024-01-05", "2024-01-05", 10_000, [fr_doc("2024-00008", "2024-01-05")], page="2"),
    ]  # fmt: skip
    summary, ids, server, _ = crawl(tmp_path, "policy_federal_register", routes,
                                    D(2024, 1, 5), D(2024, 1, 5))  # fmt: skip
    assert ids == ["fr:2024-00007", "fr:2024-00008"] and len(server.requests) == 2
    assert summary["finished"] is False and summary["reason"] == "result_cap"
    assert "more than the 10000 hits the source serves" in summary["errors"][-1]
    assert "quantum" in summary["errors"][-1]
    coverage = summary["coverage"]
    assert coverage["windows_over_cap"] == ["quantum"] and coverage["windows_complete"] == 0
    assert summary["complete_through"] is None
    assert (coverage["hits_announced"], coverage["hits_fetched"]) == (10_000, 2)


def test_a_crawl_at_its_record_cap_asks_for_no_parts(tmp_path: Path) -> None:
    """The cap stops the crawl: the parts of a split window are kept for later, not asked for."""
    routes = [fr_route("2024-01-01", "2024-01-04", 10_000, [fr_doc("2024-00001", "2024-01-01")])]
    days = D(2024, 1, 1), D(2024, 1, 4)
    summary, ids, server, out = crawl(
        tmp_path, "policy_federal_register", routes, *days, max_records=1
    )
    assert ids == ["fr:2024-00001"] and len(server.requests) == 1
    assert summary["finished"] is False and summary["reason"] == "max_records"
    assert json.loads((out / "checkpoint.json").read_text())["chains"]["quantum"]["split"]


def test_federal_register_stops_paging_at_the_documents_it_serves(tmp_path: Path) -> None:
    """Page 10 of 1,000 ends at the 10,000th document: no page 11 is asked for."""
    from crawlers.pipelines import CrawlOutput
    from crawlers.spiders.policy_federal_register import FederalRegisterSpider
    from horizon.config import load_sources
    from horizon.config.taxonomy import load_taxonomy

    config = write_config(tmp_path, "policy_federal_register")
    spider = FederalRegisterSpider(
        config=load_sources(config / "sources.yaml").sources["policy_federal_register"],
        taxonomy=load_taxonomy(config / "taxonomy.yaml", require_japan_20=False),
        output=CrawlOutput(tmp_path / "out", "policy_federal_register", resume=False),
        since=D(2024, 1, 1), until=D(2024, 1, 31),
    )  # fmt: skip
    chain = spider.plan()[0]
    pointer = "https://www.federalregister.gov/api/v1/documents.json?per_page=1000&page={}"
    assert "page=10" in spider.next_url(chain, chain.url, pointer.format(10))
    assert spider.next_url(chain, chain.url, pointer.format(11)) is None
    spider.output.close()


# -- EPO OPS --------------------------------------------------------------------------------------
OPS_DOC = """<exchange-document system="ops.epo.org" family-id="{n}" country="JP" doc-number="20240000{n:02d}" kind="A">
<bibliographic-data><publication-reference><document-id document-id-type="docdb"><country>JP</country>
<doc-number>20240000{n:02d}</doc-number><kind>A</kind><date>{day}</date></document-id></publication-reference>
<parties><applicants><applicant data-format="epodoc"><applicant-name><name>QUBIT KK [JP]</name></applicant-name></applicant></applicants></parties>
<invention-title lang="en">Qubit device {n}</invention-title></bibliographic-data></exchange-document>"""


def ops_page(total: int, begin: int, numbers: list[int], day: str = "20240105") -> str:
    """An OPS search/biblio answer with these documents and the announced total."""
    docs = "".join(OPS_DOC.format(n=n, day=day) for n in numbers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><ops:world-patent-data xmlns="http://www.epo.org/exchange" '
        f'xmlns:ops="http://ops.epo.org"><ops:biblio-search total-result-count="{total}">'
        f'<ops:range begin="{begin}" end="{begin + len(numbers) - 1}"/><ops:search-result>'
        f"<exchange-documents>{docs}</exchange-documents></ops:search-result></ops:biblio-search>"
        "</ops:world-patent-data>"
    )


def ops_route(window: str, text: str, rng: str = "1-100", **extra: Any) -> dict[str, Any]:
    """The search for H10N published in `window` ("20240101 20240102")."""
    return {"path": "/rest-services/published-data/search/biblio", "headers": XML, "text": text,
            "match": {"Range": rng}, "match_re": {"q": rf'\(cpc=/low H10N\) and pd within "{window}"'},
            **extra}  # fmt: skip


def test_epo_splits_a_search_over_2000_hits_by_publication_date(tmp_path: Path) -> None:
    routes = [
        ops_route("20240101 20240104", ops_page(4100, 1, [1])),
        ops_route("20240101 20240102", ops_page(2, 1, [2, 3])),
        ops_route("20240103 20240103", ops_page(1, 1, [4])),
        ops_route("20240104 20240104", ops_page(101, 1, list(range(5, 105)))),
        ops_route("20240104 20240104", ops_page(101, 101, [99, 105]), rng="101-101"),
    ]  # fmt: skip
    summary, ids, server, _ = crawl(
        tmp_path, "patents_epo_ops", routes, D(2024, 1, 1), D(2024, 1, 4)
    )
    assert summary["finished"] is True, summary["errors"]
    assert ids == sorted(f"patent:JP20240000{n:02d}A" for n in range(1, 106))
    asked = sorted(
        parse_qs(urlsplit(r[1]).query)["q"][0].split('within "')[1] for r in server.requests
    )
    assert asked == ['20240101 20240102"', '20240101 20240104"', '20240103 20240103"',
                     '20240104 20240104"', '20240104 20240104"']  # fmt: skip


def test_a_resumed_crawl_asks_only_the_parts_not_yet_done(tmp_path: Path) -> None:
    """The split is kept in the checkpoint: a crawl stopped with one part failed goes on with that
    part alone, not with the whole window again."""
    first = [
        fr_route("2024-01-01", "2024-01-02", 10_000, [fr_doc("2024-00001", "2024-01-01")]),
        fr_route("2024-01-01", "2024-01-01", 1, [fr_doc("2024-00001", "2024-01-01")]),
        {"path": "/documents.json", "status": 500, "text": "down",
         "match": {"conditions[publication_date][gte]": "2024-01-02"}},
    ]  # fmt: skip
    days = D(2024, 1, 1), D(2024, 1, 2)
    summary, ids, _, _ = crawl(tmp_path, "policy_federal_register", first, *days)
    assert summary["finished"] is False and ids == ["fr:2024-00001"]
    assert summary["chains_failed"] == ["quantum@2024-01-02..2024-01-02"]
    assert summary["complete_through"] == "2024-01-01"  # its watermark may move over the 1st
    second = [fr_route("2024-01-02", "2024-01-02", 1, [fr_doc("2024-00002", "2024-01-02")])]
    summary, ids, server, _ = crawl(tmp_path, "policy_federal_register", second, *days)
    asked = [parse_qs(urlsplit(r[1]).query) for r in server.requests]
    assert [q["conditions[publication_date][gte]"] for q in asked] == [["2024-01-02"]]
    assert summary["finished"] is True and ids == ["fr:2024-00001", "fr:2024-00002"]
    coverage = summary["coverage"]
    assert coverage | {"queries_planned": 1, "windows_split": 1, "windows": 2,
                       "windows_complete": 2, "windows_failed": 0} == coverage  # fmt: skip
    assert (coverage["hits_announced"], coverage["hits_fetched"]) == (2, 2)
