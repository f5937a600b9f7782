"""Domain assignment alone: CPU seconds per 1,000 records, by kind, on a generated corpus.

Run: python benchmarks/bench_assign.py [--size 20k] [--home DIR] [--repeat 3] [--json FILE]

Entities are extracted once (not timed); `assign_domains` is then timed on the same records and
entities `--repeat` times, best of them (CPU clock: the machine is shared). The classifier is the
workspace's (`--home`), trained on the shared arXiv corpus when there is none.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_generalisation import default_gold  # noqa: E402
from benchmarks.corpus import parse_size, write_corpus  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import assign_domains, extract_entities, load_or_train  # noqa: E402


def measure(records: pd.DataFrame, entities: pd.DataFrame, taxonomy, clf, repeat: int) -> dict:
    """Best CPU seconds of assign_domains over all records and per kind, with rows assigned."""
    out: dict[str, dict] = {}
    groups = {"all": records, **{k: g for k, g in records.groupby("kind")}}
    for name, part in groups.items():
        ents = entities[entities["record_id"].isin(set(part["record_id"]))]
        best, rows = float("inf"), 0
        for _ in range(repeat):
            start = time.process_time()
            rows = len(assign_domains(part, ents, taxonomy, clf))
            best = min(best, time.process_time() - start)
        out[name] = {"records": len(part), "cpu_s": round(best, 3),
                     "cpu_ms_per_1k": round(1000 * best / max(len(part), 1) * 1000, 1),
                     "rows": rows}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="20k")
    parser.add_argument("--home", type=Path, default=None, help="workspace with a classifier")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        clf = load_or_train(home / "models", taxonomy, gold_dir=default_gold())
        corpus = write_corpus(Path(tmp) / "corpus.parquet", taxonomy, parse_size(args.size))
        records = pd.read_parquet(corpus)
        entities = extract_entities(records, taxonomy)
        result = measure(records, entities, taxonomy, clf, args.repeat)
    for name, r in result.items():
        print(f"{name:8s} {r['records']:8d} records  {r['cpu_s']:8.3f} CPU s  "
              f"{r['cpu_ms_per_1k']:8.1f} CPU ms per 1,000  {r['rows']:8d} assignments")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
