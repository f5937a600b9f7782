"""Generated benchmark corpus: abstract-sized records (EN + ~10% JA) streamed to Parquet in chunks.

Deterministic: chunk k of a corpus is drawn from `default_rng([seed, k])`, so the first 10k records
of the 100k corpus are the 10k corpus. Term rates follow what the extractor finds in real arXiv
abstracts (about 42% of records without a taxonomy term, a long tail of records with many hits,
popular terms repeated), with a Zipf popularity over the taxonomy's terms.

Run: python benchmarks/corpus.py --size 100k --out bench-data/corpus-100k.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_extraction import WORDS  # noqa: E402
from benchmarks.bench_scoring import COUNTRIES, P_COUNTRY  # noqa: E402
from horizon.config.taxonomy import Taxonomy, load_taxonomy  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
CHUNK = 10_000
JA_SHARE = 0.10
KINDS = ("paper", "patent", "policy")
P_KIND = (0.75, 0.22, 0.03)
YEARS = np.arange(2005, 2027)
#: Output grows about 8% a year, so recent years hold more records.
P_YEAR = 1.08 ** (YEARS - YEARS[0]) / (1.08 ** (YEARS - YEARS[0])).sum()
MORE_COUNTRIES = ["SE", "ES", "IL", "BE", "AT", "DK", "FI", "NO", "PL", "BR", "RU", "SA", "AE"]
P_MORE = np.full(len(MORE_COUNTRIES), 0.8)
#: Hits per record: none for 42%, else a geometric count with a mean of about 5 (real abstracts).
P_NO_TERM = 0.42
HITS_MEAN = 4.8
SOURCES = {
    ("paper", "en"): ("papers_openalex", "papers_arxiv", "papers_crossref"),
    ("paper", "ja"): ("papers_jstage",),
    ("patent", "en"): ("patents_epo_ops", "patents_uspto_bulk"),
    ("patent", "ja"): ("patents_epo_ops",),
    ("policy", "en"): ("policy_federal_register", "policy_govuk"),
    ("policy", "ja"): ("policy_feed",),
}
_JA_TEXT = (
    "本研究 では 新しい 手法 を 提案 し その 有効性 を 実験 により 検証 した 。 結果 として 従来 "
    "手法 と 比較 して 性能 が 大幅 に 向上 する こと を 示した 。 さらに 本 システム の 設計 と "
    "評価 について 述べる 。 解析 の 結果 は 理論 的 な 予測 と よく 一致 した 。 我々 は データ "
    "を 用いて モデル を 構築 し 精度 と 計算 コスト を 評価 した 。 提案 する 方法 は 実用 的 な "
    "応用 に おいて 有望 で ある 。 測定 装置 の 構造 と 材料 特性 を 調べた 。 今後 の 課題 と "
    "して 大規模 化 と 信頼性 の 向上 が 挙げ られる 。 実証 実験 を 行い 安定 した 動作 を 確認 した 。"
)
JA_WORDS = tuple(_JA_TEXT.split())
POLICY_EN = (
    "The Ministry of Economy, Trade and Industry will invest ${amount} billion in the programme.",
    "The Department of Energy announced ${amount} million for research and deployment.",
    "The European Commission will provide €{amount} billion through Horizon Europe.",
    "Cabinet Office of Japan set aside ¥{amount} billion for the national strategy.",
)
POLICY_JA = (
    "経済産業省は研究開発に{amount}億円を投じると発表した。",
    "内閣府は国家戦略として{amount}億円の予算を計上した。",
    "文部科学省は大学の研究基盤の強化に{amount}億円を支援する。",
)
OTHER_CPC = ("A47J31/44", "B65D81/34", "E04B1/76", "F16B5/02", "A61K8/97", "B60R21/01", "D06F39/08")


@dataclass(frozen=True)
class Vocabulary:
    """What the generator draws from: words with Zipf weights, taxonomy terms, codes."""

    words: np.ndarray
    p_words: np.ndarray
    en_terms: np.ndarray
    p_en: np.ndarray
    ja_terms: np.ndarray
    p_ja: np.ndarray
    ja_words: np.ndarray
    cpc: np.ndarray
    arxiv: np.ndarray
    countries: np.ndarray
    p_countries: np.ndarray


def _zipf(n: int, s: float = 1.07) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def build_vocabulary(taxonomy: Taxonomy, seed: int = 0) -> Vocabulary:
    """Vocabulary from the common-word list plus fragments of multi-word terms (near misses)."""
    rng = np.random.default_rng([seed, 999])
    en = sorted(
        {t for d in taxonomy.domains for s in d.subtechs for t in (*s.terms.en, *s.terms.abbr)}
    )
    ja = sorted({t for d in taxonomy.domains for s in d.subtechs for t in s.terms.ja})
    keys = {t.lower() for t in en}
    fragments = sorted({w.lower() for t in en for w in t.split() if len(w) > 3 and w.isalpha()})
    words = [
        w
        for w in dict.fromkeys([*WORDS, *rng.permutation(fragments)[:600].tolist()])
        if not {w, f"{w}s", w.removesuffix("s")} & keys  # filler words are never terms themselves
    ]
    en_terms = rng.permutation(en)
    ja_terms = rng.permutation(ja)
    cpc = sorted(
        {_full_code(c.prefix, i) for d in taxonomy.domains for c in d.codes for i in (1, 2)}
    )
    arxiv = sorted({c for d in taxonomy.domains for c in d.arxiv})
    countries = np.array([*COUNTRIES, *MORE_COUNTRIES])
    p_countries = np.r_[P_COUNTRY, P_MORE]
    return Vocabulary(
        words=np.array(words), p_words=_zipf(len(words)),
        en_terms=en_terms, p_en=_zipf(len(en_terms), 0.9),
        ja_terms=ja_terms, p_ja=_zipf(len(ja_terms), 0.9),
        ja_words=np.array(JA_WORDS), cpc=np.array(cpc), arxiv=np.array(arxiv),
        countries=countries, p_countries=p_countries / p_countries.sum(),
    )  # fmt: skip


def _full_code(prefix: str, i: int) -> str:
    """A complete CPC code under a taxonomy prefix (`G06N3/` → `G06N3/08`, `C12P` → `C12P7/64`)."""
    if prefix.endswith("/"):
        return f"{prefix}{i * 4:02d}"
    if "/" in prefix:
        return prefix
    return f"{prefix}{i}/{i * 2:02d}" if len(prefix) <= 4 else f"{prefix}/{i * 2:02d}"


def _hits(rng: np.random.Generator) -> int:
    if rng.random() < P_NO_TERM:
        return 0
    return int(rng.geometric(1.0 / HITS_MEAN))


def _english(rng: np.random.Generator, v: Vocabulary, kind: str) -> tuple[str, str]:
    n = int(rng.integers(150, 251))
    words = v.words[rng.choice(len(v.words), size=n, p=v.p_words)].tolist()
    hits = _hits(rng)
    topics = v.en_terms[rng.choice(len(v.en_terms), size=min(3, max(1, hits)), p=v.p_en)].tolist()
    for k in range(hits):
        words.insert(int(rng.integers(0, len(words))), topics[k % len(topics)])
    pos = 0
    while pos < len(words):
        words[pos] = words[pos][:1].upper() + words[pos][1:]
        pos += int(rng.integers(12, 30))
        words[min(pos, len(words)) - 1] += "."
    title_words = v.words[rng.choice(len(v.words), size=int(rng.integers(6, 14)), p=v.p_words)]
    title = " ".join(title_words.tolist())
    if hits and rng.random() < 0.5:
        title = f"{topics[0]} {title}"
    text = " ".join(words)
    if kind == "policy":
        text += " " + POLICY_EN[int(rng.integers(len(POLICY_EN)))].format(
            amount=round(float(rng.uniform(0.1, 20)), 1)
        )
    return title[:1].upper() + title[1:], text


def _japanese(rng: np.random.Generator, v: Vocabulary, kind: str) -> tuple[str, str]:
    n = int(rng.integers(180, 320))
    start = int(rng.integers(0, len(v.ja_words)))
    idx = (start + np.cumsum(1 + (rng.random(n) < 0.15))) % len(v.ja_words)
    words = v.ja_words[idx].tolist()
    hits = _hits(rng)
    topics = v.ja_terms[rng.choice(len(v.ja_terms), size=min(3, max(1, hits)), p=v.p_ja)].tolist()
    for k in range(hits):
        words.insert(int(rng.integers(0, len(words))), f"{topics[k % len(topics)]}の")
    title = (topics[0] if hits else "新しい手法") + "に関する研究"
    text = "".join(words)
    if kind == "policy":
        text += POLICY_JA[int(rng.integers(len(POLICY_JA)))].format(
            amount=int(rng.integers(10, 5000))
        )
    return title, text


def _countries(rng: np.random.Generator, v: Vocabulary) -> str:
    k = int(rng.choice([1, 2, 3], p=[0.7, 0.22, 0.08]))
    picked = sorted(set(v.countries[rng.choice(len(v.countries), size=k, p=v.p_countries)]))
    return json.dumps([{"country": c, "weight": 1 / len(picked)} for c in picked])


def _codes(rng: np.random.Generator, v: Vocabulary, kind: str, source: str) -> str:
    codes: dict[str, list[str]] = {"cpc": [], "ipc": [], "arxiv": [], "topics": []}
    if kind == "patent":
        k = int(rng.integers(1, 5))
        pool = [str(c) for c in v.cpc[rng.integers(0, len(v.cpc), size=k)]]
        mask = rng.random(k) < 0.55
        codes["cpc"] = [c if m else OTHER_CPC[i % len(OTHER_CPC)] for i, (c, m) in
                        enumerate(zip(pool, mask, strict=True))]  # fmt: skip
        codes["ipc"] = codes["cpc"][:2]
    elif source == "papers_arxiv":
        codes["arxiv"] = sorted({str(c) for c in v.arxiv[rng.integers(0, len(v.arxiv), size=2)]})
    return json.dumps(codes)


def generate_chunk(v: Vocabulary, seed: int, chunk: int, size: int, first: int) -> pa.Table:
    """`size` records numbered from `first`, drawn from `default_rng([seed, chunk])`."""
    rng = np.random.default_rng([seed, chunk])
    kinds = rng.choice(len(KINDS), size=size, p=P_KIND)
    is_ja = rng.random(size) < JA_SHARE
    years = rng.choice(YEARS, size=size, p=P_YEAR)
    days = rng.integers(0, 365, size=size)
    fetched = dt.datetime(2026, 11, 1, 12, 0, 0)
    cols: dict[str, list] = {k: [] for k in _SCHEMA.names}
    for i in range(size):
        n = first + i
        kind, lang = KINDS[kinds[i]], ("ja" if is_ja[i] else "en")
        sources = SOURCES[(kind, lang)]
        source = sources[n % len(sources)]
        title, text = (_japanese if lang == "ja" else _english)(rng, v, kind)
        published = dt.date(int(years[i]), 1, 1) + dt.timedelta(days=int(days[i]))
        published = min(published, dt.date(2026, 10, 31))
        if kind == "patent":
            rid = f"patent:{'JP' if lang == 'ja' else 'EP'}{9_000_000 + n}A1"
        elif kind == "policy":
            rid = f"fr:{published.year}-{n:07d}"
        else:
            rid = f"openalex:W{5_000_000_000 + n}"
        cols["record_id"].append(rid)
        cols["kind"].append(kind)
        cols["source"].append(source)
        cols["title"].append(title)
        cols["text"].append(text)
        cols["language"].append(lang)
        cols["published_date"].append(published)
        cols["countries"].append(
            json.dumps([{"country": "JP", "weight": 1.0}]) if lang == "ja" else _countries(rng, v)
        )
        cols["organizations"].append("[]")
        cols["codes"].append(_codes(rng, v, kind, source))
        cited = int(rng.pareto(1.5) * 3 * (2027 - years[i]) / 5) if kind == "paper" else None
        cols["cited_by_count"].append(cited)
        cols["url"].append(None)
        cols["sharing"].append("CLEAR" if rng.random() < 0.9 else "GREEN")
        cols["raw_sha256"].append(hashlib.sha256(f"{seed}:{chunk}:{n}".encode()).hexdigest())
        cols["fetched_at"].append(fetched)
        cols["ids"].append("[]")
    return pa.table(cols, schema=_SCHEMA)


_SCHEMA = pa.schema(
    [("record_id", pa.string()), ("kind", pa.string()), ("source", pa.string()),
     ("title", pa.string()), ("text", pa.string()), ("language", pa.string()),
     ("published_date", pa.date32()), ("countries", pa.string()), ("organizations", pa.string()),
     ("codes", pa.string()), ("cited_by_count", pa.int64()), ("url", pa.string()),
     ("sharing", pa.string()), ("raw_sha256", pa.string()), ("fetched_at", pa.timestamp("us")),
     ("ids", pa.string())]
)  # fmt: skip
#: Columns holding JSON text (lists/objects in a Record).
JSON_COLUMNS = ("countries", "organizations", "codes", "ids")


def generate_chunks(
    taxonomy: Taxonomy, n: int, *, seed: int = 7, first: int = 0
) -> Iterator[pa.Table]:
    """Chunks of `n` records numbered from `first` (a multiple of CHUNK keeps chunks aligned)."""
    v = build_vocabulary(taxonomy, seed)
    done = 0
    while done < n:
        start = first + done
        size = min(CHUNK - start % CHUNK, n - done)
        yield generate_chunk(v, seed, start // CHUNK, size, start)
        done += size


def write_corpus(path: Path, taxonomy: Taxonomy, n: int, *, seed: int = 7, first: int = 0) -> Path:
    """Stream `n` generated records to one Parquet file (one row group per chunk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, _SCHEMA, compression="zstd") as writer:
        for table in generate_chunks(taxonomy, n, seed=seed, first=first):
            writer.write_table(table)
    tmp.replace(path)
    return path


def parse_size(text: str) -> int:
    """`10k`, `100k`, `1M` or a plain number of records."""
    if text in SIZES:
        return SIZES[text]
    units = {"k": 1_000, "K": 1_000, "M": 1_000_000}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main(argv: list[str] | None = None) -> int:
    """Write a corpus of the given size."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", default="10k")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--first", type=int, default=0, help="number of the first record")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    write_corpus(args.out, taxonomy, parse_size(args.size), seed=args.seed, first=args.first)
    print(f"wrote {args.out} ({pq.ParquetFile(args.out).metadata.num_rows} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
