"""Extraction benchmark: our extraction vs a bare Aho-Corasick pass vs a naive spaCy EntityRuler,
and Japanese extraction vs bare Sudachi tokenisation — same texts and terms, one run.

Run: python benchmarks/bench_extraction.py [--n 5000] [--ja 600] [--repeat 3] [--clock wall|cpu]
         [--json FILE]
(`--clock cpu` times process CPU, steadier than wall time on a shared, loaded machine.)
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


def best_time(
    fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best time of `repeat` runs (the least disturbed by other load); wall clock by default."""
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def taxonomy_terms(taxonomy) -> tuple[list[str], list[str]]:
    """English terms and abbreviations, and Japanese terms, of the taxonomy (sorted)."""
    en = {t for d in taxonomy.domains for s in d.subtechs for t in (*s.terms.en, *s.terms.abbr)}
    ja = {t for d in taxonomy.domains for s in d.subtechs for t in s.terms.ja}
    return sorted(en), sorted(ja)


def build_automaton(terms: list[str]):
    """A bare pyahocorasick automaton over the normalised terms."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(normalize_term(term), term)
    automaton.make_automaton()
    return automaton


def bare_ac(automaton, texts: list[str]) -> int:
    """The bare pass: lowercase each text and iterate the automaton's hits."""
    hits = 0
    for text in texts:
        for _ in automaton.iter(text.lower()):
            hits += 1
    return hits


def build_entity_ruler(en_terms: list[str]):
    """The naive spaCy pipeline: blank English with an EntityRuler over the terms (LOWER)."""
    import spacy

    ruler_nlp = spacy.blank("en")
    ruler = ruler_nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "TECH", "pattern": t} for t in en_terms])
    return ruler_nlp


def full_texts(records: pd.DataFrame) -> list[str]:
    """Title, newline, text: what extraction reads."""
    return [f"{t}\n{x}" for t, x in zip(records["title"], records["text"], strict=False)]


def measure_english(
    records: pd.DataFrame,
    taxonomy,
    *,
    repeat: int = 3,
    ruler_n: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Seconds of the bare AC pass, extract_entities and the EntityRuler (on `ruler_n` texts)."""
    en_terms, ja_terms = taxonomy_terms(taxonomy)
    full = full_texts(records)
    automaton = build_automaton(en_terms + ja_terms)
    ruler_nlp = build_entity_ruler(en_terms)
    ruler_texts = full[:ruler_n] if ruler_n else full

    def entity_ruler() -> int:
        return sum(len(doc.ents) for doc in ruler_nlp.pipe(ruler_texts, batch_size=1000))

    extract_entities(records.head(50), taxonomy)  # build the index and pipelines once
    return {
        "bare_ac_s": best_time(lambda: bare_ac(automaton, full), repeat, clock),
        "extraction_s": best_time(lambda: extract_entities(records, taxonomy), repeat, clock),
        "entityruler_s": best_time(entity_ruler, max(1, repeat - 1), clock),
        "n": len(full),
        "entityruler_n": len(ruler_texts),
        "mean_chars": float(np.mean([len(t) for t in full])) if full else 0.0,
    }


def measure_japanese(
    texts: list[str], taxonomy, *, repeat: int = 3, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """Seconds of bare Sudachi tokenisation and of extract_entities on the same Japanese texts."""
    from sudachipy import Dictionary, SplitMode

    records = pd.DataFrame({"record_id": [f"demo:ja{i}" for i in range(len(texts))],
                            "kind": "paper", "title": "", "text": texts, "sharing": "CLEAR"})  # fmt: skip
    sudachi = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    extract_entities(records.head(5), taxonomy)
    return {
        "sudachi_s": best_time(lambda: [sudachi.tokenize(t) for t in texts], repeat, clock),
        "extraction_ja_s": best_time(lambda: extract_entities(records, taxonomy), repeat, clock),
        "n": len(texts),
    }


def main() -> None:
    """Run every measurement on the same texts and print the table and ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--ja", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    en_terms, ja_terms = taxonomy_terms(taxonomy)
    docs = english_texts(en_terms, args.n)
    records = pd.DataFrame(
        {"record_id": [f"demo:{i}" for i in range(len(docs))], "kind": [d[0] for d in docs],
         "title": [d[1] for d in docs], "text": [d[2] for d in docs], "sharing": "CLEAR"}
    )  # fmt: skip
    en = measure_english(records, taxonomy, repeat=args.repeat, clock=clock)
    ja = japanese_texts(ja_terms, args.ja)
    jm = measure_japanese(ja, taxonomy, repeat=args.repeat, clock=clock)
    rows = {
        "bare Aho-Corasick (lowercased)": en["bare_ac_s"],
        "extract_entities (EN, 5% policy)": en["extraction_s"],
        "naive spaCy EntityRuler": en["entityruler_s"],
        "bare Sudachi tokenisation (JA)": jm["sudachi_s"],
        "extract_entities (JA)": jm["extraction_ja_s"],
    }
    sizes = {k: (len(ja) if "JA" in k else en["n"]) for k in rows}
    print(f"{en['n']} English texts (mean {en['mean_chars']:.0f} chars), "
          f"{len(ja)} Japanese texts, {len(en_terms) + len(ja_terms)} terms")  # fmt: skip
    print(f"{'measurement (' + args.clock + ' clock)':36s} {'seconds':>9s} {'texts/s':>10s}")
    for name, secs in rows.items():
        print(f"{name:36s} {secs:9.3f} {sizes[name] / secs:10.0f}")
    ratios = {
        "extraction_over_ac": en["bare_ac_s"] / en["extraction_s"],
        "extraction_over_entityruler": en["entityruler_s"] / en["extraction_s"],
        "ja_over_sudachi": jm["sudachi_s"] / jm["extraction_ja_s"],
    }
    for name, value in ratios.items():
        print(f"{name:36s} {value:9.2f}×")
    if args.json:
        args.json.write_text(json.dumps({"seconds": rows, **ratios}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
