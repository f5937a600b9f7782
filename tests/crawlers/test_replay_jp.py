"""The Japanese research-metadata spiders (J-STAGE WebAPI, CiNii Research) through the real crawl
subprocess on loopback: literal answers in each API's format, then the recorded responses."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.recorded import recorded_sources
from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from horizon.config import load_sources

TAXONOMY = """\
version: test
domains:
- slug: quantum
  label_en: Quantum
  label_ja: 量子
  subtechs:
  - slug: computing
    label_en: Quantum computing
    label_ja: 量子コンピュータ
    terms: {en: [quantum computing], ja: [量子コンピュータ, 量子計算機]}
  - slug: sensing
    label_en: Quantum sensing
    label_ja: 量子センシング
    terms: {en: [quantum sensing], ja: [量子センシング]}
"""
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
JSON = {"Content-Type": "application/json"}


def crawl(tmp: Path, source: str, routes: list[dict[str, Any]], *, page_size: int = 2,
          base: str | None = None, config_extra: str = "",
          **kwargs: Any) -> tuple[dict, list[dict], ReplayServer]:  # fmt: skip
    """Crawl `source` against `routes` with a two-sub-technology taxonomy."""
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid\n    page_size: {page_size}\n"
        f"    default_since: 2023-01-01\n{config_extra}",
        encoding="utf-8",
    )
    (config / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    out = tmp / "out"
    with ReplayServer(routes) as server:
        summary = crawl_source(source, home=tmp / "home", out_dir=out, base_url=base or server.url,
                               config_dir=config, timeout=300, until=dt.date(2024, 6, 30),
                               **kwargs)  # fmt: skip
    path = out / "records.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return summary, rows, server


def queries(server: ReplayServer) -> list[dict[str, str]]:
    """The query parameters of every request the server answered."""
    return [{k: v[0] for k, v in parse_qs(urlsplit(r[1]).query).items()} for r in server.requests]


# --- J-STAGE ---------------------------------------------------------------------------------------

JSTAGE = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"
 xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xml:lang="ja">
<result><status>{status}</status><message/></result><servicecd>3</servicecd>
<opensearch:totalResults>{total}</opensearch:totalResults><opensearch:startIndex>{start}</opensearch:startIndex>
<opensearch:itemsPerPage>{n}</opensearch:itemsPerPage>{entries}</feed>"""
ENTRY = """<entry><article_title><en><![CDATA[Qubit {i}]]></en><ja><![CDATA[量子コンピュータ {i}]]></ja></article_title>
<article_link><en>https://www.jstage.jst.go.jp/article/q/1/{i}/1_{i}/_article</en></article_link>
<pubyear>2024</pubyear><prism:doi>10.9999/q.{i}</prism:doi><title><![CDATA[量子コンピュータ {i}]]></title></entry>"""


def jstage(numbers: list[int], start: int, total: int, status: str = "0") -> str:
    entries = "".join(ENTRY.format(i=i) for i in numbers)
    return JSTAGE.format(status=status, total=total, start=start, n=len(numbers), entries=entries)


def test_jstage_pages_by_start_per_subtech_and_reads_no_hits(tmp_path: Path) -> None:
    routes = [
        {"path": "/searchapi/do", "match": {"article": "量子コンピュータ", "start": "1"}, "text": jstage([1, 2], 1, 3), "headers": ATOM},
        {"path": "/searchapi/do", "match": {"article": "量子コンピュータ", "start": "3"}, "text": jstage([3], 3, 3), "headers": ATOM},
        {"path": "/searchapi/do", "match": {"article": "量子センシング"}, "text": jstage([], 1, 0, "ERR_001"), "headers": ATOM},
    ]  # fmt: skip
    summary, rows, server = crawl(tmp_path, "papers_jstage", routes)
    assert summary["finished"] is True and summary["errors"] == []
    assert (summary["records"], summary["chains"], summary["chains_done"]) == (3, 2, 2)
    assert sorted(r["record_id"] for r in rows) == [
        "doi:10.9999/q.1",
        "doi:10.9999/q.2",
        "doi:10.9999/q.3",
    ]
    assert {r["language"] for r in rows} == {"ja"} and rows[0]["countries"] == []
    asked = queries(server)
    assert [q["start"] for q in asked if q["article"] == "量子コンピュータ"] == ["1", "3"]
    # one title query per sub-technology, its first Japanese name; the window's years
    assert sorted(q["article"] for q in asked if q["start"] == "1") == [
        "量子コンピュータ",
        "量子センシング",
    ]
    assert all(q["service"] == "3" and q["count"] == "2" for q in asked)
    assert {(q["pubyearfrom"], q["pubyearto"]) for q in asked} == {("2023", "2024")}
    assert [r[2] for r in server.requests] == [200, 200, 200]


def crawl_recorded(data: Path, tmp: Path, source: str, not_offered: str) -> tuple[Any, ...]:
    """Crawl a source's recordings as a recorded scan serves them, with the live page size;
    the one recording not offered must be `not_offered` (relative to its folder)."""
    live = load_sources(Path(__file__).parents[2] / "data/config/sources.yaml")
    rec = recorded_sources(data, live, tmp).sources[source]
    assert [p.rsplit("/", 1)[-1] for p in rec.unused] == [not_offered]
    summary, rows, server = crawl(tmp, source, rec.routes, page_size=live.sources[source].page_size)
    assert summary["finished"] is True and summary["errors"] == []
    return rec, summary, rows, server


@pytest.mark.shared
def test_jstage_recorded_search(shared_data: Path, tmp_path: Path) -> None:
    _, summary, rows, server = crawl_recorded(
        shared_data, tmp_path, "papers_jstage", "jstage_service2_volumes_manual_sample.xml"
    )
    assert sorted(r["record_id"] for r in rows) == [
        "doi:10.11249/jsbpjjpp.23.1_53", "doi:10.11249/jsbpjjpp.25.2_109", "doi:10.4264/numa.70.125"]  # fmt: skip
    # the recorded first page (3 of 677) hands out start=4; nothing more was recorded (ERR_001)
    starts = sorted(q["start"] for q in queries(server))
    assert starts == ["1", "1", "4"] and summary["chains_done"] == 2


# --- CiNii Research --------------------------------------------------------------------------------


def cinii(kind: str, ids: list[int], start: int, total: int) -> str:
    items = [{"@id": f"https://cir.nii.ac.jp/crid/13900000000000{i:05d}", "title": f"量子コンピュータの研究 {i}",
              "dc:type": "Article", "prism:publicationDate": "2024-02-01",
              **({"ndl:degreeName": "博士(工学)", "dc:publisher": "京都大学"} if kind == "dissertations" else {})}
             for i in ids]  # fmt: skip
    return json.dumps({"@id": f"https://cir.nii.ac.jp/opensearch/{kind}", "opensearch:totalResults": total,
                       "opensearch:startIndex": start, "items": items}, ensure_ascii=False)  # fmt: skip


def test_cinii_asks_articles_and_dissertations_with_the_appid(tmp_path: Path) -> None:
    appid = "PLANTED-APPID-0005"
    routes = [
        {"path": "/opensearch/articles", "match": {"start": "1"}, "text": cinii("articles", [1, 2], 1, 3), "headers": JSON},
        {"path": "/opensearch/articles", "match": {"start": "3"}, "text": cinii("articles", [3], 3, 3), "headers": JSON},
        {"path": "/opensearch/dissertations", "text": cinii("dissertations", [4], 1, 1), "headers": JSON},
    ]  # fmt: skip
    summary, rows, server = crawl(tmp_path, "papers_cinii", routes, credentials={"appid": appid})
    assert summary["finished"] is True and summary["errors"] == []
    assert (summary["records"], summary["chains_done"]) == (4, 2)
    thesis = next(r for r in rows if r["extra"]["type"] == "dissertation")
    assert thesis["countries"] == [{"country": "JP", "weight": 1.0}]
    assert thesis["organizations"] == ["京都大学"]
    asked = queries(server)
    paths = sorted(urlsplit(r[1]).path for r in server.requests)
    assert paths == ["/opensearch/articles", "/opensearch/articles", "/opensearch/dissertations"]
    first = next(q for q in asked if q["start"] == "1")
    assert first["q"] == "量子コンピュータ OR 量子センシング"  # each sub-technology once, OR-ed
    assert (first["format"], first["count"], first["sortorder"]) == ("json", "2", "0")
    assert (first["from"], first["until"]) == ("202301", "202406")
    assert all(q["appid"] == appid for q in asked)  # sent to the server …
    for path in tmp_path.rglob("*"):  # … and in no file the crawl wrote
        if path.is_file() and "config" not in path.parts:
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            assert appid.encode() not in data, path


def test_cinii_without_an_appid_asks_nothing_and_says_which_variable(tmp_path: Path) -> None:
    required = ("    credentials_env: {appid: CINII_APPID}\n    credentials_required: [appid]\n"
                "    credentials_url: https://support.nii.ac.jp/ja/cinii/api/developer\n")  # fmt: skip
    summary, rows, server = crawl(tmp_path, "papers_cinii", [], base="https://cir.example.invalid",
                                  config_extra=required)  # fmt: skip
    assert server.requests == [] and rows == []
    assert summary["finished"] is False
    assert summary["errors"] == ["papers_cinii needs CINII_APPID set in the environment; get one at "
                                 "https://support.nii.ac.jp/ja/cinii/api/developer"]  # fmt: skip


@pytest.mark.shared
def test_cinii_recorded_legacy_answers(shared_data: Path, tmp_path: Path) -> None:
    rec, _, rows, server = crawl_recorded(
        shared_data, tmp_path, "papers_cinii", "cinii_books_opensearch.json"
    )
    assert len(rec.synthetic) == 2  # legacy answers served at CiNii Research's paths, said so
    kinds = [r["extra"]["type"] for r in rows]
    assert (kinds.count("article"), kinds.count("dissertation")) == (20, 20)
    assert all(
        r["countries"] == [{"country": "JP", "weight": 1.0}]
        for r in rows
        if r["extra"]["type"] == "dissertation"
    )
    # each recorded page (20 of 3,422 / 46) hands out start=21, answered by the empty page
    assert sorted(q["start"] for q in queries(server)) == ["1", "1", "21", "21"]
