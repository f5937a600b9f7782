"""What one hostile host can make a crawl hold or do, measured on the real crawl child.

Bodies: endless chunked streams, a declared 600 MB body, gzip bombs (1 MB → 1 GB) and entity
feeds, eight feeds fetched at once; each is refused with its reason while a good feed still comes
through, and the child's peak RSS stays under ~1 GB (SECURITY.md, "Bounds of a crawl"). Paging:
an OAI-PMH server whose resumption tokens never end stops with the reason, partial, and the
summary shows how far it got. Every figure is printed at the end of the run.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.parsers.policy_feed import MAX_FEED_BYTES, MAX_FEED_REFERENCES
from crawlers.run import crawl_source
from crawlers.settings import DOWNLOAD_MAXSIZE, HORIZON_INFLIGHT_BYTES
from crawlers.spiders.base import MAX_BARREN_PAGES, MAX_PAGES_PER_CHAIN
from tests.crawlers.test_spiders import RSS, oai_page
from tests.security.hosts import MEASURED, Host, Seen, gzip_bomb, zeros
from tests.security.test_crawl_network import not_found, write_config

#: Peak RSS a crawl child may reach under attack (~1 GB).
PEAK_LIMIT_MB = 1024
MB = 1 << 20
RSS_TYPE = {"Content-Type": "application/rss+xml"}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1 GB of zeros, gzipped (~1 MB)."""
    return gzip_bomb(1024 * MB)


def entity_feed(size: int) -> bytes:
    """An RSS feed of `size` bytes whose one item's description is `&amp;` references."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>qubit'
    head += b"</title><link>https://example.org/a</link><description>"
    tail = b"</description></item></channel></rss>"
    return head + b"&amp;" * ((size - len(head) - len(tail)) // 5) + tail


def crawl_feeds(tmp: Path, answers: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """policy_feed over one feed per answer, all on one loopback host (replay: eight at once)."""

    def answer(s: Seen) -> Any:
        name = s.path.rsplit("/", 1)[-1]
        got = answers.get(name)
        return got() if callable(got) else got or not_found(s)

    with Host(answer) as a:
        config = write_config(tmp, "policy_feed", feeds={n: f"https://feeds.example/feeds/{n}"
                                                         for n in answers})  # fmt: skip
        start = time.monotonic()
        summary = crawl_source("policy_feed", home=tmp / "home", out_dir=tmp / "out",
                               base_url=a.url, config_dir=config, timeout=600)  # fmt: skip
        seconds = time.monotonic() - start
    return summary, seconds


def test_big_bodies_and_gzip_bombs_are_refused_in_bounded_memory(
    tmp_path: Path, bomb: bytes
) -> None:
    gz = {**RSS_TYPE, "Content-Encoding": "gzip"}
    answers = {
        **{f"chunked-{i}": lambda: (200, RSS_TYPE, zeros(600 * MB)) for i in range(3)},
        "declared": lambda: (200, {**RSS_TYPE, "Content-Length": str(600 * MB)}, zeros(600 * MB)),
        **{f"bomb-{i}": (200, gz, bomb) for i in range(3)},
        "good": (200, RSS_TYPE, RSS.encode()),
    }
    summary, seconds = crawl_feeds(tmp_path, answers)
    MEASURED.append(("600 MB bodies, 1 GB gzip bombs (x8)", summary["peak_rss_mb"], seconds,
                     "3 streams stopped at the limit or budget, declared size cancelled, 3 bombs "
                     "refused while inflating; the good feed's record kept"))  # fmt: skip
    assert summary["peak_rss_mb"] < PEAK_LIMIT_MB, summary
    assert summary["records"] == 1 and summary["finished"] is False  # the good feed came through
    assert summary["chains_failed"] == sorted(f"feed:{n}" for n in answers if n != "good")
    errors = {n: e for n in answers for e in summary["errors"] if e.startswith(f"feed:{n}:")}
    limit = f"{DOWNLOAD_MAXSIZE // MB} MB limit"
    budget = f"{HORIZON_INFLIGHT_BYTES // MB} MB budget"
    for i in range(3):
        assert limit in errors[f"chunked-{i}"] or budget in errors[f"chunked-{i}"], errors
        assert "exceeded DOWNLOAD_MAXSIZE" in errors[f"bomb-{i}"], errors
        assert "decompress" in errors[f"bomb-{i}"]
    assert "larger than download max size" in errors["declared"], errors
    assert seconds < 120


def test_entity_feeds_are_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """The attacker's 200 MB feed of `&amp;` is stopped at the download limit; one under it is
    refused by the feed parser before feedparser reads it, and so is a small feed with more
    references than the limit; a feed just under both limits is parsed."""
    refs = MAX_FEED_REFERENCES + 1
    answers = {
        "entities-200mb": lambda: (200, RSS_TYPE, iter([entity_feed(200 * MB)])),
        "entities-60mb": (200, RSS_TYPE, entity_feed(60 * MB)),
        "references": (200, RSS_TYPE, entity_feed(refs * 5 + 200)),
        "just-under": (200, RSS_TYPE, entity_feed((MAX_FEED_REFERENCES - 10) * 5 + 200)),
    }
    summary, seconds = crawl_feeds(tmp_path, answers)
    MEASURED.append((f"entity feeds (200 MB, 60 MB, {refs:,} refs)", summary["peak_rss_mb"],
                     seconds, "200 MB stopped at the download limit, 60 MB over the feed limit, "
                     "too many references refused; just under the limits parsed"))  # fmt: skip
    errors = {n: e for n in answers for e in summary["errors"] if e.startswith(f"feed:{n}:")}
    assert f"{DOWNLOAD_MAXSIZE // MB} MB limit" in errors["entities-200mb"], errors
    assert f"exceeds the {MAX_FEED_BYTES}-byte feed limit" in errors["entities-60mb"], errors
    assert f"references (limit {MAX_FEED_REFERENCES})" in errors["references"], errors
    assert "just-under" not in errors and summary["records"] == 1
    assert summary["peak_rss_mb"] < PEAK_LIMIT_MB and seconds < 60, (summary, seconds)


# -- paging ------------------------------------------------------------------------------------
def oai_host(page: Any) -> Host:
    """An OAI-PMH host answering ListRecords with `page(n)` for its n-th request (1-based)."""
    count = [0]

    def answer(s: Seen) -> Any:
        query = parse_qs(urlsplit(s.path).query)
        if query.get("verb") != ["ListRecords"]:
            return not_found(s)
        count[0] += 1
        return 200, {"Content-Type": "text/xml"}, page(count[0]).encode()

    return Host(answer)


def crawl_oai(tmp: Path, page: Any, case: str) -> tuple[dict[str, Any], Host]:
    """The arXiv OAI-PMH harvest of one set against `page`."""
    with oai_host(page) as a:
        config = write_config(tmp, "papers_arxiv_oai", max_records=100_000)
        start = time.monotonic()
        summary = crawl_source("papers_arxiv_oai", home=tmp / "home", out_dir=tmp / "out",
                               base_url=f"{a.url}/oai2", config_dir=config, timeout=600)  # fmt: skip
        seconds = time.monotonic() - start
    why = summary["errors"][0].split(": ", 1)[-1] if summary["errors"] else "finished"
    MEASURED.append((case, summary["peak_rss_mb"], seconds, f"{len(a.seen)} requests: {why}"))
    return summary, a


def assert_stopped(summary: dict[str, Any], why: str) -> None:
    """The harvest ended partial, its chain failed with the reason, its progress recorded."""
    assert summary["finished"] is False and summary["reason"] == "paging_stopped", summary
    assert summary["chains_failed"] == ["physics:quant-ph"]
    assert len(summary["errors"]) == 1 and why in summary["errors"][0], summary["errors"]
    assert summary["last_page"]["physics:quant-ph"]  # where a resume would go on from


def test_a_resumption_token_that_never_changes_stops_the_harvest(tmp_path: Path) -> None:
    summary, host = crawl_oai(tmp_path, lambda n: oai_page([1, 2], "same-token"), "OAI: same token")
    assert_stopped(summary, "paging loop: page 2 points back to a page already fetched")
    assert len(host.seen) == 2 and summary["pages"] == 2 and summary["records"] == 2


def test_fresh_tokens_over_the_same_records_stop_the_harvest(tmp_path: Path) -> None:
    summary, host = crawl_oai(tmp_path, lambda n: oai_page([1, 2], f"t{n}"), "OAI: same page")
    assert_stopped(summary, "paging loop: page 2 repeats the records of an earlier page")
    assert len(host.seen) == 2


def test_pages_that_bring_nothing_new_stop_the_harvest(tmp_path: Path) -> None:
    """Every page a different subset of eight records, never the same page twice: all eight are
    known after seven pages, so the harvest stops MAX_BARREN_PAGES pages later."""
    pool = [c for k in (2, 3, 4) for c in itertools.combinations(range(1, 9), k)]
    summary, host = crawl_oai(tmp_path, lambda n: oai_page(list(pool[n - 1]), f"t{n}"),
                              "OAI: endless, nothing new")  # fmt: skip
    assert_stopped(summary, f"{MAX_BARREN_PAGES} pages in a row brought no new record")
    assert len(host.seen) == 7 + MAX_BARREN_PAGES and summary["records"] == 8


@pytest.mark.slow
def test_an_endless_harvest_of_new_records_stops_at_the_page_limit(tmp_path: Path) -> None:
    summary, host = crawl_oai(tmp_path, lambda n: oai_page([n], f"t{n}"), "OAI: endless, new")
    assert_stopped(summary, f"paging stopped at the {MAX_PAGES_PER_CHAIN}-page limit")
    assert len(host.seen) == MAX_PAGES_PER_CHAIN and summary["records"] == MAX_PAGES_PER_CHAIN
    log = (tmp_path / "out" / "crawl.log").read_text(encoding="utf-8")
    assert "physics:quant-ph: 500 pages, 500 records so far" in log  # progress while it runs
