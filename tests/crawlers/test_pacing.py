"""A source that says "wait" is waited for by every request of the crawl, not only the one refused;
statuses a source answers rate limits with (OpenAlex's 403) are retried there only. Served on
loopback and crawled by the real crawl subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source

JSON = {"Content-Type": "application/json"}


def write_config(tmp: Path, source: str, terms: list[str]) -> Path:
    """sources.yaml with one source; one domain per term."""
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:test@example.org"\nsources:\n'
        f"  {source}:\n    base_url: https://example.invalid\n    page_size: 100\n"
        "    default_since: 2024-01-01\n",
        encoding="utf-8",
    )
    domains = "".join(
        f"- slug: d{i}\n  label_en: D{i}\n  label_ja: D{i}\n  subtechs:\n  - slug: d{i}_core\n"
        f"    label_en: D{i}\n    label_ja: D{i}\n    terms: {{en: [{term}]}}\n  codes: []\n"
        for i, term in enumerate(terms)
    )
    (config / "taxonomy.yaml").write_text(f"version: test\ndomains:\n{domains}", encoding="utf-8")
    return config


def work(n: int) -> dict[str, Any]:
    """A minimal OpenAlex work."""
    return {"id": f"https://openalex.org/W{n}", "doi": f"https://doi.org/10.1234/p.{n}",
            "title": f"Study {n}", "publication_date": "2024-02-01", "publication_year": 2024,
            "language": "en", "authorships": []}  # fmt: skip


def works_route(
    term: str, cursor: str, works: list[int], nxt: str | None, **extra: Any
) -> dict[str, Any]:
    """The /works page of the query searching `term` at `cursor`."""
    body = {"meta": {"count": 9, "next_cursor": nxt}, "results": [work(n) for n in works]}
    return {"path": "/works", "match": {"cursor": cursor}, "match_re": {"search": f".*{term}.*"},
            "headers": JSON, "text": json.dumps(body), **extra}  # fmt: skip


def crawl(
    tmp: Path, source: str, routes: list[dict[str, Any]], terms: list[str]
) -> tuple[dict, ReplayServer]:
    """Crawl the source against the routes; its summary and the server."""
    with ReplayServer(routes) as server:
        summary = crawl_source(source, home=tmp / "home", out_dir=tmp / "out", base_url=server.url,
                               config_dir=write_config(tmp, source, terms), timeout=120)  # fmt: skip
    return summary, server


def test_retry_after_pauses_every_request_of_the_source(tmp_path: Path) -> None:
    """Query A is told to wait 2 s; query B's second page, asked for meanwhile, waits too."""
    routes = [
        works_route("qubit", "*", [], None, status=429, headers={"Retry-After": "2"}, times=1),
        works_route("qubit", "*", [1], None),
        works_route("photonics", "*", [2], "b2", delay=0.5),
        works_route("photonics", "b2", [3], None),
    ]  # fmt: skip
    summary, server = crawl(tmp_path, "papers_openalex", routes, ["qubit", "photonics"])
    assert summary["finished"] is True and summary["records"] == 3, summary["errors"]
    by = {}
    for _, target, status, at in server.requests:
        query = parse_qs(urlsplit(target).query)
        by.setdefault((query["search"][0], query["cursor"][0]), []).append((status, at))
    told = by[("qubit", "*")][0]
    assert told[0] == 429 and by[("qubit", "*")][1][0] == 200
    assert by[("qubit", "*")][1][1] - told[1] >= 1.9  # the refused request waited as told …
    b2 = by[("photonics", "b2")][0][1]
    assert b2 - told[1] >= 1.9  # … and so did the other query's next page, asked for at ~0.5 s
    assert by[("photonics", "*")][0][1] - told[1] < 1.0  # (which was indeed asked for early)


def test_openalex_403_is_its_rate_limit_and_is_retried(tmp_path: Path) -> None:
    routes = [
        works_route("qubit", "*", [], None, status=403, text='{"error": "Rate limit exceeded"}', times=2),
        works_route("qubit", "*", [1, 2], None),
    ]  # fmt: skip
    summary, server = crawl(tmp_path, "papers_openalex", routes, ["qubit"])
    assert [r[2] for r in server.requests] == [403, 403, 200]
    assert summary["finished"] is True and summary["records"] == 2


def test_a_403_elsewhere_is_not_retried(tmp_path: Path) -> None:
    routes = [{"path": "/documents.json", "status": 403, "text": "forbidden"}]
    summary, server = crawl(tmp_path, "policy_federal_register", routes, ["qubit"])
    assert [r[2] for r in server.requests] == [403]
    assert summary["finished"] is False and summary["chains_failed"] == ["d0"]
    assert "HTTP 403" in summary["errors"][0]
