"""Emerging terms on real data: the shared arXiv corpus and recorded policy feeds, top N listed.

Each arXiv file is its own source (they cover different months, so a pooled baseline would make
the file boundaries burst), and its records carry their categories, primary first, in `codes`
(the burst baseline's stream is the primary category); the Federal Register search and the White House briefing feeds go
through their parsers. Prints rank, term, score inputs and the judgement recorded for the term
in benchmarks/emerging_judgements.tsv (term → tech | boilerplate | other, judged by hand: tech =
a technique, device, material or system not in the taxonomy; other = a metric, phenomenon,
fragment or whole field), and the counts.

Run: .venv/bin/python benchmarks/bench_emerging.py [--top 30] [--as-of 2026-07-01]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_generalisation import shared_data  # noqa: E402
from crawlers.parsers import policy_federal_register, policy_feed  # noqa: E402
from crawlers.parsers.base import ParseContext  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import extract_entities  # noqa: E402
from nlp.emerging import find_emerging_terms  # noqa: E402

JUDGEMENTS = REPO / "benchmarks" / "emerging_judgements.tsv"


def _categories(item: dict) -> list[str]:
    """The record's arXiv categories, primary first (as the arXiv parsers write `codes.arxiv`)."""
    cats = [item.get("primary_category"), *(item.get("categories") or [])]
    return list(dict.fromkeys(c for c in cats if c))


def arxiv_records() -> pd.DataFrame:
    """One row per corpus record; source = the file it came from, codes = its categories."""
    rows = []
    for path in sorted(shared_data("corpus/arxiv_labeled").glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                rows.append(
                    {
                        "record_id": f"arxiv:{item['arxiv_id']}",
                        "title": item.get("title") or "",
                        "text": item.get("abstract") or "",
                        "published_date": pd.to_datetime(item.get("listing_date"), errors="coerce"),
                        "source": f"arxiv_{path.stem}",
                        "codes": json.dumps({"arxiv": _categories(item)}),
                        "kind": "paper",
                        "sharing": "CLEAR",
                    }
                )
    return pd.DataFrame(rows)


def policy_records() -> pd.DataFrame:
    """Federal Register documents and White House briefings, parsed as a crawl parses them."""
    root = shared_data("fixtures/policy")
    bodies = [
        (policy_federal_register, p, {})
        for p in sorted((root / "us_federal_register").glob("*.json"))
    ]
    bodies += [(policy_feed, p, {"options": {"country": "US", "language": "en"}})
               for p in sorted((root / "us_whitehouse_briefings_rss_scraped").glob("*.xml"))]  # fmt: skip
    rows = {}
    for module, path, kwargs in bodies:
        body = path.read_bytes()
        source = module.__name__.rsplit(".", 1)[1]
        result = module.parse(body, ParseContext.for_body(source, body, **kwargs))
        for rec in result.records:
            row = rec.to_row()
            rows[row["record_id"]] = row
    frame = pd.DataFrame(list(rows.values()))
    return frame[["record_id", "title", "text", "published_date", "source", "kind", "sharing"]]


def load_judgements() -> dict[str, str]:
    """term → judgement, from the committed TSV (empty when absent)."""
    if not JUDGEMENTS.exists():
        return {}
    with JUDGEMENTS.open(encoding="utf-8") as handle:
        return {r["term"]: r["judgement"] for r in csv.DictReader(handle, delimiter="\t")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--as-of", default=None, help="ISO date; default the newest record")
    parser.add_argument("--no-hints", action="store_true", help="skip domain hints (faster)")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    records = pd.concat([arxiv_records(), policy_records()], ignore_index=True)
    records["published_date"] = pd.to_datetime(records["published_date"], errors="coerce", utc=True)
    records["published_date"] = records["published_date"].dt.tz_localize(None).dt.date
    as_of = (
        dt.date.fromisoformat(args.as_of) if args.as_of else max(records["published_date"].dropna())
    )
    entities = (
        pd.DataFrame(columns=["record_id", "label", "domain"])
        if args.no_hints
        else extract_entities(records.assign(language="en"), taxonomy)
    )
    terms = find_emerging_terms(records, entities, taxonomy, as_of=as_of, limit=args.top)
    judged = load_judgements()
    print(f"records {len(records)}, as of {as_of}, sources {records['source'].nunique()}")
    counts: dict[str, int] = {}
    for rank, row in enumerate(terms.itertuples(index=False), start=1):
        verdict = judged.get(row.term, "unjudged")
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{rank:2d}\t{row.term}\t{verdict}\tdocs={row.count}\tburst={row.burst_weight:.1f}"
              f"\tgrowth={row.growth:.1f}\tfirst={row.first_seen_date}\tdomain={row.domain_hint}"
              f"\tsources={len(json.loads(row.sources))}")  # fmt: skip
    print("judgements:", json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
