"""Emerging terms: candidate technology phrases not in the taxonomy, per ISO week, with bursts.

Two steps, so a weekly scan pays only for what is new: `record_candidates` turns each record
into its candidate phrases (a pure function of the record's text, which the scan keeps by content
hash in the workspace); `aggregate_emerging` counts them per ISO week in DuckDB over the records of
a window of weeks and computes growth and Kleinberg burst weights for the terms seen often enough.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from horizon.schemas import Sharing
from nlp.candidates import record_candidates
from nlp.emerging_counts import KeptHits, WindowHits
from nlp.nesting import c_values
from nlp.normalize import normalize_term
from nlp.ranking import rank_terms
from nlp.termhood import (
    document_ratio,
    head_selectivity,
    head_termhood,
)

#: Weeks of publication dates looked at, ending with the week of `as_of` (three years): emerging
#: means recent, and the cost follows the intake of those weeks, not the whole corpus.
WINDOW_WEEKS = 156
EMERGING_COLUMNS = [
    "term", "language", "domain_hint", "first_seen_date", "weeks", "sources", "count", "growth",
    "burst_weight", "record_ids", "sharing",
]  # fmt: skip


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


def aggregate_emerging(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    recs: pd.DataFrame,
    taxonomy: Taxonomy,
    **options: Any,
) -> pd.DataFrame:
    """Emerging terms from the candidate rows `candidates` (a SQL relation) of the records `recs`,
    counted from scratch; `options` are those of `rank_window`.

    `recs` comes from `window_records`; a candidate row counts when its record id and content hash
    match one of them.
    """
    if recs.empty:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    return rank_window(WindowHits(con, candidates, recs, first_week_of(recs)), recs, taxonomy,
                       **options)  # fmt: skip


def first_week_of(recs: pd.DataFrame) -> dt.date:
    """Monday of the week of the window's earliest record (`window_records`, not empty)."""
    return _week_start(pd.Timestamp(recs["day"].min()).date())


def rank_window(
    counts: WindowHits | KeptHits,
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
    """Emerging terms from the window's counts (`nlp.emerging_counts`) of the records `recs`
    (`window_records`, not empty): the same terms whichever way the counts are kept.

    Candidates in fewer than `min_records` documents or `min_sources` sources, known to the
    taxonomy (or a sub- or super-phrase of a known term), `rejected`, mostly nested in longer
    candidates (C-value) or spread like boilerplate are dropped. `hints(record_ids)` gives each
    record's main taxonomy domain (for `domain_hint` and the boilerplate test). The rest are
    ranked by `emerging_score` (see `rank_terms`), burst measured per source.
    """
    first_week = first_week_of(recs)
    last_week = _week_start(as_of)
    n_bins = (last_week - first_week).days // 7 + 1
    bins = [first_week + dt.timedelta(weeks=i) for i in range(n_bins)]
    eligible = counts.eligible(min_records, min_sources)
    if eligible.empty:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    # plain Python strings: the phrases are walked one by one below
    eligible = eligible.astype({"term": object, "language": object})
    freq = eligible["n"].to_numpy(float)
    marks = counts.term_marks(eligible, taxonomy)
    lengths = marks["length"].to_numpy(float)
    cvalue, nested_max = c_values(
        eligible["term"], eligible["language"], freq, marks["pieces"], lengths
    )
    termhood = _termhood(eligible, marks)
    keyphrase, countable = (
        _english_ratio(eligible, "about"),
        _english_ratio(eligible, "counted"),
    )
    keep = ~marks["known"].to_numpy(dtype=bool)
    if rejected:
        keep &= ~eligible["term"].map(normalize_term).isin(set(rejected)).to_numpy()
    # a term must stand on its own, outside longer candidates, in min_records documents, and
    # mostly: a phrase found inside one longer candidate in half its documents or more is a
    # fragment of that candidate ("multiple input" of "multiple input multiple output")
    keep &= cvalue >= min_records * np.log2(np.maximum(lengths, 2))
    keep &= freq - nested_max > freq / 2
    eligible = eligible[keep].assign(
        cvalue=cvalue[keep],
        termhood=termhood[keep],
        keyphrase=keyphrase[keep],
        countable=countable[keep],
        mods=marks["mods"].to_numpy()[keep],
        variant=marks["variant"].to_numpy()[keep],
    )
    eligible["selectivity"] = _selectivity(eligible, counts)
    eligible = eligible.reset_index(drop=True)
    if eligible.empty:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    eligible["k"] = np.arange(len(eligible))
    cells = counts.cells(eligible)
    hint_of = hints(list(recs["record_id"])) if hints is not None else {}
    eligible = rank_terms(
        eligible, cells, recs, first_week, n_bins, recent_weeks, hint_of,
        lambda dom: counts.domain_pairs(eligible, dom),
    )  # fmt: skip
    top = eligible.head(limit)
    detail = counts.detail(top)
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


def _termhood(eligible: pd.DataFrame, marks: pd.DataFrame) -> np.ndarray:
    """Head termhood (`nlp.termhood`) of the English candidates, learnt over all of them (the
    known ones included); 1 for Japanese, whose compounds have no head here."""
    out = np.ones(len(eligible))
    english = (eligible["language"] == "en").to_numpy()
    if english.any():
        out[english] = head_termhood(
            pd.Series(marks["head"].to_numpy()[english]),
            marks["labelled"].to_numpy(dtype=bool)[english],
        )
    return out


def _selectivity(eligible: pd.DataFrame, counts: WindowHits | KeptHits) -> np.ndarray:
    """`nlp.termhood.head_selectivity` of the English candidates, against every English candidate
    phrase in the window's records; 1 for Japanese."""
    out = np.ones(len(eligible))
    english = (eligible["language"] == "en").to_numpy()
    if english.any():
        part = eligible[english]
        totals = counts.modifier_totals(part["mods"].unique())
        out[english] = head_selectivity(
            part["term"], part["n"].to_numpy(), totals.set_index("mods")["n"], part["mods"]
        )
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
