"""`horizon reparse` keeps the label of the feed that fetched each stored body: a feed is known by
its whole URL (query included, credentials redacted), never by its path alone."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crawlers.parsers.common import redact_url
from flows.cli import app
from horizon.store import RawStore

OPEN = "https://news.example.org/briefings.rss"
PARTNER = "https://news.example.org/briefings.rss?token=s3cr3t"  # same path, RED
SOURCES = f"""
user_agent: horizon-scan-test
contact: test@example.org
sources:
  policy_feed:
    base_url: https://news.example.org
    sharing: CLEAR
    feeds:
      - name: Open briefings
        url: {OPEN}
        country: US
      - name: Partner briefings
        url: {PARTNER}
        country: US
        sharing: RED
"""


def rss(slug: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>B</title>'
        f"<link>https://news.example.org/</link><item><title>Quantum note {slug}</title>"
        f"<link>https://news.example.org/notes/{slug}</link><description>Quantum text</description>"
        "<pubDate>Tue, 02 Jan 2024 15:00:00 -0500</pubDate></item></channel></rss>"
    ).encode()


def reparse(home: Path, config: Path, rows: list[dict], out: Path, tail: str = ""):
    """Write one crawl's responses (`tail`: raw lines after them) and run `horizon reparse`."""
    crawl = home / "crawls" / "policy_feed-20261101T090000Z"
    crawl.mkdir(parents=True)
    (crawl / "responses.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + tail)
    return CliRunner().invoke(
        app, ["reparse", "--source", "policy_feed", "--home", str(home), "--out", str(out),
              "--config-dir", str(config)],
    )  # fmt: skip


def test_reparse_keeps_each_bodys_feed_label(tmp_path: Path):
    home, config = tmp_path / "ws", tmp_path / "config"
    config.mkdir()
    (config / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    raw = RawStore(home / "raw")
    fetched = {  # as the crawl stores them: the response URL redacted
        "partner": redact_url(PARTNER),
        "open": OPEN,
        "replayed": redact_url("http://127.0.0.1:8765/briefings.rss?token=s3cr3t"),
        "unknown": "https://news.example.org/briefings.rss?page=2",  # no feed has this query
    }
    rows = []
    for slug, url in fetched.items():
        sha, path = raw.put(rss(slug))
        rows.append({"source": "policy_feed", "url": url, "raw_sha256": sha, "path": str(path),
                     "status": 200, "content_type": "application/rss+xml",
                     "fetched_at": "2026-11-01T09:00:00"})  # fmt: skip
    out = tmp_path / "records.jsonl"
    result = reparse(home, config, rows, out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    labels = {r["url"].rsplit("/", 1)[-1]: r["sharing"] for r in records}
    # the partner body came from the RED feed, though the open feed has the same path;
    # a body whose feed is not known takes the most restrictive label that may apply
    assert labels == {"partner": "RED", "open": "CLEAR", "replayed": "RED", "unknown": "RED"}


def test_reparse_reports_an_unreadable_store_and_skips_robots_answers(tmp_path: Path):
    """A store that cannot be read is an error (exit 1, one line naming it), not silence: the
    bodies the crawl outputs list are still re-parsed; a robots.txt answer an older crawl stored
    is not a body of the source and is not parsed."""
    home, config = tmp_path / "ws", tmp_path / "config"
    config.mkdir()
    (config / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    raw = RawStore(home / "raw")
    rows = []
    for url, body in (
        (OPEN, rss("open")),
        ("https://news.example.org/robots.txt", b"User-agent: *\n"),
    ):
        sha, path = raw.put(body)
        rows.append({"source": "policy_feed", "url": url, "raw_sha256": sha, "path": str(path),
                     "status": 200, "content_type": "text/plain", "fetched_at": "2026-11-01T09:00:00"})  # fmt: skip
    (home / "warehouse.duckdb").write_bytes(b"not a duckdb file")
    out = tmp_path / "records.jsonl"
    result = reparse(home, config, rows, out, tail="{broken\n")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "1 unreadable lines in" in errors[0]
    assert "the store" in errors[1] and "could not be read" in errors[1]
    assert "from 1 stored bodies" in result.stderr  # the feed's body, not robots.txt
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["url"].rsplit("/", 1)[-1] for r in records] == ["open"]
