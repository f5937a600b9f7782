"""How domain assignment holds up on a mix of fields it did not train on.

The held-out 25% of the labelled arXiv corpus has the same mix of fields as the training split.
Here each file of the corpus (one upstream selection: cs listings, cond-mat and physics listings,
robotics, security, quant-ph 1995–2008, all archives on one day) is left out in turn: the
classifier is trained on the train split of the other files and scores every record of the left-out
one, as `horizon evaluate` scores a labelled set it has never seen.

Run: python benchmarks/bench_generalisation.py [--gold DIR] [--min-gold 10] [--json FILE]
(DIR defaults to $HORIZON_SHARED/data/corpus/arxiv_labeled, else ../shared/data/… beside the repo.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import evaluate  # noqa: E402
from nlp.training import train_classifier  # noqa: E402


def shared_data(relative: str) -> Path:
    """`relative` under $HORIZON_SHARED/data, else under ../shared/data beside the repo."""
    root = os.environ.get("HORIZON_SHARED") or str(REPO.parent / "shared")
    return Path(root) / "data" / relative


def default_gold() -> Path:
    """The shared labelled corpus."""
    return shared_data("corpus/arxiv_labeled")


def parse_gold_args(
    argv: list[str] | None, description: str, min_gold: int
) -> argparse.Namespace | None:
    """`--gold DIR --min-gold N --json FILE`; None (after a one-line error) when DIR has no JSONL."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--gold", type=Path, default=default_gold())
    parser.add_argument("--min-gold", type=int, default=min_gold)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not any(args.gold.glob("*.jsonl")):
        print(f"error: {args.gold}: no *.jsonl files (set HORIZON_SHARED or pass --gold)",
              file=sys.stderr)  # fmt: skip
        return None
    return args


def _folder(base: Path, name: str, files: list[Path]) -> Path:
    folder = base / name
    folder.mkdir()
    for f in files:
        (folder / f.name).symlink_to(f.resolve())
    return folder


def row(name: str, report, seconds: float) -> dict:
    """One line of the result table."""
    return {
        "left_out": name,
        "records": report.records,
        "macro_f1": round(report.macro_f1, 3),
        "micro_f1": round(report.micro_f1, 3),
        "domains": len(report.evaluated_domains),
        "negatives": report.negatives,
        "negatives_assigned": round(report.negatives_assigned / max(report.negatives, 1), 3),
        "f1": {
            d.domain: round(d.f1, 3) for d in report.domains if d.domain in report.evaluated_domains
        },
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print (and optionally write) held-out and leave-one-file-out figures."""
    args = parse_gold_args(argv, __doc__.splitlines()[0], min_gold=10)
    if args is None:
        return 2
    files = sorted(args.gold.glob("*.jsonl"))
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        clf = train_classifier(taxonomy, gold_dir=args.gold)
        report = evaluate(args.gold, taxonomy, clf, min_gold=30)
        rows.append(
            row("none (held-out 25%, same mix; min gold 30)", report, time.process_time() - start)
        )
        print(json.dumps(rows[-1]), flush=True)
        for n, left in enumerate(files):
            start = time.process_time()
            train = _folder(Path(tmp), f"train{n}", [f for f in files if f != left])
            test = _folder(Path(tmp), f"test{n}", [left])
            clf = train_classifier(taxonomy, gold_dir=train)
            report = evaluate(test, taxonomy, clf, min_gold=args.min_gold)
            rows.append(row(left.name, report, time.process_time() - start))
            print(json.dumps(rows[-1]), flush=True)
    print(
        f"\n{'left out':48s} {'records':>7s} {'macro':>6s} {'micro':>6s} {'neg→dom':>7s}  F1 per domain"
    )
    for r in rows:
        per = " ".join(f"{d}={f:.2f}" for d, f in r["f1"].items())
        print(f"{r['left_out'][:48]:48s} {r['records']:7d} {r['macro_f1']:6.3f} {r['micro_f1']:6.3f} "
              f"{r['negatives_assigned']:7.1%}  {per}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
