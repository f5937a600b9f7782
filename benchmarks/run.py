"""Every benchmark in one run, on one generated corpus: a table of figures and ratios.

Run: python benchmarks/run.py [--size 10k|100k|1M] [--json FILE]

1. extraction vs a bare pyahocorasick pass (same lowercased texts, same terms) and vs a naive spaCy
   EntityRuler (on a subsample); 2. a full scan through flows/stages.py in a child process (peak
   RSS from wait4) vs the bare pass over all N texts; 3. an incremental scan of 1% new records vs
   the full scan; 4. Japanese extraction vs bare Sudachi; 5. parse throughput per source.
Ratios use CPU seconds by default (`--clock cpu`: the machine is shared, wall time swings with
other load); wall-clock ratios are in the JSON too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_extraction import (  # noqa: E402
    bare_ac,
    build_automaton,
    full_texts,
    measure_english,
    measure_japanese,
    taxonomy_terms,
)
from benchmarks.bench_parse import FIXTURES, measure_parsers  # noqa: E402
from benchmarks.corpus import parse_size, write_corpus  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402

GOLD = REPO.parent / "shared/data/corpus/arxiv_labeled"
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def ensure_corpus(path: Path, taxonomy, n: int, seed: int, first: int = 0) -> Path:
    """The generated corpus at `path`, written once (generation is deterministic)."""
    if not path.exists() or pq.ParquetFile(path).metadata.num_rows != n:
        write_corpus(path, taxonomy, n, seed=seed, first=first)
    return path


def sample(corpus: Path, n_en: int, n_ja: int) -> tuple[pd.DataFrame, list[str]]:
    """The first `n_en` English records and the texts of the first `n_ja` Japanese ones."""
    en, ja = [], []
    cols = ["record_id", "kind", "title", "text", "language", "sharing"]
    for batch in pq.ParquetFile(corpus).iter_batches(batch_size=10_000, columns=cols):
        frame = batch.to_pandas()
        en.append(frame[frame["language"] == "en"])
        ja.append(frame[frame["language"] == "ja"])
        if sum(map(len, en)) >= n_en and sum(map(len, ja)) >= n_ja:
            break
    english = pd.concat(en, ignore_index=True).head(n_en)
    japanese = pd.concat(ja, ignore_index=True).head(n_ja)
    return english, full_texts(japanese)


def bare_pass(corpus: Path, automaton, clock) -> dict[str, float]:
    """The bare AC pass over every text of the corpus (reading excluded), CPU and wall seconds."""
    secs, wall, n = 0.0, 0.0, 0
    for batch in pq.ParquetFile(corpus).iter_batches(batch_size=20_000, columns=["title", "text"]):
        texts = full_texts(batch.to_pandas())
        start, start_wall = clock(), time.perf_counter()
        bare_ac(automaton, texts)
        secs += clock() - start
        wall += time.perf_counter() - start_wall
        n += len(texts)
    return {"seconds": secs, "wall": wall, "n": n}


def train_models(models: Path, corpus: Path, taxonomy) -> float:
    """Train the classifier once per corpus (gold train split + weak labels); seconds taken."""
    import nlp
    from nlp.training import saved_is_current

    if saved_is_current(models, taxonomy):  # a model of an older artefact version is retrained
        return 0.0
    start = time.perf_counter()
    first = next(pq.ParquetFile(corpus).iter_batches(batch_size=10_000)).to_pandas()
    nlp.load_or_train(models, taxonomy, gold_dir=GOLD if GOLD.is_dir() else None, records=first)
    return time.perf_counter() - start


def run_child(args: list[str]) -> dict[str, Any]:
    """bench_scan.py in a child process; its timings plus max RSS and CPU from wait4."""
    out = Path(args[args.index("--out") + 1])
    proc = subprocess.Popen([sys.executable, str(REPO / "benchmarks/bench_scan.py"), *args])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"scan child failed with exit code {proc.returncode}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["max_rss_gb"] = usage.ru_maxrss / 1024**2
    result["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


def machine() -> dict[str, Any]:
    """Cores, memory, Python and library versions."""
    from importlib.metadata import version

    mem = next(
        int(line.split()[1]) / 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    libs = ["spacy", "sudachipy", "pyahocorasick", "duckdb", "pandas", "pyarrow", "scikit-learn"]
    return {"nproc": os.cpu_count(), "mem_gb": round(mem, 1), "python": platform.python_version(),
            "load_avg": os.getloadavg(), **{lib: version(lib) for lib in libs}}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the table, optionally write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", default="10k", help="10k, 100k or 1M records")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--work", type=Path, default=Path("/tmp/horizon-bench"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clock", choices=CLOCKS, default="cpu")
    ap.add_argument("--sample", type=int, default=20_000, help="English texts for benchmark 1")
    ap.add_argument("--ruler-sample", type=int, default=3_000, help="texts for the EntityRuler")
    ap.add_argument("--ja-sample", type=int, default=2_000, help="Japanese texts, benchmark 4")
    ap.add_argument("--shard-size", type=int, default=50_000)
    ap.add_argument("--no-emerging", action="store_true", help="leave emerging terms out of scans")
    args = ap.parse_args(argv)
    clock = CLOCKS[args.clock]
    n = parse_size(args.size)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)  # noqa: E731

    log(f"corpus of {n:,} records (+{max(1, n // 100):,} new)")
    start = time.perf_counter()
    corpus = ensure_corpus(work / f"corpus-{n}-s{args.seed}.parquet", taxonomy, n, args.seed)
    new = ensure_corpus(work / f"new-{n}-s{args.seed}.parquet", taxonomy, max(1, n // 100),
                        args.seed, first=n)  # fmt: skip
    gen_s = time.perf_counter() - start
    out: dict[str, Any] = {
        "size": n,
        "clock": args.clock,
        "machine": machine(),
        "generate_s": gen_s,
    }

    log("1. extraction vs bare Aho-Corasick vs EntityRuler; 4. Japanese vs Sudachi")
    english, japanese = sample(corpus, args.sample, args.ja_sample)
    en = measure_english(english, taxonomy, repeat=args.repeat, ruler_n=args.ruler_sample,
                         clock=clock)  # fmt: skip
    ja = measure_japanese(japanese, taxonomy, repeat=args.repeat, clock=clock)
    out["extraction"], out["japanese"] = en, ja

    log("bare Aho-Corasick pass over every text")
    en_terms, ja_terms = taxonomy_terms(taxonomy)
    out["bare_pass"] = bare_pass(corpus, build_automaton(en_terms + ja_terms), clock)

    log("classifier (trained once per corpus, outside the scans)")
    models = work / f"models-s{args.seed}"  # trained on the first 10k records: same for every size
    out["train_s"] = train_models(models, corpus, taxonomy)
    home = work / f"home-{n}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(models, home / "models")

    log("2. full scan (child process)")
    common = ["--home", str(home), "--shard-size", str(args.shard_size)]
    common += ["--no-emerging"] if args.no_emerging else []
    out["full_scan"] = run_child(
        ["--corpus", str(corpus), "--scan-id", "bench-full", "--out", str(work / f"full-{n}.json"),
         *common]
    )  # fmt: skip
    log("3. incremental scan, 1% new records (child process)")
    out["incremental_scan"] = run_child(
        ["--corpus", str(new), "--scan-id", "bench-incremental", "--out",
         str(work / f"incremental-{n}.json"), *common]
    )  # fmt: skip
    log("5. parsers")
    out["parse"] = measure_parsers(FIXTURES, repeat=args.repeat, clock=clock)
    out.update(ratios(out))
    print_table(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    return 0


def ratios(out: dict[str, Any]) -> dict[str, float]:
    """The headline ratios (throughput ratios > 1 favour extraction; time ratios < 1 are good)."""
    en, ja, bare = out["extraction"], out["japanese"], out["bare_pass"]
    full, inc = out["full_scan"], out["incremental_scan"]
    key = "total_cpu_s" if out["clock"] == "cpu" else "total_wall_s"
    return {
        "extraction_over_ac": en["bare_ac_s"] / en["extraction_s"],
        "extraction_over_entityruler": (en["entityruler_s"] / en["entityruler_n"])
        / (en["extraction_s"] / en["n"]),
        "full_scan_over_ac": full[key] / bare["seconds"],
        "full_scan_over_ac_wall": full["total_wall_s"] / bare["wall"],
        "incremental_over_full": inc[key] / full[key],
        "incremental_over_full_wall": inc["total_wall_s"] / full["total_wall_s"],
        "peak_rss_gb": max(full["max_rss_gb"], inc["max_rss_gb"]),
        "ja_over_sudachi": ja["sudachi_s"] / ja["extraction_ja_s"],
    }


def print_table(out: dict[str, Any]) -> None:
    """The figures and ratios as a plain table."""
    en, ja, bare = out["extraction"], out["japanese"], out["bare_pass"]
    unit = f"{out['clock']} s"
    rows = [
        (f"bare Aho-Corasick, {en['n']:,} EN texts", en["bare_ac_s"], en["n"]),
        (f"extract_entities, {en['n']:,} EN texts", en["extraction_s"], en["n"]),
        (f"spaCy EntityRuler, {en['entityruler_n']:,} EN texts", en["entityruler_s"],
         en["entityruler_n"]),
        (f"bare Sudachi, {ja['n']:,} JA texts", ja["sudachi_s"], ja["n"]),
        (f"extract_entities, {ja['n']:,} JA texts", ja["extraction_ja_s"], ja["n"]),
        (f"bare Aho-Corasick, all {bare['n']:,} texts", bare["seconds"], bare["n"]),
    ]  # fmt: skip
    for name in ("full_scan", "incremental_scan"):
        scan = out[name]
        for stage, t in scan["seconds"].items():
            rss = f" (peak RSS {t['rss_gb']:.2f}G)" if "rss_gb" in t else ""
            rows.append((f"{name}: {stage}{rss}", t[out["clock"]], None))
        key = "total_cpu_s" if out["clock"] == "cpu" else "total_wall_s"
        rows.append((f"{name}: total (wall {scan['total_wall_s']:.1f} s)", scan[key], None))
    print(f"\n{'measurement':52s} {unit:>10s} {'texts/s':>10s}")
    for name, secs, count in rows:
        rate = f"{count / secs:10.0f}" if count and secs else " " * 10
        print(f"{name:52s} {secs:10.2f} {rate}")
    print(f"{'full scan peak RSS':52s} {out['full_scan']['max_rss_gb']:9.2f}G")
    print(f"{'incremental scan peak RSS':52s} {out['incremental_scan']['max_rss_gb']:9.2f}G")
    for row in out["parse"]:
        if "note" in row:
            print(f"parse {row['source']:46s} {row['note']}")
        else:
            print(f"parse {row['source']:46s} {row['mb_per_s']:7.2f} MB/s "
                  f"{row['records_per_s']:8.0f} rec/s ({row['bytes'] / 1e6:.2f} MB)")  # fmt: skip
    targets = {
        "extraction_over_ac": (">=", 0.30), "extraction_over_entityruler": (">=", 5.0),
        "full_scan_over_ac": ("<=", 10.0), "incremental_over_full": ("<=", 0.05),
        "peak_rss_gb": ("<=", 4.0), "ja_over_sudachi": (">=", 0.7),
    }  # fmt: skip
    print(f"\n{'ratio':32s} {'value':>9s}  target")
    for name, (op, target) in targets.items():
        value = out[name]
        ok = value >= target if op == ">=" else value <= target
        print(f"{name:32s} {value:9.3f}  {op} {target}  {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
