"""Checks as data: invariants of the scored tables; a non-empty result fails the scan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from horizon.config.weights import AXES
from scoring.evidence import EVIDENCE_INDICATORS
from scoring.inputs import explode_countries

TOL = 1e-6


def _weight_sums(records: pd.DataFrame) -> list[str]:
    if "countries" not in records or records.empty:
        return []
    cw = explode_countries(records["countries"].reset_index(drop=True))
    sums = pd.to_numeric(cw["weight"], errors="coerce").fillna(0.0).groupby(cw["pos"]).sum()
    bad = sums[(sums - 1.0).abs() > TOL]
    if len(bad):
        rid = records["record_id"].iloc[int(bad.index[0])]
        return [
            f"fractional country weights do not sum to 1 for {len(bad)} records "
            f"(e.g. {rid}: {bad.iloc[0]:.6f})"
        ]
    return []


def _share_sums(assignments: pd.DataFrame) -> list[str]:
    if assignments.empty:
        return []
    sums = (
        pd.to_numeric(assignments["share"], errors="coerce").groupby(assignments["record_id"]).sum()
    )
    bad = sums[(sums - 1.0).abs() > TOL]
    if len(bad):
        return [
            f"assignment shares do not sum to 1 for {len(bad)} records (e.g. {bad.index[0]}: {bad.iloc[0]:.6f})"
        ]
    return []


def _valid_ranking(ranks: np.ndarray) -> bool:
    """1..n with competition ties: each rank r held by m domains is followed by r + m."""
    r = np.sort(ranks)
    expected = np.array([1 + int((r < x).sum()) for x in r])
    return bool(len(r) == 0 or (r == expected).all())


def check_invariants(tables: Any, records: pd.DataFrame, assignments: pd.DataFrame) -> list[str]:
    """Every broken invariant as one line; empty when the scan is sound."""
    problems = _weight_sums(records) + _share_sums(assignments)
    s = tables.scores
    for col in [*(f"{a}_score" for a in AXES), "composite_score", "base_composite_score"]:
        if col not in s:
            continue
        v = pd.to_numeric(s[col], errors="coerce")
        bad = s.loc[v.isna() | (v < 0) | (v > 1), "domain"]
        if len(bad):
            problems.append(f"{col} outside [0, 1] or missing for {', '.join(map(str, bad))}")
    if not _valid_ranking(s["rank"].to_numpy()):
        problems.append("rank is not a ranking of 1..n (ties share the best rank)")
    band = s[
        ~((s["rank_low"] <= s["rank_median"] + TOL) & (s["rank_median"] <= s["rank_high"] + TOL))
    ]
    if len(band):
        problems.append(
            f"rank band does not contain the median rank for {', '.join(map(str, band['domain']))}"
        )
    bad_class = s[~s["class"].isin(["protect", "nurture", "monitor"])]
    if len(bad_class):
        problems.append(f"unknown class for {', '.join(map(str, bad_class['domain']))}")
    problems += _evidence(tables, records, assignments)
    return problems


def _latest_window(tables: Any) -> tuple[str, int, int] | None:
    """The scored (latest) window's label and its first and last year, from the records rows."""
    ind = tables.indicators
    rows = ind.loc[ind["indicator"] == "records", "window"] if len(ind) else ind.iloc[:0]
    if rows.empty:
        return None
    label = str(rows.iloc[0])
    first, last = (int(x) for x in label.split("-"))
    return label, first, last


def _years(records: pd.DataFrame) -> pd.Series:
    dates = records["published_date"] if "published_date" in records else records.get("date")
    if dates is None:
        return pd.Series(np.nan, index=records.index)
    return pd.to_datetime(dates, errors="coerce").dt.year


def _evidence(tables: Any, records: pd.DataFrame, assignments: pd.DataFrame) -> list[str]:
    """Evidence rows lie inside the scored window and name the indicator (and its axis) that
    counted them; every research indicator that counted something in the window has evidence."""
    ev = tables.evidence
    out = []
    listed = set(tables.scores["domain"])
    window = _latest_window(tables)
    if window is not None:
        # Whatever a research indicator counted in the window has evidence on that indicator's axis.
        ind = tables.indicators
        # The home country is the one the home-only indicators are reported for.
        home = set(ind.loc[ind["indicator"] == "home_rank", "country"])
        counted = ind[
            (ind["window"] == window[0])
            & (
                (ind["indicator"] == "foreign_volume")
                | (
                    ind["indicator"].isin(["paper_share", "patent_share"])
                    & ind["country"].isin(home)
                )
            )
            & (pd.to_numeric(ind["value"], errors="coerce") > 0)
            & ind["domain"].isin(listed)
        ]
        need = {
            (d, EVIDENCE_INDICATORS[i])
            for d, i in zip(counted["domain"], counted["indicator"], strict=True)
        }
        have = set(zip(ev["domain"], ev["axis"], strict=True))
        missing = sorted(f"{d} ({a})" for d, a in need - have)
        if missing:
            out.append(f"no evidence rows for indicators with counts: {', '.join(missing)}")
    unknown: list[str] = []
    if len(ev):
        known = records[["record_id"]].drop_duplicates()
        joined = ev[["record_id"]].merge(known, on="record_id", how="left", indicator=True)
        unknown = sorted(set(joined.loc[joined["_merge"] == "left_only", "record_id"].astype(str)))
    if unknown:
        out.append(f"evidence cites {len(unknown)} records not in the input (e.g. {unknown[0]})")
    if len(ev) and ev["sharing"].isna().any():
        out.append("evidence rows without a sharing label")
    if len(ev):
        wrong = ev[ev["indicator"].map(EVIDENCE_INDICATORS) != ev["axis"]]
        if len(wrong):
            out.append(
                f"{len(wrong)} evidence rows name no indicator of their axis "
                f"(e.g. {wrong['record_id'].iloc[0]}: {wrong['indicator'].iloc[0]})"
            )
    if len(ev) and window is not None:
        label, first, last = window
        known = records.assign(year=_years(records))[["record_id", "year"]]
        dated = ev.merge(known.drop_duplicates("record_id"), on="record_id", how="left")
        outside = dated[(dated["window"] != label) | ~dated["year"].between(first, last)]
        if len(outside):
            out.append(
                f"{len(outside)} evidence rows lie outside the scored window {label} "
                f"(e.g. {outside['record_id'].iloc[0]})"
            )
    return out
