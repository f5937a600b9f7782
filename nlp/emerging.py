"""Emerging terms: candidate technology phrases not in the taxonomy, per ISO week, with bursts.

Two steps, so a weekly scan pays only for what is new: `record_candidates` turns each record
into its candidate phrases (a pure function of the record's text, which the scan keeps by content
hash in the workspace); `aggregate_emerging` counts them per ISO week in DuckDB over the records of
a window of weeks and computes growth and Kleinberg burst weights for the terms seen often enough.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sudachipy import Dictionary, SplitMode

from horizon.config.taxonomy import Taxonomy
from horizon.schemas import Sharing
from nlp.burst import burst_weights
from nlp.extract import record_text, term_index_for
from nlp.normalize import detect_language, normalize_term, normalize_text
from nlp.termhood import document_ratio, ends_with_known, head_termhood, head_word
from nlp.termhood import singular as _singular

#: Candidate terms per burst computation (terms × weeks float matrices stay a few hundred MB).
BURST_CHUNK = 2000
#: Weeks of publication dates looked at, ending with the week of `as_of` (three years): emerging
#: means recent, and the cost follows the intake of those weeks, not the whole corpus.
WINDOW_WEEKS = 156
#: Half-life, in weeks, of a term's recency weight in the ranking (a quarter).
RECENCY_HALF_LIFE_WEEKS = 13
#: Jensen–Shannon divergence (bits) from the corpus's spread over domains below which a phrase is
#: boilerplate. Chosen by looking at
#: the arXiv benchmark (benchmarks/bench_emerging.py): "real world", "extensive experiments",
#: "closed form", "lower bound" sit at 0.10–0.16, phrases of one field at 0.35–0.75.
BOILERPLATE_DIVERGENCE = 0.3
#: Share of a term's documents that have a taxonomy domain, below which it does not lean to any
#: technology (game theory, White House letterheads): half, a round figure.
MIN_DOMAIN_SHARE = 0.5
CANDIDATE_COLUMNS = ["record_id", "content_sha256", "term", "language", "keyphrase", "countable"]
EMERGING_COLUMNS = [
    "term", "language", "domain_hint", "first_seen_date", "weeks", "sources", "count", "growth",
    "burst_weight", "record_ids", "sharing",
]  # fmt: skip
_WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ0-9+]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9]*")
#: Title and body are separate clauses: a phrase never runs from a title's end into the body.
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"/\n]+")
#: The demo corpus marks every title and text ("[DEMO]", "Demo study of …", "【デモ】",
#: "デモデータ"); the mark names no technology, so no candidate phrase holds it.
DEMO_WORDS = frozenset({"demo", "デモ"})
_STOP = ENGLISH_STOP_WORDS | DEMO_WORDS | {
    "using", "based", "new", "paper", "propose", "proposed", "method", "methods", "results",
    "approach", "study", "show", "shows", "use", "used", "novel", "models",
    "different", "various", "performance", "present", "work",
    "achieve", "achieves", "demonstrate", "demonstrates", "outperform", "outperforms", "enable",
    "enables", "introduce", "introduces", "allow", "allows", "provide", "provides", "leverage",
    "leverages", "improve", "improves", "significantly", "via", "respectively", "existing",
    "framework", "task", "tasks", "problem", "problems", "effective", "efficient", "key", "e.g",
    "i.e", "et", "al", "state", "art", "recent", "recently", "specific", "given", "make",
}  # fmt: skip
#: Modifiers that may open or sit inside a term ("low density parity check", "high entropy
#: alloy") but never end one.
_MODIFIER = {
    "high", "low", "large", "small", "multi", "non", "self", "ultra", "semi", "model", "data",
}  # fmt: skip
#: LaTeX accents in abstracts (moir\'e, Cram\'er): the letter is kept, the command dropped.
_LATEX_ACCENT = re.compile(r"\\[`'^\"~=.]\{?([a-z])\}?")
#: Word endings that mark a verb or adverb form rather than a noun-phrase word (the boundary rule
#: of a linguistic filter, here without a tagger): "-ly" adverbs anywhere, "-ed" participles as
#: the head (last word) of a phrase.
_ADVERB = re.compile(r".{3,}ly$")
_PARTICIPLE = re.compile(r".{3,}ed$")
_JA_OK = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fffa-z]")
#: A hyphen inside a word ("non-convex", "multi-turn", "token-level"): the compound is one word of
#: the text, kept whole as words joined by "_" (the normaliser would split it at the hyphen).
#: English hyphenates compounds mostly as premodifiers, so a candidate never holds part of one and
#: is never one alone (the (Adj|Noun)+ Noun pattern of Justeson & Katz 1995 counts it as one token).
_HYPHEN = re.compile(r"(?<=[^\W_])[-\u2010\u2011](?=[^\W_])")
_TOKEN = re.compile(rf"(?:{_WORD.pattern})(?:_(?:{_WORD.pattern}))*")


@lru_cache(maxsize=1)
def _sudachi_pos():
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def english_candidates(norm: str, max_n: int = 4) -> set[str]:
    """Windows of 2+ tokens and 2-4 words, noun-phrase-like: no stop word, adverb or bare number
    inside, no participle as the head (the candidate extraction of C-value, Frantzi et al. 2000,
    with word lists and endings standing in for the part-of-speech filter). A hyphenated compound
    (words joined by "_" in `norm`) is one token, stopped by any stop word in it."""
    return set(english_windows(norm, max_n)[0])


def english_windows(norm: str, max_n: int = 4) -> tuple[dict[str, int], set[str]]:
    """`english_candidates` with the number of times each occurs in `norm`, and those that occur
    right after an indefinite article ("a", "an")."""
    out: dict[str, int] = {}
    countable: set[str] = set()
    for clause in _CLAUSE.split(_LATEX_ACCENT.sub(r"\1", norm)):
        tokens = _TOKEN.findall(clause)
        kinds = [_token_kind(t) for t in tokens]
        for i in range(len(tokens)):
            if kinds[i] is None:
                continue
            words = kinds[i][0]
            article = i > 0 and tokens[i - 1] in ("a", "an")
            for j in range(i + 1, min(i + max_n, len(tokens))):
                if kinds[j] is None or (words := words + kinds[j][0]) > max_n:
                    break
                if kinds[j][1]:
                    term = " ".join(tokens[i : j + 1]).replace("_", " ")
                    out[term] = out.get(term, 0) + 1
                    if article:
                        countable.add(term)
    return out, countable


@lru_cache(maxsize=65536)
def _token_kind(token: str) -> tuple[int, bool] | None:
    """None for a token (a word, or a hyphenated compound's words joined by "_") no candidate
    holds; else its number of words and whether it may end a candidate (head)."""
    words = token.split("_")
    if any(w in _STOP for w in words) or _ADVERB.match(words[-1]) or sum(map(len, words)) < 2:
        return None
    return len(words), not _PARTICIPLE.match(words[-1]) and words[-1] not in _MODIFIER


def _english_marks(text: str) -> tuple[dict[str, int], set[str]]:
    """`english_windows` of a raw text (a hyphen inside a word kept as "_")."""
    return english_windows(normalize_text(_HYPHEN.sub("_", text))[0])


def japanese_candidates(norm: str) -> set[str]:
    """Compound nouns from one Sudachi pass: runs of 2+ nouns (numbers excluded), 3+ characters."""
    out = set()
    run: list[str] = []
    for m in [*_sudachi_pos().tokenize(norm[:8000]), None]:
        pos = m.part_of_speech() if m is not None else ("",)
        surface = m.surface() if m is not None else ""
        noun = pos[0] in ("名詞", "接頭辞") and pos[1] != "数詞" and surface not in DEMO_WORDS
        if noun and _JA_OK.search(surface):
            run.append(m.surface())
            continue
        if len(run) >= 2 and len("".join(run)) >= 3:
            out.add("".join(run))
        run = []
    return out


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def window_start(as_of: dt.date, weeks: int = WINDOW_WEEKS) -> dt.date:
    """Monday of the first week of the window that ends with the week of `as_of`."""
    return _week_start(as_of) - dt.timedelta(weeks=weeks - 1)


def _most_restrictive(labels: set[str]) -> str:
    parsed = []
    for label in labels:
        try:
            parsed.append(Sharing.parse(str(label)))
        except ValueError:
            parsed.append(Sharing.red)
    return max(parsed, key=lambda s: s.level).value if parsed else Sharing.clear.value


def record_candidates(records: pd.DataFrame) -> pd.DataFrame:
    """Candidate phrases of each record (`CANDIDATE_COLUMNS`), taxonomy terms included.

    Depends on the record's title and text only, so it can be kept by content hash; whether a
    phrase is already a taxonomy term is decided when counting (the taxonomy changes, texts do not).
    `keyphrase`: the English record is about the phrase, which is in its title or occurs twice or
    more; `countable`: "a" or "an" stands right before it (`nlp.termhood`'s keyphraseness and
    countability); both False for Japanese, whose compounds are not weighed so.
    """
    n = len(records)
    shas = records["content_sha256"] if "content_sha256" in records else [""] * n
    texts = records["text"] if "text" in records else [""] * n
    ids, hashes, terms, langs, about, count = [], [], [], [], [], []
    for rid, sha, title, text in zip(
        records["record_id"], shas, records["title"], texts, strict=False
    ):
        full = record_text(title, text)
        lang = "ja" if detect_language(full) == "ja" else "en"
        if lang == "ja":
            cands = sorted(japanese_candidates(normalize_text(full)[0]))
            about += [False] * len(cands)
            count += [False] * len(cands)
        else:
            # title and body apart: the normaliser turns the newline between them into a space
            titled, countable = _english_marks(record_text(title, ""))
            counts, in_body = _english_marks(record_text(text, ""))
            for term, times in titled.items():
                counts[term] = counts.get(term, 0) + times
            countable |= in_body
            cands = sorted(counts)
            about += [counts[t] > 1 or t in titled for t in cands]
            count += [t in countable for t in cands]
        ids += [rid] * len(cands)
        hashes += [sha or ""] * len(cands)
        terms += cands
        langs += [lang] * len(cands)
    return pd.DataFrame(
        {"record_id": ids, "content_sha256": hashes, "term": terms, "language": langs,
         "keyphrase": np.array(about, dtype=bool), "countable": np.array(count, dtype=bool)},
        columns=CANDIDATE_COLUMNS,
    )  # fmt: skip


def record_stream(source: str, codes: object) -> str:
    """The stream a record's burst baseline is counted in: its source, and within an arXiv source
    its primary category (the first of `codes.arxiv`; `codes` as a dict or its JSON text)."""
    if isinstance(codes, str):
        if '"arxiv": []' in codes or '"arxiv"' not in codes:  # most records: no parse needed
            return source
        try:
            codes = json.loads(codes)
        except ValueError:
            codes = None
    arxiv = codes.get("arxiv") if isinstance(codes, dict) else None
    return f"{source}/{arxiv[0]}" if arxiv else source


def window_records(
    records: pd.DataFrame, as_of: dt.date, weeks: int = WINDOW_WEEKS
) -> pd.DataFrame:
    """record_id, content_sha256, day, source, stream (`record_stream`, from `codes` where the
    records carry it) and sharing of the dated records inside the window."""
    n = len(records)
    day = pd.to_datetime(
        records["published_date"] if "published_date" in records else pd.Series([None] * n),
        errors="coerce",
    )
    keep = (day >= pd.Timestamp(window_start(as_of, weeks))) & (day <= pd.Timestamp(as_of))
    keep = keep.fillna(False).to_numpy(dtype=bool)
    col = lambda name, default: (  # noqa: E731
        records[name].to_numpy()[keep] if name in records else np.full(int(keep.sum()), default)
    )
    source = pd.Series(col("source", "unknown")).fillna("unknown").astype(str).to_numpy()
    codes = col("codes", None)
    return pd.DataFrame(
        {
            "record_id": records["record_id"].to_numpy()[keep],
            "content_sha256": pd.Series(col("content_sha256", "")).fillna("").to_numpy(),
            "day": day.to_numpy()[keep].astype("datetime64[D]"),
            "source": source,
            "stream": [record_stream(s, c) for s, c in zip(source, codes, strict=True)],
            "sharing": pd.Series(col("sharing", "CLEAR")).fillna("RED").astype(str).to_numpy(),
        }
    )


def _known_phrases(taxonomy: Taxonomy) -> tuple[set[str], set[str]]:
    """Taxonomy terms as candidate strings (English as words, Japanese as written; abbreviations
    as "abbr:" + lower case), and every contiguous part of them: a candidate equal to a part is a
    sub-phrase of a known term."""
    whole, parts = set(), set()
    for domain in taxonomy.domains:
        for sub in domain.subtechs:
            whole.update("abbr:" + a.lower() for a in sub.terms.abbr if len(a) >= 3)
    for key in term_index_for(taxonomy).keys:
        key = normalize_term(key)
        if _JA_OK.search(key) and re.search(r"[\u3040-\u9fff]", key):
            whole.add(key)
            parts.update(key[i:j] for i in range(len(key)) for j in range(i + 2, len(key) + 1))
            continue
        words = _WORD.findall(key.lower())
        whole.add(" ".join(words))
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                parts.add(" ".join(words[i:j]))
                parts.add(" ".join(_singular(w) for w in words[i:j]))
    return whole, parts


def _pieces(term: str, japanese: bool) -> list[str]:
    """Contiguous parts of a candidate shorter than it (words, or characters for Japanese)."""
    if japanese:
        return [term[i:j] for i in range(len(term)) for j in range(i + 2, len(term) + 1)
                if j - i < len(term)]  # fmt: skip
    words = term.split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
            if j - i < len(words)]  # fmt: skip


def _elided(taxonomy: Taxonomy) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """English taxonomy terms of 3+ words (singular) by their first and last word."""
    out: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for key in term_index_for(taxonomy).keys:
        words = tuple(_singular(w) for w in _WORD.findall(normalize_term(key).lower()))
        if len(words) >= 3:
            out.setdefault((words[0], words[-1]), []).append(words)
    return out


def _is_elision(words: tuple[str, ...], known: list[tuple[str, ...]]) -> bool:
    """The candidate is a known term with inner words left out ("adversarial learning" of
    "adversarial machine learning", "dna storage" of "dna data storage"): an elision variant
    (Jacquemin 2001, FASTR's insertion and elision variants of a term)."""
    for term in known:
        if len(term) <= len(words):
            continue
        it = iter(term)
        if all(w in it for w in words):  # an ordered subsequence
            return True
    return False


def fold_known(terms: pd.Series, languages: pd.Series, taxonomy: Taxonomy) -> np.ndarray:
    """True where a candidate is a taxonomy term, a variant (plural, elision), a sub-phrase or a
    super-phrase of one (so not a new technology)."""
    whole, parts = _known_phrases(taxonomy)
    elided = _elided(taxonomy)
    out = np.zeros(len(terms), dtype=bool)
    for i, (term, lang) in enumerate(zip(terms, languages, strict=False)):
        japanese = lang == "ja"
        variant = term if japanese else " ".join(_singular(w) for w in term.split())
        singular = tuple(variant.split())
        elision = (
            not japanese
            and len(singular) >= 2
            and _is_elision(singular, elided.get((singular[0], singular[-1]), []))
        )
        if term in parts or variant in parts or elision:
            out[i] = True
        elif not japanese and len(words := term.split()) >= 3:
            # an abbreviation's spelled-out form: "multiple input multiple output" for MIMO
            initials = "".join(w[0] for w in words)
            out[i] = "abbr:" + initials in whole or any(
                p in whole for p in _pieces(term, False) + _pieces(variant, False)
            )
        elif japanese:
            out[i] = any(p in whole for p in _pieces(term, True))
        else:
            out[i] = any(p in whole for p in _pieces(term, False) + _pieces(variant, False))
    return out


def c_values(
    terms: pd.Series, languages: pd.Series, freqs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """C-value (Frantzi, Ananiadou & Mima 2000): log2|a| · (f(a) − mean f(b) over the longer
    candidates b that contain a), f = documents. Japanese length |a| is characters / 2 (about
    one word per two characters in compound nouns). Also returns, per candidate, the frequency of
    the most frequent longer candidate containing it."""
    index = {(t, lang): i for i, (t, lang) in enumerate(zip(terms, languages, strict=False))}
    nested_sum = np.zeros(len(terms))
    nested_n = np.zeros(len(terms))
    nested_max = np.zeros(len(terms))
    for i, (term, lang) in enumerate(zip(terms, languages, strict=False)):
        for piece in set(_pieces(term, lang == "ja")):
            j = index.get((piece, lang))
            if j is not None:
                nested_sum[j] += freqs[i]
                nested_n[j] += 1
                nested_max[j] = max(nested_max[j], freqs[i])
    length = np.array(
        [
            max(len(t) / 2, 2) if lang == "ja" else len(t.split())
            for t, lang in zip(terms, languages, strict=False)
        ]
    )
    own = freqs - np.where(nested_n > 0, nested_sum / np.maximum(nested_n, 1), 0.0)
    return np.log2(length) * own, nested_max


def spread_divergence(term_counts: np.ndarray, corpus_counts: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (bits, 0..1) of each row's distribution over the columns
    (domains) from the whole corpus's: near 0 for a phrase spread the
    way all documents are (boilerplate: "real world", "extensive experiments"), high for one that
    leans to a few."""
    p = term_counts / np.maximum(term_counts.sum(axis=1, keepdims=True), 1)
    q = corpus_counts / max(corpus_counts.sum(), 1)
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log2(a / np.where(b > 0, b, 1)), 0.0).sum(axis=1)

    return (kl(p, m) + kl(np.broadcast_to(q, p.shape), m)) / 2


def aggregate_emerging(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    recs: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    as_of: dt.date,
    hints: Callable[[list[str]], dict[str, str]] | None = None,
    min_records: int = 3,
    recent_weeks: int = 4,
    limit: int = 500,
    min_sources: int = 1,
    rejected: frozenset[str] | set[str] = frozenset(),
) -> pd.DataFrame:
    """Emerging terms from the candidate rows `candidates` (a SQL relation) of the records `recs`.

    `recs` comes from `window_records`; a candidate row counts when its record id and content hash
    match one of them. Candidates in fewer than `min_records` documents or `min_sources` sources,
    known to the taxonomy (or a sub- or super-phrase of a known term), `rejected`, mostly nested
    in longer candidates (C-value) or spread like boilerplate are dropped. `hints(record_ids)`
    gives each record's main taxonomy domain (for `domain_hint` and the boilerplate test). The
    rest are ranked by `emerging_score` (see `rank_terms`), burst measured per source.
    """
    if recs.empty:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    first_week = _week_start(pd.Timestamp(recs["day"].min()).date())
    last_week = _week_start(as_of)
    n_bins = (last_week - first_week).days // 7 + 1
    bins = [first_week + dt.timedelta(weeks=i) for i in range(n_bins)]
    con.register("window_recs", recs)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE hits AS
            SELECT c.term, c.language, r.record_id, r.source, r.stream,
                   (date_diff('day', ?::DATE, date_trunc('week', r.day)::DATE) // 7)::INTEGER AS week,
                   coalesce(bool_or(c.keyphrase), false) AS keyphrase,
                   coalesce(bool_or(c.countable), false) AS countable
            FROM ({candidates}) c JOIN window_recs r
              ON c.record_id = r.record_id AND coalesce(c.content_sha256, '') = r.content_sha256
            WHERE c.term <> ''
            GROUP BY ALL
            """,
            [first_week],
        )
        eligible = con.execute(
            """
            SELECT term, language, count(DISTINCT record_id) AS n, count(DISTINCT source) AS s,
                   count(*) FILTER (WHERE keyphrase) AS about,
                   count(*) FILTER (WHERE countable) AS counted
            FROM hits GROUP BY term, language
            HAVING count(DISTINCT record_id) >= ? AND count(DISTINCT source) >= ?
            ORDER BY term, language
            """,
            [min_records, min_sources],
        ).df()
        if eligible.empty:
            return pd.DataFrame(columns=EMERGING_COLUMNS)
        freq = eligible["n"].to_numpy(float)
        cvalue, nested_max = c_values(eligible["term"], eligible["language"], freq)
        termhood = _termhood(eligible, taxonomy)
        keyphrase, countable = (
            _english_ratio(eligible, "about"),
            _english_ratio(eligible, "counted"),
        )
        keep = ~fold_known(eligible["term"], eligible["language"], taxonomy)
        keep &= ~eligible["term"].map(normalize_term).isin(set(rejected)).to_numpy()
        # a term must stand on its own, outside longer candidates, in min_records documents, and
        # mostly: a phrase found inside one longer candidate in half its documents or more is a
        # fragment of that candidate ("multiple input" of "multiple input multiple output")
        keep &= cvalue >= min_records * np.log2(np.maximum(_lengths(eligible), 2))
        keep &= freq - nested_max > freq / 2
        eligible = eligible[keep].assign(
            cvalue=cvalue[keep],
            termhood=termhood[keep],
            keyphrase=keyphrase[keep],
            countable=countable[keep],
        )
        eligible = eligible.reset_index(drop=True)
        if eligible.empty:
            return pd.DataFrame(columns=EMERGING_COLUMNS)
        eligible["k"] = np.arange(len(eligible))
        con.register("eligible_terms", eligible[["k", "term", "language"]])
        cells = con.execute(
            "SELECT e.k, h.source, h.stream, h.week, count(*) AS n FROM hits h"
            " JOIN eligible_terms e USING (term, language) GROUP BY e.k, h.source, h.stream, h.week"
        ).df()
        hint_of = hints(list(recs["record_id"])) if hints is not None else {}
        eligible = rank_terms(eligible, cells, recs, first_week, n_bins, recent_weeks, hint_of, con)
        top = eligible.head(limit)
        con.register("top_terms", top[["k", "term", "language"]])
        detail = con.execute(
            """
            SELECT t.k, h.record_id, h.week, r.day, r.source, r.sharing
            FROM hits h JOIN top_terms t USING (term, language)
            JOIN window_recs r USING (record_id)
            ORDER BY t.k, r.day, h.record_id
            """
        ).df()
    finally:
        for name in ("window_recs", "top_terms", "eligible_terms", "term_hints"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    detail = detail.drop_duplicates(["k", "record_id"])
    groups = dict(tuple(detail.groupby("k", sort=False)))
    rows = []
    for row in top.itertuples(index=False):
        group = groups[row.k]
        weeks = Counter(bins[w] for w in group["week"])
        hint = Counter(hint_of[r] for r in group["record_id"] if r in hint_of)
        rows.append(
            {
                "term": row.term,
                "language": row.language,
                "domain_hint": hint.most_common(1)[0][0] if hint else None,
                "first_seen_date": pd.Timestamp(group["day"].min()).date(),
                "weeks": json.dumps({_iso_week(w): n for w, n in sorted(weeks.items())}),
                "sources": json.dumps(
                    dict(sorted(Counter(group["source"]).items(), key=lambda kv: (-kv[1], kv[0])))
                ),
                "count": int(row.n),
                "growth": float(row.growth),
                "burst_weight": float(row.burst_weight),
                "record_ids": json.dumps(list(group["record_id"].head(5))),
                "sharing": _most_restrictive(set(group["sharing"])),
            }
        )
    frame = pd.DataFrame(rows, columns=EMERGING_COLUMNS)
    return frame.reset_index(drop=True)


def _known_words(taxonomy: Taxonomy) -> set[tuple[str, ...]]:
    """The taxonomy's non-Japanese terms as tuples of singular words."""
    out = set()
    for key in term_index_for(taxonomy).keys:
        key = normalize_term(key)
        if not re.search(r"[\u3040-\u9fff]", key) and (words := _WORD.findall(key.lower())):
            out.add(tuple(_singular(w) for w in words))
    return out


def _termhood(eligible: pd.DataFrame, taxonomy: Taxonomy) -> np.ndarray:
    """Head termhood (`nlp.termhood`) of the English candidates, learnt over all of them (the
    known ones included); 1 for Japanese, whose compounds have no head here."""
    out = np.ones(len(eligible))
    english = (eligible["language"] == "en").to_numpy()
    if english.any():
        terms = eligible["term"][english]
        labelled = ends_with_known(terms, _known_words(taxonomy))
        out[english] = head_termhood(terms.map(head_word), labelled)
    return out


def _english_ratio(eligible: pd.DataFrame, marked: str) -> np.ndarray:
    """`nlp.termhood.document_ratio` of the English candidates' documents counted in column
    `marked`, fitted over all of them (the known ones included); 1 for Japanese."""
    out = np.ones(len(eligible))
    english = (eligible["language"] == "en").to_numpy()
    if english.any():
        part = eligible[english]
        out[english] = document_ratio(part[marked].to_numpy(), part["n"].to_numpy())
    return out


def _lengths(frame: pd.DataFrame) -> np.ndarray:
    return np.array(
        [
            max(len(t) / 2, 2) if lang == "ja" else len(t.split())
            for t, lang in zip(frame["term"], frame["language"], strict=False)
        ]
    )


def rank_terms(
    eligible: pd.DataFrame,
    cells: pd.DataFrame,
    recs: pd.DataFrame,
    first_week: dt.date,
    n_bins: int,
    recent_weeks: int,
    hint_of: dict[str, str],
    con: duckdb.DuckDBPyConnection,
    keep_all: bool = False,
) -> pd.DataFrame:
    """`eligible` (k, term, language, n, cvalue, termhood, keyphrase, countable) with burst_weight, growth, recency,
    spread and emerging_score, boilerplate dropped, best first.

    burst_weight: the largest Kleinberg weight of the term's weekly documents in one source
    against the count expected from that source's streams (`stream_bursts`: a stream that grows,
    or a week whose sample holds more of one arXiv category, raises its baseline, not its terms'
    bursts). Terms that burst and whose head makes them at least as likely as the average
    candidate to name a technology (termhood ≥ 1, `nlp.termhood`) come first (emerging means
    rising; a rising metric or filler phrase earns no precedence), each group by
    emerging_score = C-value × termhood × keyphrase × countable × (1 + burst_weight) × recency
    (keyphrase, countable: `nlp.termhood.document_ratio`), recency = 2^(−age /
    RECENCY_HALF_LIFE_WEEKS) for the age in weeks of the term's median document. Of a plural and
    its singular only the better placed is kept. growth: `_growth`, against the same expectation.
    """
    weeks = (
        (recs["day"].to_numpy().astype("datetime64[D]") - np.datetime64(first_week, "D"))
        .astype(np.int64) // 7
    )  # fmt: skip
    rows = len(eligible)
    recent_start = n_bins - recent_weeks
    periods = (max(recent_start - recent_weeks, 0), max(recent_start, 0), n_bins)
    weights, expected = stream_bursts(cells, recs, weeks, n_bins, rows, periods)
    per_week = np.zeros((rows, n_bins))
    np.add.at(per_week, (cells["k"].to_numpy(), cells["week"].to_numpy()), cells["n"].to_numpy())
    recent = per_week[:, periods[1] :].sum(axis=1)
    before = per_week[:, periods[0] : periods[1]].sum(axis=1)
    cumulative = per_week.cumsum(axis=1)
    median_bin = (cumulative >= cumulative[:, -1:] / 2).argmax(axis=1)
    age = n_bins - 1 - median_bin
    out = eligible.assign(
        burst_weight=weights,
        growth=_growth(recent, before, expected),
        recency=np.power(0.5, age / RECENCY_HALF_LIFE_WEEKS),
    )
    out = pd.concat([out, _spread(eligible, recs, hint_of, con).set_index(out.index)],
                    axis=1)  # fmt: skip
    if keep_all:
        return out
    if out["domain_divergence"].notna().any():  # without domain hints nothing is dropped here
        out = out[
            (out["domain_divergence"] >= BOILERPLATE_DIVERGENCE)
            & (out["domain_share"] >= MIN_DOMAIN_SHARE)
        ]
    return order_terms(out)


def _growth(recent: np.ndarray, before: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(recent − before′) / max(before′, 1), before′ = the earlier weeks' documents scaled by how
    the term's streams' volume changed between the two periods (`expected`: rows × [before,
    recent] expected counts; unscaled where nothing was expected before)."""
    scale = np.where(expected[:, 0] > 0, expected[:, 1] / np.maximum(expected[:, 0], 1e-12), 1.0)
    base = before * scale
    return (recent - base) / np.maximum(base, 1)


def stream_bursts(
    cells: pd.DataFrame,
    recs: pd.DataFrame,
    weeks: np.ndarray,
    n_bins: int,
    rows: int,
    periods: tuple[int, int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Per term k < `rows`, the largest over sources of the Kleinberg weight of its weekly
    documents in the source (`cells`: k, source, stream, week, n) against the count expected under
    the week's mix of the source's streams (`recs`: source, stream; `weeks`: each record's bin):
    E_t = Σ_c V_ct · n_c / V_c, V = a stream's documents, n_c = the term's over the window
    (indirect standardisation). A term bursts only when its share within its own stream rises;
    with one stream per source E_t = d_t · Σn / Σd, Kleinberg's constant base rate. Also the
    term's expected documents summed over sources in bins [a, b) and [b, c), `periods` = (a, b, c)
    (rows × 2), for growth."""
    a, b, c = periods
    weights = np.zeros(rows)
    totals = np.zeros((rows, 2))
    for source in sorted(set(recs["source"])):
        mine = (recs["source"] == source).to_numpy()
        names, codes = np.unique(recs["stream"].to_numpy()[mine], return_inverse=True)
        volume = np.zeros((len(names), n_bins))
        np.add.at(volume, (codes, weeks[mine]), 1)
        mix = volume / np.maximum(volume.sum(axis=1, keepdims=True), 1)  # V_ct / V_c
        part = cells[cells["source"] == source]
        k = part["k"].to_numpy()
        stream = np.searchsorted(names, part["stream"].to_numpy())
        ks = np.unique(k)
        for start in range(0, len(ks), BURST_CHUNK):
            chunk = ks[start : start + BURST_CHUNK]
            pos = np.searchsorted(chunk, k)
            inside = (pos < len(chunk)) & (chunk[np.minimum(pos, len(chunk) - 1)] == k)
            n = part["n"].to_numpy()[inside]
            counts = np.zeros((len(chunk), n_bins))
            np.add.at(counts, (pos[inside], part["week"].to_numpy()[inside]), n)
            by_stream = np.zeros((len(chunk), len(names)))
            np.add.at(by_stream, (pos[inside], stream[inside]), n)
            expected = by_stream @ mix
            totals[chunk] += np.stack(
                [expected[:, a:b].sum(axis=1), expected[:, b:c].sum(axis=1)], axis=1
            )
            weights[chunk] = np.maximum(
                weights[chunk], burst_weights(counts, volume.sum(axis=0), expected=expected)
            )
    return weights, totals


def order_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (term, language, n, cvalue, termhood, keyphrase, countable, burst_weight, recency;
    termhood, keyphrase and countable 1 where absent) with `bursting` and
    `emerging_score`, best first (see `rank_terms`); of a plural and its singular the better
    placed stands for both."""
    termhood = frame["termhood"] if "termhood" in frame else pd.Series(1.0, index=frame.index)
    # a phrase's documents as evidence of what it names: a keyphrase of them, a count noun in them
    evidence = frame.get("keyphrase", 1.0) * frame.get("countable", 1.0)
    out = frame.assign(
        bursting=(frame["burst_weight"] > 0) & (termhood >= 1),
        emerging_score=frame["cvalue"] * termhood * evidence * (1 + frame["burst_weight"])
        * frame["recency"],
    ).sort_values(
        ["bursting", "emerging_score", "n", "term"], ascending=[False, False, False, True]
    )  # fmt: skip
    variant = pd.DataFrame(
        {
            "term": [
                t if lang == "ja" else " ".join(_singular(w) for w in t.split())
                for t, lang in zip(out["term"], out["language"], strict=False)
            ],
            "language": out["language"].to_numpy(),
        }
    )
    return out[~variant.duplicated().to_numpy()].reset_index(drop=True)


def _spread(
    eligible: pd.DataFrame,
    recs: pd.DataFrame,
    hint_of: dict[str, str],
    con: duckdb.DuckDBPyConnection,
) -> pd.DataFrame:
    """Per term: divergence from the corpus over domains, records without a domain one more
    column (`domain_divergence`), and the share of its documents that have a domain
    (`domain_share`); NaN without domain hints."""
    rows = len(eligible)
    out = pd.DataFrame(
        {"domain_divergence": np.full(rows, np.nan), "domain_share": np.full(rows, np.nan)}
    )
    if not hint_of:
        return out
    dom = pd.DataFrame(
        {
            "record_id": recs["record_id"].to_numpy(),
            "domain": [hint_of.get(r, "") for r in recs["record_id"]],
        }
    )
    dcodes, dnames = pd.factorize(dom["domain"])
    con.register("term_hints", dom.assign(d=dcodes))
    pairs = con.execute(
        "SELECT e.k, t.d, count(*) AS n FROM hits h JOIN eligible_terms e USING (term, language)"
        " JOIN term_hints t USING (record_id) GROUP BY e.k, t.d"
    ).fetchnumpy()
    term_dom = np.zeros((rows, len(dnames)))
    np.add.at(term_dom, (pairs["k"], pairs["d"]), pairs["n"])
    corpus_dom = np.bincount(dcodes, minlength=len(dnames)).astype(float)
    out["domain_divergence"] = spread_divergence(term_dom, corpus_dom)
    none = [i for i, name in enumerate(dnames) if name == ""]
    hinted = term_dom.sum(axis=1) - (term_dom[:, none].sum(axis=1) if none else 0)
    out["domain_share"] = hinted / np.maximum(term_dom.sum(axis=1), 1)
    return out


def entity_hints(entities: pd.DataFrame) -> Callable[[list[str]], dict[str, str]]:
    """`hints` for `aggregate_emerging` from an entities frame: each record's most frequent domain."""

    def hints(ids: list[str]) -> dict[str, str]:
        if entities.empty or "label" not in entities:
            return {}
        tech = entities[(entities["label"] == "TECH") & entities["record_id"].isin(ids)]
        tech = tech.dropna(subset=["domain"])
        return {rid: g.mode().iat[0] for rid, g in tech.groupby("record_id")["domain"]}

    return hints


def find_emerging_terms(
    records: pd.DataFrame,
    entities: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    as_of: dt.date,
    min_records: int = 3,
    recent_weeks: int = 4,
    limit: int = 500,
    window_weeks: int = WINDOW_WEEKS,
    min_sources: int = 1,
    rejected: frozenset[str] | set[str] = frozenset(),
) -> pd.DataFrame:
    """Candidate phrases not in the taxonomy, with weekly counts, growth and Kleinberg burst weight.

    Records are those published in the `window_weeks` ISO weeks up to `as_of`; later or undated
    ones are ignored. `growth` = (documents in the last `recent_weeks` weeks − b) / max(b, 1), b =
    the documents of the weeks before them scaled by how the volume of the term's streams changed
    (with flat volumes, the documents of the weeks before).
    """
    recs = window_records(records, as_of, window_weeks)
    inside = records[records["record_id"].isin(set(recs["record_id"]))]
    cands = record_candidates(inside)
    if "content_sha256" not in records:
        recs["content_sha256"] = ""
    con = duckdb.connect()
    try:
        con.register("cands", cands)
        return aggregate_emerging(
            con, "SELECT * FROM cands", recs, taxonomy, as_of=as_of, hints=entity_hints(entities),
            min_records=min_records, recent_weeks=recent_weeks, limit=limit,
            min_sources=min_sources, rejected=rejected,
        )  # fmt: skip
    finally:
        con.close()
