"""What the raw store keeps: every response of the source, never robots.txt (a crawl rule, not a
record), which a live crawl still fetches and obeys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from horizon.store import RawStore
from tests.crawlers.test_spiders import openalex_page, openalex_work, write_config

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def test_robots_txt_is_obeyed_but_not_stored_as_a_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HORIZON_CONTACT", "mailto:ops@horizon-scan.org")
    config = write_config(tmp_path, "papers_openalex")
    routes = [
        {"path": "/robots.txt", "text": ROBOTS.decode(), "headers": {"Content-Type": "text/plain"}},
        {"path": "/works", "text": openalex_page([openalex_work(1, ["JP"])], None)},
    ]
    out = tmp_path / "out"
    with ReplayServer(routes) as server:  # live settings: robots.txt is asked for and obeyed
        summary = crawl_source("papers_openalex", home=tmp_path / "home", out_dir=out,
                               base_url=server.url, config_dir=config, timeout=120, live=True,
                               allow_origins=(server.url,))  # fmt: skip
    assert [r[1].split("?")[0] for r in server.requests] == ["/robots.txt", "/works"]
    assert summary["finished"] is True and summary["responses"] == 1
    rows = [json.loads(line) for line in (out / "responses.jsonl").read_text().splitlines()]
    assert [r["url"].split("?")[0].rsplit("/", 1)[-1] for r in rows] == ["works"]
    with pytest.raises(OSError):  # the robots body is nowhere in the raw store
        RawStore(tmp_path / "home" / "raw").get(hashlib.sha256(ROBOTS).hexdigest())
    assert RawStore(tmp_path / "home" / "raw").get(rows[0]["raw_sha256"])  # the works page is


def test_a_crawl_process_imports_neither_pandas_nor_duckdb() -> None:
    """Every spider is a process of its own: the warehouse's libraries would cost each one its
    import time, and a crawl writes only raw bodies and JSON lines."""
    import subprocess
    import sys

    code = (
        "import sys, crawlers.middlewares, crawlers.pipelines, crawlers.settings, crawlers.run\n"
        "import crawlers.spiders.papers_openalex, crawlers.spiders.patents_uspto_bulk\n"
        "print(sorted(m for m in ('pandas', 'duckdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
