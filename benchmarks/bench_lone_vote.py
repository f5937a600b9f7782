"""What the classifier's lone vote adds on the arXiv held-out split, read against the guideline.

`nlp.assign` lets the classifier place a paper alone (no taxonomy term of the domain in it) only in
domains learnt from technology-defined arXiv categories (cs.*, eess.*, stat.ML, math.IT). On the
held-out split this removes labels that the arXiv gold counts (quant-ph → quantum, cond-mat.mtrl-sci
→ advanced materials). Whether those labels were technology in the analysts' sense is a judgement:
this script lists every (paper, domain) label the rule removes or adds, draws a fixed random sample
of 20 per domain, and reads the hand judgements of `benchmarks/lone_vote_judgements.tsv` (by the
analysts' GUIDELINE.md) for them.

Run: python benchmarks/bench_lone_vote.py [--home DIR] [--gold DIR] [--sample 20]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from horizon.config.taxonomy import ArxivMapping, load_taxonomy  # noqa: E402
from nlp import assign_domains, extract_entities, load_or_train  # noqa: E402
from nlp.evaluate import gold_records  # noqa: E402
from nlp.gold import is_holdout, load_gold  # noqa: E402

SHARED = Path(os.environ.get("HORIZON_SHARED", REPO.parent / "shared"))
JUDGEMENTS = REPO / "benchmarks/lone_vote_judgements.tsv"
SEED = 7


def label_pairs(assigned: pd.DataFrame) -> set[tuple[str, str]]:
    """(arXiv id, domain) of every assignment."""
    ids = assigned["record_id"].str.removeprefix("arxiv:")
    return set(zip(ids, assigned["domain"], strict=True))


def main(argv: list[str] | None = None) -> int:
    """Print the labels the rule changes per domain and the judged share of a sample."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path, default=Path("/tmp/horizon-bench-lone"))
    ap.add_argument("--gold", type=Path, default=SHARED / "data/corpus/arxiv_labeled")
    ap.add_argument("--sample", type=int, default=20)
    args = ap.parse_args(argv)
    if not args.gold.is_dir():
        raise SystemExit(f"{args.gold}: no labelled arXiv corpus (set HORIZON_SHARED or --gold)")
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    clf = load_or_train(args.home / "models", taxonomy, gold_dir=args.gold)
    gold = load_gold(args.gold)
    gold = gold[gold["arxiv_id"].map(is_holdout)]
    records = gold_records(gold)
    entities = extract_entities(records, taxonomy)
    with_rule = label_pairs(assign_domains(records, entities, taxonomy, clf))
    # a taxonomy that maps no arXiv category gives the classifier its lone vote in every domain
    anywhere = taxonomy.model_copy(update={"arxiv_gold_mapping": ArxivMapping()})
    without = label_pairs(assign_domains(records, entities, anywhere, clf))
    titles = dict(zip(gold["arxiv_id"], gold["title"], strict=True))
    changes = pd.DataFrame(
        [(i, d, "removed") for i, d in sorted(without - with_rule)]
        + [(i, d, "added") for i, d in sorted(with_rule - without)],
        columns=["arxiv_id", "domain", "change"],
    )
    print(f"held-out records: {len(records)}; labels without the rule {len(without)}, "
          f"with it {len(with_rule)}")  # fmt: skip
    print(changes.groupby(["domain", "change"]).size().to_string())
    judged = pd.read_csv(JUDGEMENTS, sep="\t", dtype=str) if JUDGEMENTS.is_file() else None
    for domain, rows in changes[changes["change"] == "removed"].groupby("domain"):
        if len(rows) < args.sample:
            continue
        picked = rows.sort_values("arxiv_id").sample(args.sample, random_state=SEED)
        if judged is not None:
            picked = picked.merge(judged[["arxiv_id", "domain", "judgement"]], how="left",
                                  on=["arxiv_id", "domain"])  # fmt: skip
        else:
            picked["judgement"] = None
        counts = picked["judgement"].fillna("not judged").value_counts()
        print(f"\n{domain}: {len(rows)} labels removed; a sample of {args.sample} "
              f"(seed {SEED}) judged by the guideline: {counts.to_dict()}")  # fmt: skip
        for _, r in picked.iterrows():
            title = " ".join(str(titles.get(r["arxiv_id"], "")).split())[:90]
            print(f"  {r['arxiv_id']:18s} {r['judgement'] or 'not judged':15s} {title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
