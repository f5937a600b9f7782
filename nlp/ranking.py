"""Ranking of emerging-term candidates: per-source bursts, growth, recency, spread over domains."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from nlp.burst import burst_weights
from nlp.nesting import plural_variant

#: Candidate terms per burst computation (terms × weeks float matrices stay a few hundred MB).
BURST_CHUNK = 2000
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


def rank_terms(
    eligible: pd.DataFrame,
    cells: pd.DataFrame,
    recs: pd.DataFrame,
    first_week: dt.date,
    n_bins: int,
    recent_weeks: int,
    hint_of: dict[str, str],
    pairs: Callable[[pd.DataFrame], dict[str, np.ndarray]],
    keep_all: bool = False,
) -> pd.DataFrame:
    """`eligible` (k, term, language, n, cvalue, termhood, keyphrase, countable, selectivity) with
    burst_weight, growth, recency, spread and emerging_score, boilerplate dropped, best first.

    burst_weight: the largest Kleinberg weight of the term's weekly documents in one source
    against the count expected from that source's streams (`stream_bursts`: a stream that grows,
    or a week whose sample holds more of one arXiv category, raises its baseline, not its terms'
    bursts). Terms that burst and whose head makes them at least as likely as the average
    candidate to name a technology (termhood ≥ 1, `nlp.termhood`) come first (emerging means
    rising; a rising metric or filler phrase earns no precedence), each group by
    emerging_score = C-value × termhood × keyphrase × countable × selectivity × (1 + burst_weight)
    × recency (keyphrase, countable: `nlp.termhood.document_ratio`; selectivity:
    `nlp.termhood.head_selectivity`), recency = 2^(−age /
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
    recent, before, median_bin = _week_totals(cells, rows, periods)
    age = n_bins - 1 - median_bin
    out = eligible.assign(
        burst_weight=weights,
        growth=_growth(recent, before, expected),
        recency=np.power(0.5, age / RECENCY_HALF_LIFE_WEEKS),
    )
    out = pd.concat([out, _spread(eligible, recs, hint_of, pairs).set_index(out.index)],
                    axis=1)  # fmt: skip
    if keep_all:
        return out
    if out["domain_divergence"].notna().any():  # without domain hints nothing is dropped here
        out = out[
            (out["domain_divergence"] >= BOILERPLATE_DIVERGENCE)
            & (out["domain_share"] >= MIN_DOMAIN_SHARE)
        ]
    return order_terms(out)


def _week_totals(
    cells: pd.DataFrame, rows: int, periods: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per term k < `rows` (`cells`: k, week, n): its documents in bins [b, c) and [a, b),
    `periods` = (a, b, c), and the first bin by which half of them were published (the median
    document's week), from the cells alone (no terms × weeks matrix)."""
    a, b, _ = periods
    k = cells["k"].to_numpy().astype(np.int64)
    week = cells["week"].to_numpy().astype(np.int64)
    n = cells["n"].to_numpy().astype(float)  # whole counts: sums exact in any order
    recent = np.bincount(k[week >= b], weights=n[week >= b], minlength=rows)
    inside = (week >= a) & (week < b)
    before = np.bincount(k[inside], weights=n[inside], minlength=rows)
    order = np.lexsort((week, k))
    k, week, n = k[order], week[order], n[order]
    running = np.cumsum(n)
    running -= np.concatenate([[0.0], running])[np.searchsorted(k, np.arange(rows))][k]
    total = np.bincount(k, weights=n, minlength=rows)
    # a week's cells of several streams: half is reached within the week it is reached by
    reached = np.flatnonzero(running >= total[k] / 2)
    terms, first = np.unique(k[reached], return_index=True)
    median_bin = np.zeros(rows, dtype=np.int64)
    median_bin[terms] = week[reached[first]]
    return recent, before, median_bin


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
    by_source = dict(tuple(cells.groupby("source", sort=False)))
    for source in sorted(set(recs["source"])):
        part = by_source.get(source)
        if part is None:
            continue
        mine = (recs["source"] == source).to_numpy()
        names, codes = np.unique(recs["stream"].to_numpy()[mine], return_inverse=True)
        volume = np.zeros((len(names), n_bins))
        np.add.at(volume, (codes, weeks[mine]), 1)
        mix = volume / np.maximum(volume.sum(axis=1, keepdims=True), 1)  # V_ct / V_c
        # the source's cells by term, so each chunk of terms is one slice of them
        order = np.argsort(part["k"].to_numpy(), kind="stable")
        k = part["k"].to_numpy()[order]
        week = part["week"].to_numpy()[order].astype(np.int64)
        stream = pd.Index(names).get_indexer(part["stream"].to_numpy())[order]
        n = part["n"].to_numpy()[order].astype(float)  # whole counts: sums exact in any order
        ks, first = np.unique(k, return_index=True)
        bounds = np.append(first, len(k))
        for start in range(0, len(ks), BURST_CHUNK):
            chunk = ks[start : start + BURST_CHUNK]
            rows_of = slice(bounds[start], bounds[start + len(chunk)])
            pos = np.searchsorted(chunk, k[rows_of])
            counts = np.bincount(
                pos * n_bins + week[rows_of], weights=n[rows_of], minlength=len(chunk) * n_bins
            ).reshape(len(chunk), n_bins)
            by_stream = np.bincount(
                pos * len(names) + stream[rows_of],
                weights=n[rows_of],
                minlength=len(chunk) * len(names),
            ).reshape(len(chunk), len(names))
            expected = by_stream @ mix
            totals[chunk] += np.stack(
                [expected[:, a:b].sum(axis=1), expected[:, b:c].sum(axis=1)], axis=1
            )
            weights[chunk] = np.maximum(
                weights[chunk], burst_weights(counts, volume.sum(axis=0), expected=expected)
            )
    return weights, totals


def order_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (term, language, n, cvalue, termhood, keyphrase, countable, selectivity,
    burst_weight, recency; termhood, keyphrase, countable and selectivity 1 where absent) with
    `bursting` and
    `emerging_score`, best first (see `rank_terms`); of a plural and its singular the better
    placed stands for both."""
    termhood = frame["termhood"] if "termhood" in frame else pd.Series(1.0, index=frame.index)
    # a phrase's documents as evidence of what it names: a keyphrase of them, a count noun in them
    evidence = frame.get("keyphrase", 1.0) * frame.get("countable", 1.0)
    # P(head | modifiers): a generic premodifier makes a variant of its head, not a new name
    evidence = evidence * frame.get("selectivity", 1.0)
    out = frame.assign(
        bursting=(frame["burst_weight"] > 0) & (termhood >= 1),
        emerging_score=frame["cvalue"] * termhood * evidence * (1 + frame["burst_weight"])
        * frame["recency"],
    ).sort_values(
        ["bursting", "emerging_score", "n", "term"], ascending=[False, False, False, True]
    )  # fmt: skip
    variant = pd.DataFrame(
        {
            "term": out["variant"].to_numpy()
            if "variant" in out
            else plural_variant(out["term"], out["language"]),
            "language": out["language"].to_numpy(),
        }
    )
    return out[~variant.duplicated().to_numpy()].reset_index(drop=True)


def _spread(
    eligible: pd.DataFrame,
    recs: pd.DataFrame,
    hint_of: dict[str, str],
    pairs: Callable[[pd.DataFrame], dict[str, np.ndarray]],
) -> pd.DataFrame:
    """Per term: divergence from the corpus over domains, records without a domain one more
    column (`domain_divergence`), and the share of its documents that have a domain
    (`domain_share`); NaN without domain hints. `pairs(hints)` counts the documents of each
    term k per domain code d (`hints`: record_id, d)."""
    rows = len(eligible)
    out = pd.DataFrame(
        {"domain_divergence": np.full(rows, np.nan), "domain_share": np.full(rows, np.nan)}
    )
    if not hint_of:
        return out
    dom = pd.DataFrame(
        {
            "record_id": recs["record_id"].to_numpy(),
            "domain": [hint_of.get(r, "") for r in recs["record_id"].to_numpy()],
        }
    )
    dcodes, dnames = pd.factorize(dom["domain"])
    counted = pairs(dom.assign(d=dcodes))
    term_dom = np.zeros((rows, len(dnames)))
    np.add.at(term_dom, (counted["k"], counted["d"]), counted["n"])
    corpus_dom = np.bincount(dcodes, minlength=len(dnames)).astype(float)
    out["domain_divergence"] = spread_divergence(term_dom, corpus_dom)
    none = [i for i, name in enumerate(dnames) if name == ""]
    hinted = term_dom.sum(axis=1) - (term_dom[:, none].sum(axis=1) if none else 0)
    out["domain_share"] = hinted / np.maximum(term_dom.sum(axis=1), 1)
    return out
