"""EPO OPS sessions: an access token refused as expired is renewed once and the request sent again;
X-Throttling-Control slows the source (a service's requests per minute) or stops it (`black`)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from crawlers.spiders.patents_epo_ops import is_token_fault, ops_service, parse_throttling
from tests.crawlers.test_windows import ops_page, ops_route, write_config

SEARCH = "/rest-services/published-data/search/biblio"
#: The fault python-epo-ops-client recognises: status 400, message `invalid_access_token`.
EXPIRED = ('<?xml version="1.0" encoding="UTF-8"?><fault xmlns="http://ops.epo.org">'
           "<code>CLIENT.InvalidAccessToken</code><message>invalid_access_token</message></fault>")  # fmt: skip
KEY, SECRET = "PLANTED-KEY-0101", "PLANTED-SECRET-0202"
OLD, NEW = "PLANTED-TOKEN-OLD-0303", "PLANTED-TOKEN-NEW-0404"


def token_route(token: str) -> dict[str, Any]:
    """One answer of the token endpoint."""
    body = {"access_token": token, "token_type": "Bearer", "expires_in": "1199"}
    return {"path": "/auth/accesstoken", "method": "POST", "text": json.dumps(body), "times": 1}


def crawl(tmp: Path, routes: list[dict[str, Any]], **kwargs: Any) -> tuple[dict, ReplayServer]:
    """Crawl EPO OPS over 2024-01-01..2024-01-04 against the routes."""
    with ReplayServer(routes) as server:
        summary = crawl_source("patents_epo_ops", home=tmp / "home", out_dir=tmp / "out",
                               base_url=server.url, config_dir=write_config(tmp, "patents_epo_ops"),
                               since=dt.date(2024, 1, 1), until=dt.date(2024, 1, 4), timeout=120,
                               **kwargs)  # fmt: skip
    return summary, server


def test_an_expired_token_is_renewed_and_the_search_sent_again(tmp_path: Path) -> None:
    routes = [
        token_route(OLD), token_route(NEW),
        ops_route("20240101 20240104", EXPIRED, status=400, times=1),
        ops_route("20240101 20240104", ops_page(2, 1, [1, 2])),
    ]  # fmt: skip
    summary, server = crawl(tmp_path, routes, credentials={"key": KEY, "secret": SECRET})
    assert [(r[0], r[1].split("?")[0], r[2]) for r in server.requests] == [
        ("POST", "/auth/accesstoken", 200), ("GET", SEARCH, 400),
        ("POST", "/auth/accesstoken", 200), ("GET", SEARCH, 200)]  # fmt: skip
    auth = [headers.get("Authorization") for headers, _ in server.received]
    assert auth[1] == f"Bearer {OLD}" and auth[3] == f"Bearer {NEW}"
    assert summary["finished"] is True and summary["records"] == 2, summary["errors"]
    for path in tmp_path.rglob("*"):  # neither token reaches a file the crawl wrote
        if path.is_file():
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            assert OLD.encode() not in data and NEW.encode() not in data, path


def test_a_token_refused_again_fails_its_query_without_looping(tmp_path: Path) -> None:
    routes = [
        token_route(OLD),
        token_route(NEW),
        ops_route("20240101 20240104", EXPIRED, status=400),
    ]
    summary, server = crawl(tmp_path, routes, credentials={"key": KEY, "secret": SECRET})
    assert [r[2] for r in server.requests] == [200, 400, 200, 400]
    assert summary["finished"] is False and summary["chains_failed"] == ["quantum"]
    assert "HTTP 400" in summary["errors"][-1]


def test_throttling_control_spaces_the_source_and_black_stops_it(tmp_path: Path) -> None:
    """search=yellow:60 allows a request a second; search=black:0 stops for Retry-After ms."""
    yellow = {"X-Throttling-Control": "busy (images=green:100, inpadoc=green:45, other=green:1000, "
                                      "retrieval=green:100, search=yellow:60)"}  # fmt: skip
    black = {
        "X-Throttling-Control": "overloaded (retrieval=green:50, search=black:0)",
        "Retry-After": "1500",
    }
    routes = [
        ops_route("20240101 20240104", ops_page(250, 1, list(range(1, 101))), headers=yellow),
        ops_route("20240101 20240104", ops_page(250, 101, list(range(101, 201))), rng="101-200", headers=black),
        ops_route("20240101 20240104", ops_page(250, 201, list(range(201, 251))), rng="201-250"),
    ]  # fmt: skip
    summary, server = crawl(tmp_path, routes)
    assert summary["finished"] is True and summary["records"] == 250, summary["errors"]
    first, second, third = (r[3] for r in server.requests)
    assert second - first >= 0.95  # a second between searches while search is yellow:60
    assert third - second >= 1.45  # black: nothing for 1,500 ms


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("busy (images=green:100, inpadoc=green:45, other=green:1000, retrieval=green:100, search=green:15)",
         {"images": ("green", 100), "inpadoc": ("green", 45), "other": ("green", 1000),
          "retrieval": ("green", 100), "search": ("green", 15)}),
        ("idle (images=green:200, inpadoc=yellow:50, search=green:200, other=red:5, retrieval=black:0)",
         {"images": ("green", 200), "inpadoc": ("yellow", 50), "search": ("green", 200),
          "other": ("red", 5), "retrieval": ("black", 0)}),
    ],
)  # fmt: skip
def test_throttling_header_is_read_per_service(header: str, expected: dict) -> None:
    assert parse_throttling(header) == expected


def test_urls_count_against_their_ops_service() -> None:
    base = "https://ops.epo.org/3.2/rest-services/"
    assert ops_service(base + "published-data/search/biblio?q=x") == "search"
    assert (
        ops_service(base + "published-data/publication/docdb/EP.1000000.A1/biblio") == "retrieval"
    )
    assert ops_service(base + "family/publication/docdb/EP.1000000.A1") == "inpadoc"
    assert ops_service("https://ops.epo.org/3.2/auth/accesstoken") == "other"


def test_token_faults_are_told_from_other_refusals() -> None:
    assert is_token_fault(400, EXPIRED.encode())
    assert is_token_fault(
        400, b"<error><description>Access token has expired</description></error>"
    )
    assert not is_token_fault(400, b"<fault><code>CLIENT.InvalidQuery</code></fault>")
    assert not is_token_fault(403, EXPIRED.encode())
