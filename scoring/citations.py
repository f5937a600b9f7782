"""Citation indicators: tie-corrected top-x% membership and field-weighted citation impact."""

from __future__ import annotations

import numpy as np
import pandas as pd


def top_weights(units: pd.DataFrame, x: float = 0.10) -> pd.DataFrame:
    """Each paper's weight in its domain-year top-x% set, with NISTEP's tie correction.

    `units` holds one row per paper × domain (record_id, domain, year, cites, kind). Returns
    record_id, domain, year, top_weight, theta, n_papers. Papers without a year or a citation
    count are left out (unknown, not zero).
    """
    p = units[(units["kind"] == "paper") & units["cites"].notna() & units["year"].notna()][
        ["record_id", "domain", "year", "cites"]
    ]
    if p.empty:
        return p.assign(top_weight=[], theta=[], n_papers=[])
    p = p.sort_values(["domain", "year", "cites"], ascending=[True, True, False], kind="stable")
    g = p.groupby(["domain", "year"], sort=False, observed=True)
    n = g["cites"].transform("size").astype("float64")
    pos = g.cumcount()
    # θ(f,t) = cites of the paper at place ⌈x·N⌉ (methods.md § Highly-cited share).
    k = np.ceil(x * n - 1e-9).clip(lower=1)
    at_k = p["cites"].where(pos == (k - 1))
    theta = at_k.groupby([p["domain"], p["year"]], sort=False).transform("max")
    above = (p["cites"] > theta).astype("float64")
    tied = (p["cites"] == theta).astype("float64")
    n_above = above.groupby([p["domain"], p["year"]], sort=False).transform("sum")
    n_tied = tied.groupby([p["domain"], p["year"]], sort=False).transform("sum")
    # NISTEP Top10%補正論文数: tied papers share the remaining x·N − #{> θ} places equally.
    weight = above + tied * (x * n - n_above) / n_tied
    return p.assign(top_weight=weight.to_numpy(), theta=theta.to_numpy(), n_papers=n.to_numpy())


def fwci_values(units: pd.DataFrame) -> pd.Series:
    """FWCI_p = cites / mean cites of the same domain, year and kind (share-weighted mean).

    methods.md § Impact (Scopus FWCI). NaN where cites or year are unknown or the mean is 0.
    """
    known = units["cites"].notna() & units["year"].notna()
    sub = units[known]
    keys = [sub["domain"], sub["year"], sub["kind"]]
    num = (sub["cites"] * sub["share"]).groupby(keys).transform("sum")
    den = sub["share"].groupby(keys).transform("sum")
    mean = num / den
    out = pd.Series(np.nan, index=units.index)
    out[known] = np.where(mean > 0, sub["cites"] / mean.where(mean > 0), np.nan)
    return out
