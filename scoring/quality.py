"""Checks as data about what a scan found (after CSET's fields-of-study checks): records per
source and kind, the share of records given a domain per kind and language, and indicators that
cannot rank domains (constant, or non-zero in one domain only). A kind or language whose records
(English or Japanese) got no domain at all is a warning: the list then says nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

#: Languages the pipeline reads (its extraction and taxonomy terms are English and Japanese): a
#: record in another language getting no domain is expected, in these it is a defect.
WATCHED_LANGUAGES = ("en", "ja")


def records_by_source(records: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Records per source and kind (a record merged from several sources counts for each)."""
    if records.empty:
        return {}
    rows = records.assign(source=records["source"].astype(str).str.split(",")).explode("source")
    rows["source"] = rows["source"].str.strip()
    counts = rows.groupby(["source", "kind"]).size()
    out: dict[str, dict[str, int]] = {}
    for (source, kind), n in counts.items():
        out.setdefault(str(source), {})[str(kind)] = int(n)
    return out


def domain_shares(records: pd.DataFrame, assignments: pd.DataFrame) -> dict[str, Any]:
    """Per kind and per language: records, records with a domain, and their share."""
    assigned = set(assignments["record_id"]) if len(assignments) else set()
    frame = pd.DataFrame(
        {
            "kind": records["kind"].astype(str),
            "language": records["language"].fillna("unknown").astype(str).replace("", "unknown"),
            "with_domain": records["record_id"].isin(assigned),
        }
    )
    return {by: _shares(frame, by) for by in ("kind", "language")}


def _shares(frame: pd.DataFrame, by: str) -> dict[str, dict[str, Any]]:
    out = {}
    for key, group in frame.groupby(by):
        n, hit = len(group), int(group["with_domain"].sum())
        out[str(key)] = {"records": n, "with_domain": hit, "share": round(hit / n, 4) if n else 0.0}
    return out


def degenerate_indicators(indicators: pd.DataFrame, domains: Sequence[str]) -> dict[str, list]:
    """Indicators that cannot tell domains apart in their latest window: the same value in every
    domain, or non-zero in one domain only (Japan's row where there is one, else the world's)."""
    constant: list[dict[str, Any]] = []
    single: list[dict[str, Any]] = []
    if indicators.empty or not domains:
        return {"constant": constant, "one_domain": single}
    frame = indicators.assign(
        country=indicators["country"].fillna("WORLD").astype(str),
        window=indicators["window"].fillna("").astype(str),
    )
    for name, rows in frame.groupby("indicator"):
        rows = rows[rows["window"] == rows["window"].max()]
        country = "JP" if (rows["country"] == "JP").any() else "WORLD"
        if not (rows["country"] == country).any():
            country = sorted(rows["country"])[0]
        rows = rows[rows["country"] == country]
        values = (
            pd.to_numeric(rows.set_index("domain")["value"], errors="coerce")
            .groupby(level=0)
            .first()
            .reindex(list(domains))
            .fillna(0.0)
        )
        where = {"indicator": str(name), "country": country, "window": rows["window"].iat[0]}
        nonzero = values[values != 0]
        if values.nunique() == 1:
            constant.append({**where, "value": float(values.iat[0])})
        elif len(nonzero) == 1:
            single.append({**where, "domain": str(nonzero.index[0])})
    return {"constant": constant, "one_domain": single}


def quality_checks(
    records: pd.DataFrame,
    assignments: pd.DataFrame,
    indicators: pd.DataFrame,
    domains: Sequence[str],
    weighted: Sequence[str] = (),
) -> dict[str, Any]:
    """Every check of a scan's output, with a warning for each kind, and each language the pipeline
    reads, whose records got no domain at all, and for each `weighted` indicator (one an axis
    weights) that cannot rank domains: scoring leaves it out of its axis."""
    shares = domain_shares(records, assignments)
    what = {"kind": "{key} records", "language": "records in language {key!r}"}
    warnings = [
        f"NO DOMAIN for any of the {s['records']} " + what[by].format(key=key)
        for by in ("kind", "language")
        for key, s in shares[by].items()
        if s["records"] and not s["with_domain"] and (by == "kind" or key in WATCHED_LANGUAGES)
    ]
    degenerate = degenerate_indicators(indicators, domains)
    for what, items in (
        ("constant across domains", "constant"),
        ("non-zero in one domain", "one_domain"),
    ):
        warnings += [
            f"{i['indicator']} is {what} ({i.get('domain', i.get('value'))}): left out of its axis"
            for i in degenerate[items]
            if i["indicator"] in weighted
        ]
    return {
        "records": records_by_source(records),
        "domain_share": shares,
        "indicators": degenerate,
        "warnings": warnings,
    }
