"""Scoring benchmark: a generated 1M-row assignment table; prints scoring time and peak RSS.

Run: python benchmarks/bench_scoring.py [--rows 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
COUNTRIES = [
    "US",
    "CN",
    "JP",
    "DE",
    "KR",
    "GB",
    "FR",
    "IN",
    "TW",
    "CA",
    "IT",
    "AU",
    "NL",
    "CH",
    "SG",
]
P_COUNTRY = np.array([22, 25, 8, 6, 6, 5, 4, 6, 3, 3, 3, 3, 2, 2, 2], dtype="float64")


def generate(rows: int, domains: list[str], subtechs: dict[str, list[str]], seed: int) -> tuple:
    """records, assignments, entities frames with about `rows` assignment rows (store formats)."""
    rng = np.random.default_rng(seed)
    n = int(rows / 1.4)
    kind = rng.choice(["paper", "patent", "policy"], size=n, p=[0.75, 0.22, 0.03])
    year = rng.integers(2005, 2027, size=n)
    day = rng.integers(1, 28, size=n)
    month = rng.integers(1, 13, size=n)
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
    cites = np.floor(rng.pareto(1.5, size=n) * 3 * (2027 - year) / 5)
    n_c = rng.choice([1, 2, 3], size=n, p=[0.7, 0.22, 0.08])
    p = P_COUNTRY / P_COUNTRY.sum()
    first = rng.choice(len(COUNTRIES), size=n, p=p)
    second = rng.choice(len(COUNTRIES), size=n, p=p)
    third = rng.choice(len(COUNTRIES), size=n, p=p)
    templates = {}

    def countries(i: int) -> str:
        cs = sorted({COUNTRIES[x] for x in (first[i], second[i], third[i])[: n_c[i]]})
        key = tuple(cs)
        if key not in templates:
            templates[key] = json.dumps([{"country": c, "weight": 1 / len(cs)} for c in cs])
        return templates[key]

    ids = np.char.add("demo:r", np.arange(n).astype(str))
    records = pd.DataFrame(
        {
            "record_id": ids,
            "kind": kind,
            "source": "bench",
            "title": "t",
            "published_date": dates.dt.date,
            "countries": [countries(i) for i in range(n)],
            "organizations": "[]",
            "cited_by_count": np.where(kind == "paper", cites, np.nan),
            "sharing": rng.choice(["CLEAR", "GREEN", "AMBER"], size=n, p=[0.9, 0.08, 0.02]),
            "ids": np.where(
                kind == "patent",
                np.char.add('["family:f', np.char.add((np.arange(n) // 2).astype(str), '"]')),
                "[]",
            ),
        }
    )
    k = rng.choice([1, 2], size=n, p=[0.6, 0.4])
    rec = np.repeat(np.arange(n), k)
    dom = rng.integers(0, len(domains), size=len(rec))
    second_row = np.r_[False, rec[1:] == rec[:-1]]
    dom[second_row] = (dom[np.flatnonzero(second_row) - 1] + 1) % len(domains)
    assignments = pd.DataFrame(
        {
            "record_id": ids[rec],
            "domain": np.array(domains)[dom],
            "confidence": 0.8,
            "share": 1.0 / k[rec],
            "reason": "code",
            "sharing": "CLEAR",
        }
    )
    m = min(n, 200_000)
    pick = rng.choice(n, size=m, replace=False)
    e_dom = rng.integers(0, len(domains), size=m)
    entities = pd.DataFrame(
        {
            "record_id": ids[pick],
            "label": "TECH",
            "text": "x",
            "term_id": None,
            "subtech": [subtechs[domains[d]][0] for d in e_dom],
            "domain": np.array(domains)[e_dom],
            "value": np.nan,
            "currency": None,
            "sharing": "CLEAR",
        }
    )
    return records, assignments, entities


def main(argv: list[str] | None = None) -> int:
    """Generate, score, print figures."""
    sys.path.insert(0, str(REPO))
    from horizon.config import load_taxonomy, load_weights
    from scoring import check_invariants, score_domains

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    weights = load_weights(REPO / "data/config/weights.yaml")
    subtechs = {d.slug: [s.slug for s in d.subtechs] for d in taxonomy.domains}
    t0 = time.perf_counter()
    records, assignments, entities = generate(args.rows, taxonomy.slugs, subtechs, args.seed)
    t1 = time.perf_counter()
    c1 = time.process_time()
    tables = score_domains(
        records, assignments, entities, taxonomy, weights, as_of=date(2026, 9, 30)
    )
    t2 = time.perf_counter()
    cpu = time.process_time() - c1
    problems = check_invariants(tables, records, assignments)
    t3 = time.perf_counter()
    from scoring.axes import indicator_matrix
    from scoring.composite import monte_carlo

    latest = tables.indicators["window"].max()
    raw, _ = indicator_matrix(tables.indicators, taxonomy.slugs, latest, weights)
    t4 = time.perf_counter()
    monte_carlo(raw, weights)
    t5 = time.perf_counter()
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"assignment rows     {len(assignments):>12,}")
    print(f"records             {len(records):>12,}")
    print(f"generate            {t1 - t0:>11.1f}s")
    print(f"score_domains       {t2 - t1:>11.1f}s  (CPU {cpu:.1f}s)")
    print(f"check_invariants    {t3 - t2:>11.1f}s  ({len(problems)} problems)")
    print(
        f"monte carlo         {t5 - t4:>11.3f}s  ({weights.uncertainty.draws} draws × {len(raw)} domains)"
    )
    print(f"peak RSS            {rss_gb:>11.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
