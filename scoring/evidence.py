"""Evidence: the documents that the scored indicators counted, ranked by their contribution.

Every row names the indicator it supports and the window it was counted in (the latest scoring
window), so a reader can check it against that indicator's value: a `top10_share` row is a
Japanese paper of the domain's top-10% set, a `paper_share` row any other Japanese paper (both
count in Japan's paper share), a
`foreign_volume` row a foreign paper or patent family, a `policy_intensity_*` row a policy
announcement, each with its weight in that indicator's sum.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from horizon.config.weights import Weights
from scoring.citations import fwci_values, top_weights
from scoring.inputs import sharing_label
from scoring.socio import recency_weights

COLUMNS = ["domain", "axis", "record_id", "weight", "rank", "sharing", "indicator", "window"]
#: Indicator → the axis whose score it enters (the indicators evidence is listed for).
EVIDENCE_INDICATORS = {
    "top10_share": "japan_strength",
    "paper_share": "japan_strength",
    "patent_share": "japan_strength",
    "foreign_volume": "foreign_activity",
    "policy_intensity_foreign": "socioeconomic",
    "policy_intensity_domestic": "socioeconomic",
}


def select_evidence(
    units: pd.DataFrame, credit: pd.DataFrame, *, window: str, as_of: date, cfg: Weights
) -> pd.DataFrame:
    """`evidence_per_axis` records per domain and axis from the latest window, ranked by weight.

    `units` carries the scoring window of each record (column `window`). The weight is the
    record's term in the indicator's sum:
    paper_share, patent_share: home weight × share (fractional count); a paper of the domain's
    top-10% set (NISTEP tie-corrected weight > 0) is listed as `top10_share`, with the same weight,
    so that a domain's Japanese paper rows add up to Japan's fractional paper count;
    foreign_volume: foreign weight × share (fractional count of papers and patent families);
    policy_intensity_foreign/domestic: issuer weight × share × recency (half-life decay).
    Ties go to the higher FWCI, then the more recent record.
    """
    home = cfg.home_country
    inside = units[units["window"] == window]
    if inside.empty:
        return pd.DataFrame(columns=COLUMNS)
    tops = top_weights(units, cfg.citations.top_share)[["record_id", "domain", "top_weight"]]
    u = inside.assign(fwci=fwci_values(units).loc[inside.index])
    u = u.merge(tops, on=["record_id", "domain"], how="left")
    c = credit.merge(
        u[["record_id", "domain", "kind", "date", "fwci", "top_weight", "sharing_level"]],
        on=["record_id", "domain"],
        how="inner",
        suffixes=("_credit", ""),
    )
    c["term"] = c["weight"] * c["share"]
    c["is_home"] = c["country"] == home
    rows = []
    papers = c[(c["kind"] == "paper") & c["is_home"]]
    top = papers["top_weight"].fillna(0.0) > 0
    rows.append(papers[top].assign(indicator="top10_share", value=papers["term"]))
    rows.append(papers[~top].assign(indicator="paper_share", value=papers["term"]))
    patents = c[(c["kind"] == "patent") & c["is_home"]]
    rows.append(patents.assign(indicator="patent_share", value=patents["term"]))
    research = c[c["kind"].isin(["paper", "patent"]) & ~c["is_home"]]
    rows.append(research.assign(indicator="foreign_volume", value=research["term"]))
    policy = c[c["kind"] == "policy"]
    recency = recency_weights(policy["date"], as_of, cfg.socioeconomic_params.half_life_days)
    rows.append(policy.assign(
        indicator=np.where(policy["is_home"], "policy_intensity_domestic", "policy_intensity_foreign"),
        value=policy["term"] * recency,
    ))  # fmt: skip
    ev = pd.concat([r for r in rows if len(r)]) if any(len(r) for r in rows) else c.iloc[:0]
    if ev.empty:
        return pd.DataFrame(columns=COLUMNS)
    # A record credited to several foreign countries counts once per indicator: its terms add up.
    keys = ["domain", "indicator", "record_id"]
    ev = ev.groupby(keys, as_index=False, observed=True).agg(
        value=("value", "sum"),
        date=("date", "first"),
        fwci=("fwci", "first"),
        sharing_level=("sharing_level", "first"),
    )
    ev = ev[ev["value"] > 0]
    ev["axis"] = ev["indicator"].map(EVIDENCE_INDICATORS)
    ev = ev.sort_values(
        ["domain", "axis", "value", "fwci", "date", "record_id"],
        ascending=[True, True, False, False, False, True],
        na_position="last",
        kind="stable",
    )
    ev["rank"] = ev.groupby(["domain", "axis"]).cumcount() + 1
    ev = ev[ev["rank"] <= cfg.evidence_per_axis]
    return pd.DataFrame(
        {
            "domain": ev["domain"].astype(str).to_numpy(),
            "axis": ev["axis"].to_numpy(),
            "record_id": ev["record_id"].astype(str).to_numpy(),
            "weight": ev["value"].astype("float64").to_numpy(),
            "rank": ev["rank"].astype("int64").to_numpy(),
            "sharing": sharing_label(ev["sharing_level"].to_numpy(dtype=np.int64)),
            "indicator": ev["indicator"].astype(str).to_numpy(),
            "window": window,
        }
    )
