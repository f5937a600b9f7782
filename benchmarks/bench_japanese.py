"""Japanese extraction on the livedoor news corpus: language detected, and the share of articles per
category that get a technology entity (technology categories should, sports and general news
mostly should not).

Run: python benchmarks/bench_japanese.py [--corpus DIR] [--json FILE]
(DIR defaults to $HORIZON_SHARED/data/japanese/livedoor_news_corpus, else ../shared/data/… beside
the repo; each category folder holds `<category>-<n>.txt` files: URL, date, title, body.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_generalisation import shared_data  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import detect_language, extract_entities  # noqa: E402


def articles(corpus: Path) -> pd.DataFrame:
    """One row per article: category, title and body as a paper record."""
    rows = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for path in sorted(folder.glob(f"{folder.name}-*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()
            rows.append({"record_id": f"demo:{path.stem}", "kind": "paper", "title": lines[2],
                         "text": "\n".join(lines[3:]), "sharing": "CLEAR",
                         "category": folder.name})  # fmt: skip
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Print the detected-language share and the per-category technology-entity rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=shared_data("japanese/livedoor_news_corpus"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"error: {args.corpus}: no such folder (set HORIZON_SHARED or pass --corpus)",
              file=sys.stderr)  # fmt: skip
        return 2
    records = articles(args.corpus)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    start = time.process_time()
    entities = extract_entities(records, taxonomy)
    seconds = time.process_time() - start
    texts = zip(records["title"], records["text"], strict=True)
    japanese = [detect_language(f"{t}\n{x}") == "ja" for t, x in texts]
    hit = records["record_id"].isin(set(entities.loc[entities.label == "TECH", "record_id"]))
    rates = records.assign(hit=hit).groupby("category")["hit"].agg(["size", "mean"])
    print(f"{len(records):,} articles, detected as Japanese: {sum(japanese) / len(records):.1%}; "
          f"extraction {seconds:.1f} CPU s")  # fmt: skip
    print(f"{'category':16s} {'articles':>8s} {'with a technology entity':>25s}")
    for category, row in rates.iterrows():
        print(f"{category:16s} {int(row['size']):8d} {row['mean']:25.1%}")
    if args.json:
        out = {"articles": len(records), "japanese_share": sum(japanese) / len(records),
               "rates": {c: float(r) for c, r in rates["mean"].items()}}  # fmt: skip
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
