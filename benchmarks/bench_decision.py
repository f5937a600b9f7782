"""What the protect/nurture Monte Carlo adds to a scan: the decision's counts and draws, timed.

On a finished scan's corpus (`--home DIR`, e.g. after `horizon scan --demo --home DIR`) or on the
generated corpus of bench_scoring (`--rows N`). Prints the time of score_domains and of the part
the decision adds (record counts + bootstrap × weights × normalisation × thresholds).

Run: python benchmarks/bench_decision.py --home DIR  |  --rows 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _from_store(home: Path) -> tuple:
    """records, assignments, entities of the latest completed scan, and its as-of date."""
    import pandas as pd

    from flows.stages import SCORED_ENTITIES
    from horizon.store import Store

    store = Store(home / "warehouse.duckdb", read_only=True)
    scan_id = store.latest_scan()
    records = store.corpus("records", scan_id)
    as_of = pd.to_datetime(records["published_date"], errors="coerce").max().date()
    return (
        records,
        store.corpus("assignments", scan_id),
        store.corpus("entities", scan_id, *SCORED_ENTITIES),
        as_of,
    )


def main(argv: list[str] | None = None) -> int:
    """Load or generate a corpus, score it, time the decision's share."""
    from horizon.config import load_taxonomy, load_weights
    from scoring import score_domains
    from scoring.axes import axis_scores, indicator_matrix
    from scoring.counting import window_table
    from scoring.decision import class_probabilities, strength_counts
    from scoring.inputs import prepare

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    cfg = load_weights(REPO / "data/config/weights.yaml")
    if args.home:
        records, assignments, entities, as_of = _from_store(args.home)
    else:
        from benchmarks.bench_scoring import generate

        subtechs = {d.slug: [s.slug for s in d.subtechs] for d in taxonomy.domains}
        records, assignments, entities = generate(args.rows, taxonomy.slugs, subtechs, args.seed)
        as_of = date(2026, 9, 30)
    t0 = time.perf_counter()
    tables = score_domains(records, assignments, entities, taxonomy, cfg, as_of=as_of)
    t1 = time.perf_counter()
    prep = prepare(records, assignments[assignments["domain"].isin(taxonomy.slugs)], as_of=as_of)
    table = window_table(as_of, cfg.windows)
    raw, _ = indicator_matrix(tables.indicators, taxonomy.slugs, str(table["window"].iloc[0]), cfg)
    axes = axis_scores(raw, cfg)
    t2 = time.perf_counter()
    counts = strength_counts(prep.units, prep.credit, table, taxonomy.slugs, cfg)
    t3 = time.perf_counter()
    class_probabilities(counts, raw, axes, cfg)
    t4 = time.perf_counter()
    print(f"records              {len(records):>12,}")
    print(f"score_domains        {t1 - t0:>11.2f}s  (decision included)")
    print(f"decision: counts     {t3 - t2:>11.3f}s  ({counts.matrix.shape[0]:,} records in window)")
    print(f"decision: draws      {t4 - t3:>11.3f}s  ({cfg.decision.draws} draws)")
    print(f"decision adds        {t4 - t2:>11.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
