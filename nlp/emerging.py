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
from nlp.normalize import detect_language, normalize_text

#: Candidate terms per burst computation (terms × weeks float matrices stay a few hundred MB).
BURST_CHUNK = 2000
#: Weeks of publication dates looked at, ending with the week of `as_of` (three years): emerging
#: means recent, and the cost follows the intake of those weeks, not the whole corpus.
WINDOW_WEEKS = 156
CANDIDATE_COLUMNS = ["record_id", "content_sha256", "term", "language"]
EMERGING_COLUMNS = [
    "term", "language", "domain_hint", "first_seen_date", "weeks", "sources", "count", "growth",
    "burst_weight", "record_ids", "sharing",
]  # fmt: skip
_WORD = re.compile(r"[a-z][a-z0-9+]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9]*")
#: Title and body are separate clauses: a phrase never runs from a title's end into the body.
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"/\n]+")
#: The demo corpus marks every title and text ("[DEMO]", "Demo study of …", "【デモ】",
#: "デモデータ"); the mark names no technology, so no candidate phrase holds it.
DEMO_WORDS = frozenset({"demo", "デモ"})
_STOP = ENGLISH_STOP_WORDS | DEMO_WORDS | {
    "using", "based", "new", "paper", "propose", "proposed", "method", "methods", "results",
    "approach", "study", "show", "shows", "use", "used", "novel", "model", "models", "data",
    "different", "various", "high", "low", "large", "small", "performance", "present", "work",
}  # fmt: skip
_JA_OK = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fffa-z]")


@lru_cache(maxsize=1)
def _sudachi_pos():
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def english_candidates(norm: str, max_n: int = 4) -> set[str]:
    """2- to 4-word phrases without stop words or bare numbers (noun-phrase-ish n-grams)."""
    out = set()
    for clause in _CLAUSE.split(norm):
        words = _WORD.findall(clause)
        for i in range(len(words)):
            if words[i] in _STOP:
                continue
            for n in range(2, max_n + 1):
                if i + n > len(words) or words[i + n - 1] in _STOP:
                    break
                out.add(" ".join(words[i : i + n]))
    return out


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
    """
    n = len(records)
    shas = records["content_sha256"] if "content_sha256" in records else [""] * n
    texts = records["text"] if "text" in records else [""] * n
    ids, hashes, terms, langs = [], [], [], []
    for rid, sha, title, text in zip(
        records["record_id"], shas, records["title"], texts, strict=False
    ):
        full = record_text(title, text)
        norm, _ = normalize_text(full)
        lang = "ja" if detect_language(full) == "ja" else "en"
        cands = japanese_candidates(norm) if lang == "ja" else english_candidates(norm)
        ids += [rid] * len(cands)
        hashes += [sha or ""] * len(cands)
        terms += sorted(cands)
        langs += [lang] * len(cands)
    return pd.DataFrame(
        {"record_id": ids, "content_sha256": hashes, "term": terms, "language": langs},
        columns=CANDIDATE_COLUMNS,
    )


def window_records(
    records: pd.DataFrame, as_of: dt.date, weeks: int = WINDOW_WEEKS
) -> pd.DataFrame:
    """record_id, content_sha256, day, source, sharing of the dated records inside the window."""
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
    return pd.DataFrame(
        {
            "record_id": records["record_id"].to_numpy()[keep],
            "content_sha256": pd.Series(col("content_sha256", "")).fillna("").to_numpy(),
            "day": day.to_numpy()[keep].astype("datetime64[D]"),
            "source": pd.Series(col("source", "unknown")).fillna("unknown").astype(str).to_numpy(),
            "sharing": pd.Series(col("sharing", "CLEAR")).fillna("RED").astype(str).to_numpy(),
        }
    )


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
) -> pd.DataFrame:
    """Emerging terms from the candidate rows `candidates` (a SQL relation) of the records `recs`.

    `recs` comes from `window_records`; a candidate row counts when its record id and content hash
    match one of them. `hints(record_ids)` gives each record's main taxonomy domain (for
    `domain_hint`), asked only for the records of the terms returned.
    """
    if recs.empty:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    first_week = _week_start(pd.Timestamp(recs["day"].min()).date())
    last_week = _week_start(as_of)
    n_bins = (last_week - first_week).days // 7 + 1
    bins = [first_week + dt.timedelta(weeks=i) for i in range(n_bins)]
    known = pd.DataFrame({"term": sorted(term_index_for(taxonomy).keys)})
    con.register("window_recs", recs)
    con.register("known_terms", known)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE hits AS
            SELECT DISTINCT c.term, c.language, r.record_id,
                   (date_diff('day', ?::DATE, date_trunc('week', r.day)::DATE) // 7)::INTEGER AS week
            FROM ({candidates}) c JOIN window_recs r
              ON c.record_id = r.record_id AND coalesce(c.content_sha256, '') = r.content_sha256
            WHERE c.term <> '' AND c.term NOT IN (SELECT term FROM known_terms)
            """,
            [first_week],
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE eligible AS
            SELECT row_number() OVER (ORDER BY term, language) - 1 AS k, term, language, n
            FROM (SELECT term, language, count(*) AS n FROM hits GROUP BY term, language
                  HAVING count(*) >= ?)
            """,
            [min_records],
        )
        eligible = con.execute("SELECT k, term, language, n FROM eligible ORDER BY k").df()
        if eligible.empty:
            return pd.DataFrame(columns=EMERGING_COLUMNS)
        cells = con.execute(
            "SELECT e.k, h.week, count(*) AS n FROM hits h JOIN eligible e"
            " USING (term, language) GROUP BY e.k, h.week"
        ).fetchnumpy()
        totals = np.bincount(
            ((recs["day"].to_numpy().astype("datetime64[D]") - np.datetime64(first_week, "D"))
             .astype(np.int64) // 7),
            minlength=n_bins,
        )  # fmt: skip
        weights = np.zeros(len(eligible))
        recent = np.zeros(len(eligible))
        before = np.zeros(len(eligible))
        recent_start = n_bins - recent_weeks
        order = np.argsort(cells["k"], kind="stable")
        ks, wk, cnt = cells["k"][order], cells["week"][order], cells["n"][order]
        for start in range(0, len(eligible), BURST_CHUNK):
            rows = min(BURST_CHUNK, len(eligible) - start)
            lo, hi = np.searchsorted(ks, [start, start + rows])
            counts = np.zeros((rows, n_bins))
            np.add.at(counts, (ks[lo:hi] - start, wk[lo:hi]), cnt[lo:hi])
            weights[start : start + rows] = burst_weights(counts, totals)
            recent[start : start + rows] = counts[:, max(recent_start, 0) :].sum(axis=1)
            before[start : start + rows] = counts[
                :, max(recent_start - recent_weeks, 0) : max(recent_start, 0)
            ].sum(axis=1)
        eligible["burst_weight"] = weights
        eligible["growth"] = (recent - before) / np.maximum(before, 1)
        top = eligible.sort_values(
            ["burst_weight", "n", "term"], ascending=[False, False, True]
        ).head(limit)
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
        for name in ("window_recs", "known_terms", "top_terms"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    detail = detail.drop_duplicates(["k", "record_id"])
    hint_of = hints(sorted(set(detail["record_id"]))) if hints is not None else {}
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
) -> pd.DataFrame:
    """Candidate phrases not in the taxonomy, with weekly counts, growth and Kleinberg burst weight.

    Records are those published in the `window_weeks` ISO weeks up to `as_of`; later or undated
    ones are ignored. `growth` = (documents in the last `recent_weeks` weeks − the weeks before
    them) / max(the weeks before, 1).
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
        )  # fmt: skip
    finally:
        con.close()
