"""Evidence: the top documents behind each domain's axis scores, with their sharing labels."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from horizon.config.weights import Weights
from scoring.citations import fwci_values
from scoring.inputs import sharing_label
from scoring.socio import recency_weights

COLUMNS = ["domain", "axis", "record_id", "weight", "rank", "sharing"]


def select_evidence(
    units: pd.DataFrame, credit: pd.DataFrame, *, as_of: date, cfg: Weights
) -> pd.DataFrame:
    """`evidence_per_axis` records per domain and axis, ranked by their contribution.

    japan_strength: home-country weight × share × FWCI (papers and patent families);
    foreign_activity: foreign weight × share × recency (papers and patent families);
    socioeconomic: share × recency (policy announcements, any country).
    """
    home = cfg.home_country
    half = cfg.socioeconomic_params.half_life_days
    u = units.assign(fwci=fwci_values(units), recency=recency_weights(units["date"], as_of, half))
    w_home = (
        credit[credit["country"] == home]
        .groupby(["record_id", "domain"])["weight"]
        .sum()
        .rename("w_home")
    )
    w_foreign = (
        credit[credit["country"] != home]
        .groupby(["record_id", "domain"])["weight"]
        .sum()
        .rename("w_foreign")
    )
    u = u.join(w_home, on=["record_id", "domain"]).join(w_foreign, on=["record_id", "domain"])
    research = u["kind"].isin(["paper", "patent"])
    parts = []
    js = u[research & (u["w_home"] > 0)]
    parts.append(
        js.assign(axis="japan_strength", weight=js["w_home"] * js["share"] * js["fwci"].fillna(1.0))
    )
    fa = u[research & (u["w_foreign"] > 0)]
    parts.append(
        fa.assign(axis="foreign_activity", weight=fa["w_foreign"] * fa["share"] * fa["recency"])
    )
    se = u[u["kind"] == "policy"]
    parts.append(se.assign(axis="socioeconomic", weight=se["share"] * se["recency"]))
    ev = pd.concat(
        [p[["domain", "axis", "record_id", "weight", "date", "sharing_level"]] for p in parts]
    )
    if ev.empty:
        return pd.DataFrame(columns=COLUMNS)
    ev = ev.sort_values(
        ["domain", "axis", "weight", "date", "record_id"],
        ascending=[True, True, False, False, True],
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
            "weight": ev["weight"].astype("float64").to_numpy(),
            "rank": ev["rank"].astype("int64").to_numpy(),
            "sharing": sharing_label(ev["sharing_level"].to_numpy(dtype=np.int64)),
        }
    )
