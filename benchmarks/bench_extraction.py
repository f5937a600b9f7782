"""Extraction benchmark: our extraction vs a bare Aho-Corasick pass vs a naive spaCy EntityRuler,
and Japanese extraction vs bare Sudachi tokenisation — same texts and terms, one run.

Run: python benchmarks/bench_extraction.py [--n 5000] [--ja 600] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from nlp import extract_entities  # noqa: E402
from nlp.normalize import normalize_term  # noqa: E402

LIVEDOOR = REPO.parent / "shared/data/japanese/livedoor_news_corpus"
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "for",
    "we",
    "that",
    "with",
    "on",
    "this",
    "by",
    "are",
    "as",
    "an",
    "be",
    "from",
    "which",
    "our",
    "can",
    "at",
    "results",
    "method",
    "approach",
    "proposed",
    "paper",
    "show",
    "based",
    "using",
    "model",
    "performance",
    "data",
    "system",
    "systems",
    "two",
    "new",
    "high",
    "time",
    "study",
    "analysis",
    "problem",
    "design",
    "these",
    "using",
    "used",
    "also",
    "than",
    "between",
    "its",
    "their",
    "different",
    "over",
    "such",
    "it",
    "has",
    "have",
    "been",
    "both",
    "more",
    "while",
    "into",
    "where",
    "when",
    "under",
    "through",
    "each",
    "other",
    "propose",
    "present",
    "demonstrate",
    "achieve",
    "improve",
    "evaluate",
    "framework",
    "network",
    "efficient",
    "large",
    "scale",
    "experimental",
    "theoretical",
    "simulation",
    "measurement",
    "structure",
    "process",
    "control",
    "signal",
    "energy",
    "power",
    "temperature",
    "material",
    "surface",
    "optical",
    "electronic",
    "magnetic",
    "phase",
    "state",
    "field",
    "effect",
    "device",
    "devices",
    "algorithm",
    "algorithms",
    "learning",
    "training",
    "accuracy",
    "robust",
    "error",
    "noise",
    "rate",
    "channel",
    "frequency",
    "layer",
    "layers",
    "sample",
    "samples",
    "test",
    "real",
    "world",
    "application",
    "applications",
    "task",
    "tasks",
    "feature",
    "features",
    "significant",
    "compared",
    "existing",
    "previous",
    "recent",
    "however",
    "further",
    "novel",
    "first",
    "order",
    "low",
    "single",
    "multiple",
    "function",
    "functions",
    "parameter",
    "parameters",
    "distribution",
    "estimation",
    "optimization",
    "linear",
    "nonlinear",
    "dynamic",
    "dynamics",
    "stable",
    "stability",
    "transition",
    "interaction",
    "interactions",
    "coupling",
    "mode",
    "density",
    "spectrum",
    "spectral",
    "resolution",
    "detection",
    "sensor",
    "sensors",
    "image",
    "images",
    "video",
    "language",
    "text",
    "graph",
    "graphs",
    "node",
    "nodes",
    "edge",
    "edges",
    "communication",
    "wireless",
    "security",
    "privacy",
    "attack",
    "protocol",
    "cost",
    "memory",
    "hardware",
    "software",
    "circuit",
    "chip",
    "silicon",
    "thin",
    "film",
    "crystal",
    "growth",
    "quantum",
    "classical",
    "reduce",
    "increase",
    "enhance",
    "provide",
    "enable",
    "support",
    "allow",
    "require",
    "obtain",
    "observe",
    "reveal",
    "identify",
]


def english_texts(terms: list[str], n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """(kind, title, abstract) with Zipf-distributed vocabulary and 0–4 taxonomy terms per text."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(WORDS) + 1)
    p = 1 / ranks**1.07
    p /= p.sum()
    out = []
    for i in range(n):
        length = int(rng.integers(120, 260))
        words = list(rng.choice(WORDS, size=length, p=p))
        for _ in range(int(rng.choice([0, 1, 2, 3, 4], p=[0.3, 0.3, 0.2, 0.12, 0.08]))):
            words.insert(int(rng.integers(0, len(words))), str(rng.choice(terms)))
        text = " ".join(words)
        text = ". ".join(s.capitalize() for s in text.split(" the ")) + "."
        kind = "policy" if i % 20 == 0 else ("patent" if i % 5 == 0 else "paper")
        if kind == "policy":
            text += (
                " The Ministry of Economy, Trade and Industry will invest $2.5 billion with Japan."
            )
        out.append((kind, " ".join(words[:10]).capitalize(), text))
    return out


def japanese_texts(terms: list[str], n: int) -> list[str]:
    """livedoor news articles when present, else generated sentences with taxonomy terms."""
    if LIVEDOOR.is_dir():
        files = sorted(p for p in LIVEDOOR.glob("*/*-*.txt"))
        step = max(1, len(files) // n)
        return [p.read_text(encoding="utf-8") for p in files[::step][:n]]
    rng = np.random.default_rng(3)
    filler = "本研究では新しい手法を提案し、その有効性を実験により検証した。"
    return [filler * 8 + "".join(rng.choice(terms, size=3)) + "について述べる。" for _ in range(n)]


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of `repeat` runs (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run every measurement on the same texts and print the table and ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--ja", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import ahocorasick
    import spacy
    from sudachipy import Dictionary, SplitMode

    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    en_terms = sorted(
        {t for d in taxonomy.domains for s in d.subtechs for t in (*s.terms.en, *s.terms.abbr)}
    )
    ja_terms = sorted({t for d in taxonomy.domains for s in d.subtechs for t in s.terms.ja})
    docs = english_texts(en_terms, args.n)
    full = [f"{title}\n{text}" for _, title, text in docs]
    records = pd.DataFrame(
        {"record_id": [f"demo:{i}" for i in range(len(docs))], "kind": [d[0] for d in docs],
         "title": [d[1] for d in docs], "text": [d[2] for d in docs], "sharing": "CLEAR"}
    )  # fmt: skip

    automaton = ahocorasick.Automaton()
    for term in en_terms + ja_terms:
        automaton.add_word(normalize_term(term), term)
    automaton.make_automaton()

    def bare_ac(texts: list[str]) -> int:
        hits = 0
        for text in texts:
            for _ in automaton.iter(text.lower()):
                hits += 1
        return hits

    ruler_nlp = spacy.blank("en")
    ruler = ruler_nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "TECH", "pattern": t} for t in en_terms])

    def entity_ruler() -> int:
        return sum(len(doc.ents) for doc in ruler_nlp.pipe(full, batch_size=1000))

    extract_entities(records.head(50), taxonomy)  # build the index and pipelines once
    rows = {}
    rows["bare Aho-Corasick (lowercased)"] = best_time(lambda: bare_ac(full), args.repeat)
    rows["extract_entities (EN, 5% policy)"] = best_time(
        lambda: extract_entities(records, taxonomy), args.repeat
    )
    rows["naive spaCy EntityRuler"] = best_time(entity_ruler, max(1, args.repeat - 1))

    ja = japanese_texts(ja_terms, args.ja)
    ja_records = pd.DataFrame({"record_id": [f"demo:ja{i}" for i in range(len(ja))], "kind": "paper",
                               "title": "", "text": ja, "sharing": "CLEAR"})  # fmt: skip
    sudachi = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    extract_entities(ja_records.head(5), taxonomy)
    rows["bare Sudachi tokenisation (JA)"] = best_time(
        lambda: [sudachi.tokenize(t) for t in ja], args.repeat
    )
    rows["extract_entities (JA)"] = best_time(
        lambda: extract_entities(ja_records, taxonomy), args.repeat
    )

    sizes = {k: (len(ja) if "JA" in k else len(full)) for k in rows}
    print(f"{len(full)} English texts (mean {np.mean([len(t) for t in full]):.0f} chars), "
          f"{len(ja)} Japanese texts, {len(en_terms) + len(ja_terms)} terms")  # fmt: skip
    print(f"{'measurement':36s} {'seconds':>9s} {'texts/s':>10s}")
    for name, secs in rows.items():
        print(f"{name:36s} {secs:9.3f} {sizes[name] / secs:10.0f}")
    ratios = {
        "extraction_over_ac": rows["bare Aho-Corasick (lowercased)"]
        / rows["extract_entities (EN, 5% policy)"],
        "extraction_over_entityruler": rows["naive spaCy EntityRuler"]
        / rows["extract_entities (EN, 5% policy)"],
        "ja_over_sudachi": rows["bare Sudachi tokenisation (JA)"] / rows["extract_entities (JA)"],
    }
    for name, value in ratios.items():
        print(f"{name:36s} {value:9.2f}×")
    if args.json:
        args.json.write_text(json.dumps({"seconds": rows, **ratios}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
