"""Parse throughput per source on the largest recorded response that parses (shared fixtures).

Run: python benchmarks/bench_parse.py [--fixtures ../shared/data/fixtures] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlers.parsers.base import ParseContext, ParseError  # noqa: E402
from crawlers.parsers.registry import get_parser  # noqa: E402

FIXTURES = REPO.parent / "shared/data/fixtures"
_FEEDS = (
    "policy/us_whitehouse_briefings_rss_scraped/*.xml",
    "policy/jp_gov_online_info_rss/rss_snapshots/*.xml",
    "policy/jp_soumu_news_rdf/*.rdf",
)
#: Where each source's recorded responses are (globs under the fixtures folder), and options.
CANDIDATES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "papers_openalex": (("openalex/api_list_pages/*.json",), {}),
    "papers_arxiv": (("arxiv_api/json_recorded/*.json", "arxiv_api/raw_atom_2016/*.xml"), {}),
    "papers_arxiv_oai": (("arxiv_oai_pmh/*.xml",), {}),
    "papers_crossref": (("crossref/decoded/*[0-9].json",), {}),
    "papers_jstage": (("jp_research_metadata/jstage_webapi/*.xml",), {}),
    "patents_epo_ops": (("patents/epo_ops/*/*.xml",), {}),
    "patents_uspto_bulk": (("patents/uspto_bulk_xml/*",), {}),
    "patents_uspto_ppubs": (("patents/uspto_ppubs/*[a-z0-9].json",), {}),
    "policy_federal_register": (("policy/us_federal_register/*.json",), {}),
    "policy_govuk": (("policy/uk_govuk_content_api/*.json",), {}),
    "policy_feed": (_FEEDS, {"country": "US"}),
}


def unwrap(body: bytes) -> bytes:
    """The response body of a recorded `{"url", "status_code", "body"}` wrapper, else the bytes."""
    if body[:1] != b"{" or b'"status_code"' not in body[:4000]:
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    inner = doc.get("body") if isinstance(doc, dict) else None
    return inner.encode("utf-8") if isinstance(inner, str) else body


def _parse(source: str, body: bytes, options: dict[str, Any]) -> int:
    ctx = ParseContext.for_body(source, body, options=options)
    return len(get_parser(source)(body, ctx).records)


def largest_parsed(
    source: str, fixtures: Path, globs: tuple[str, ...], options: dict[str, Any]
) -> tuple[Path, bytes, int] | None:
    """The largest recorded body of a source that yields at least one record."""
    paths = {p for g in globs for p in fixtures.glob(g) if p.is_file()}
    for path in sorted(paths, key=lambda p: -p.stat().st_size):
        body = unwrap(path.read_bytes())
        try:
            n = _parse(source, body, options)
        except (ParseError, ValueError):
            continue
        if n:
            return path, body, n
    return None


def measure_parsers(
    fixtures: Path = FIXTURES,
    *,
    repeat: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> list[dict[str, Any]]:
    """One row per source: file, bytes, records, best seconds, MB/s and records/s (or a note)."""
    rows = []
    for source, (globs, options) in CANDIDATES.items():
        if not fixtures.is_dir():
            rows.append({"source": source, "note": f"skipped: no fixtures at {fixtures}"})
            continue
        found = largest_parsed(source, fixtures, globs, options)
        if found is None:
            rows.append({"source": source, "note": "skipped: no recorded response parses"})
            continue
        path, body, n = found
        times = []
        for _ in range(repeat):
            start = clock()
            _parse(source, body, options)
            times.append(clock() - start)
        best = max(min(times), 1e-9)
        rows.append({
            "source": source, "file": str(path.relative_to(fixtures)), "bytes": len(body),
            "records": n, "seconds": best, "mb_per_s": len(body) / best / 1e6,
            "records_per_s": n / best,
        })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the parse table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    for row in measure_parsers(args.fixtures, repeat=args.repeat):
        if "note" in row:
            print(f"{row['source']:26s} {row['note']}")
        else:
            print(f"{row['source']:26s} {row['bytes'] / 1e6:7.2f} MB {row['records']:6d} rec "
                  f"{row['mb_per_s']:7.2f} MB/s {row['records_per_s']:9.0f} rec/s  {row['file']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
