"""What the arXiv gold lets text reach: per domain, the shipped F1, the best any cut could give, and
how often a text that names the domain's technology carries the domain in its gold.

A record's gold domains come from its arXiv categories (`arxiv_gold_mapping` in the taxonomy). For
the domains whose gold comes from cross-list categories (cs.AR, cs.DC, cs.DB and cs.IR,
physics.med-ph), whether a paper carries the category is a filing choice that its text does not
show: an MRI-reconstruction paper in eess.IV and one in physics.med-ph read alike. On the records
the classifier did not train on, for each domain with at least `--min-gold` gold records:

1. shipped: precision, recall and F1 of `horizon evaluate` (taxonomy terms + classifier, shipped
   cuts);
2. best cut: the classifier's F1 at the cut chosen on these very records, which no cut chosen
   without them can beat (an upper bound for this classifier, not a figure to report as accuracy);
3. term evidence: of the records whose text names a taxonomy term of the domain, the share with the
   domain in their gold; and of the gold records, the share whose text names one.

Run: python benchmarks/bench_label_ceiling.py [--gold DIR] [--min-gold 30] [--json FILE]
(DIR defaults to $HORIZON_SHARED/data/corpus/arxiv_labeled, else ../shared/data/… beside the repo.)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_generalisation import parse_gold_args  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import extract_entities  # noqa: E402
from nlp.assign import assign_domains  # noqa: E402
from nlp.evaluate import gold_records, score_predictions  # noqa: E402
from nlp.extract import record_text  # noqa: E402
from nlp.gold import gold_domains, load_gold  # noqa: E402
from nlp.training import train_classifier  # noqa: E402


def best_cut(truth: np.ndarray, scores: np.ndarray) -> tuple[float, float, float, float]:
    """(F1, precision, recall, cut) at the cut that maximises F1 on these records."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(truth[order])
    predicted = np.arange(1, len(order) + 1)
    precision, recall = hits / predicted, hits / max(int(truth.sum()), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(hits > 0, 2 * precision * recall / (precision + recall), 0.0)
    # a cut can only fall between distinct scores: keep the last position of each run of ties
    last = np.r_[scores[order][1:] != scores[order][:-1], True]
    f1 = np.where(last, f1, -1.0)
    k = int(np.argmax(f1))
    return float(f1[k]), float(precision[k]), float(recall[k]), float(scores[order][k])


def measure(gold_dir: Path, min_gold: int) -> dict:
    """Train on the train split, then the three figures per domain on the unseen records."""
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    start = time.process_time()
    classifier = train_classifier(taxonomy, gold_dir=gold_dir)
    gold = load_gold(gold_dir)
    gold = gold[~gold["arxiv_id"].isin(classifier.trained_ids)].reset_index(drop=True)
    records = gold_records(gold)
    truth = [gold_domains(c, taxonomy) for c in gold["categories"]]
    entities = extract_entities(records, taxonomy)
    assigned = assign_domains(records, entities, taxonomy, classifier)
    by_record = assigned.groupby("record_id")["domain"].agg(set).to_dict()
    shipped = score_predictions(
        truth, [by_record.get(r, set()) for r in records["record_id"]], taxonomy.slugs,
        min_gold=min_gold, records=len(records), split="unseen",
    )  # fmt: skip
    scores = classifier.predict_scores(
        [record_text(t, a) for t, a in zip(gold["title"], gold["abstract"], strict=True)]
    )
    tech = entities[entities["label"] == "TECH"]
    named = tech.groupby("domain")["record_id"].agg(set).to_dict()
    rows = []
    for d in shipped.domains:
        if d.domain not in shipped.evaluated_domains:
            continue
        y = np.array([d.domain in t for t in truth])
        f1, p, r, cut = best_cut(y, scores[:, classifier.domains.index(d.domain)])
        has_term = records["record_id"].isin(named.get(d.domain, set())).to_numpy()
        rows.append(
            {
                "domain": d.domain,
                "gold": int(y.sum()),
                "shipped": {"precision": d.precision, "recall": d.recall, "f1": d.f1},
                "best_cut": {"precision": p, "recall": r, "f1": f1, "cut": cut},
                "naming_a_term": int(has_term.sum()),
                "gold_share_of_naming": float(y[has_term].mean()) if has_term.any() else 0.0,
                "naming_share_of_gold": float(has_term[y].mean()),
            }
        )
    return {
        "records": len(records),
        "macro_f1_shipped": shipped.macro_f1,
        "macro_f1_best_cut": float(np.mean([r["best_cut"]["f1"] for r in rows])),
        "domains": rows,
        "cpu_s": time.process_time() - start,
    }


def main(argv: list[str] | None = None) -> int:
    """Print (and optionally write) the table."""
    args = parse_gold_args(argv, __doc__.splitlines()[0], min_gold=30)
    if args is None:
        return 2
    out = measure(args.gold, args.min_gold)
    print(f"{out['records']:,} records the classifier did not train on ({out['cpu_s']:.0f} CPU s)")
    print(f"{'domain':20s} {'gold':>5s} | {'shipped P/R/F1':>17s} | {'best cut P/R/F1':>17s} "
          f"{'cut':>5s} | {'naming':>6s} {'gold%':>6s} {'named%':>6s}")  # fmt: skip
    for r in sorted(out["domains"], key=lambda r: -r["shipped"]["f1"]):
        s, b = r["shipped"], r["best_cut"]
        print(f"{r['domain']:20s} {r['gold']:5d} | {s['precision']:.2f} {s['recall']:.2f} "
              f"{s['f1']:.3f} | {b['precision']:.2f} {b['recall']:.2f} {b['f1']:.3f} "
              f"{b['cut']:5.2f} | {r['naming_a_term']:6d} {r['gold_share_of_naming']:6.1%} "
              f"{r['naming_share_of_gold']:6.1%}")  # fmt: skip
    print(f"macro-F1: shipped {out['macro_f1_shipped']:.3f}, "
          f"best cut per domain on these records {out['macro_f1_best_cut']:.3f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
