"""Indicators per domain × country × window: shares, citations, specialisation, concentration."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horizon.config.weights import Weights
from scoring.citations import fwci_values, top_weights
from scoring.counting import assign_windows
from scoring.inputs import decode_json

WORLD = "WORLD"
KEYS = ["domain", "country", "window"]


def long_rows(frame: pd.DataFrame, indicator: str, value: str, inputs: list[str]) -> pd.DataFrame:
    """A frame with domain, country, window → indicator rows (inputs kept as a dict)."""
    if frame.empty:
        return pd.DataFrame(columns=[*KEYS, "indicator", "value", "inputs"])
    ins = frame[inputs].astype(object).where(frame[inputs].notna(), None).to_dict("records")
    return pd.DataFrame(
        {
            "domain": frame["domain"].to_numpy(),
            "country": frame["country"].to_numpy(),
            "window": frame["window"].to_numpy(),
            "indicator": indicator,
            "value": frame[value].astype("float64").to_numpy(),
            "inputs": ins,
        }
    )


def share(frame: pd.DataFrame, value: str, by: list[str]) -> pd.Series:
    """value / Σ value over `by` groups (S(c,f) = P(c,f) / Σ_c P(c,f))."""
    total = frame.groupby(by, observed=True)[value].transform("sum")
    return frame[value] / total.where(total > 0)


def rta(frame: pd.DataFrame, value: str) -> pd.Series:
    """Balassa RTA(c,f) = (P(c,f)/Σ_f' P(c,f')) / (Σ_c' P(c',f)/Σ P) per window (OECD)."""
    by_country = frame.groupby(["country", "window"], observed=True)[value].transform("sum")
    by_domain = frame.groupby(["domain", "window"], observed=True)[value].transform("sum")
    total = frame.groupby("window", observed=True)[value].transform("sum")
    return (frame[value] / by_country) / (by_domain / total)


def symmetric(x: pd.Series) -> pd.Series:
    """(RTA − 1)/(RTA + 1) ∈ [−1, 1], for averaging (methods.md § Specialisation)."""
    return (x - 1) / (x + 1)


def volume_indicators(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts, shares, Activity Index and RTA per domain × country × window."""
    wide = counts.pivot_table(
        index=KEYS, columns="kind", values=["full", "frac"], aggfunc="sum", fill_value=0.0
    )
    wide.columns = [f"{k}_{v}" for v, k in wide.columns]
    for kind in ("paper", "patent", "policy"):
        for v in ("full", "frac"):
            if f"{kind}_{v}" not in wide:
                wide[f"{kind}_{v}"] = 0.0
    w = wide.reset_index()
    w["paper_share"] = share(w, "paper_frac", ["domain", "window"])
    w["patent_share"] = share(w, "patent_frac", ["domain", "window"])
    w["activity_index"] = rta(w, "paper_frac")
    w["rta_patents"] = rta(w, "patent_frac")
    w["activity_index_sym"] = symmetric(w["activity_index"])
    w["rta_patents_sym"] = symmetric(w["rta_patents"])
    out = [
        long_rows(w, "papers_full", "paper_full", []),
        long_rows(w, "papers_frac", "paper_frac", ["paper_full"]),
        long_rows(w, "patent_families_full", "patent_full", []),
        long_rows(w, "patent_families_frac", "patent_frac", ["patent_full"]),
        long_rows(w, "policy_count", "policy_frac", ["policy_full"]),
    ]
    for name, basis in [("paper_share", "paper_frac"), ("patent_share", "patent_frac")]:
        out.append(long_rows(w[w[name].notna()], name, name, [basis]))
    for name, basis in [
        ("activity_index", "paper_frac"),
        ("activity_index_sym", "paper_frac"),
        ("rta_patents", "patent_frac"),
        ("rta_patents_sym", "patent_frac"),
    ]:
        sub = w[(w[basis] > 0) & w[name].notna()]
        out.append(long_rows(sub, name, name, [basis]))
    return pd.concat(out, ignore_index=True)


def citation_indicators(
    units: pd.DataFrame, credit: pd.DataFrame, table: pd.DataFrame, x: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top-x% count and share and FWCI per domain × country × window; also the top table."""
    tops = top_weights(units, x)
    fw = units.assign(fwci=fwci_values(units))[["record_id", "domain", "fwci"]]
    papers = credit[credit["kind"] == "paper"].merge(
        tops[["record_id", "domain", "top_weight"]], on=["record_id", "domain"], how="left"
    )
    papers = assign_windows(papers.merge(fw, on=["record_id", "domain"], how="left"), table)
    # Top(c,f) = Σ_p top weight · w(p,c) · share (methods.md § Highly-cited share, ASPI).
    papers["top"] = papers["top_weight"].fillna(0.0) * papers["weight"] * papers["share"]
    papers["w"] = papers["weight"] * papers["share"]
    has = papers["fwci"].notna()
    papers["w_fwci"] = np.where(has, papers["w"] * papers["fwci"].fillna(0.0), 0.0)
    papers["w_known"] = np.where(has, papers["w"], 0.0)
    g = papers.groupby(KEYS, as_index=False, observed=True)[["top", "w_fwci", "w_known"]].sum()
    g["top10_share"] = share(g, "top", ["domain", "window"])
    # Country FWCI = Σ w·FWCI_p / Σ w over papers with a known FWCI (methods.md § Impact).
    g["fwci"] = g["w_fwci"] / g["w_known"].where(g["w_known"] > 0)
    out = pd.concat(
        [
            long_rows(g, "top10_count", "top", []),
            long_rows(g[g["top10_share"].notna()], "top10_share", "top10_share", ["top"]),
            long_rows(g[g["fwci"].notna()], "fwci", "fwci", ["w_known"]),
        ],
        ignore_index=True,
    )
    return out, g[[*KEYS, "top", "top10_share"]]


def _institutions(
    units: pd.DataFrame, credit: pd.DataFrame, organizations: pd.Series | None, latest: str
) -> pd.DataFrame:
    """Paper output per domain × institution in the latest window, with its main country."""
    papers = units[(units["kind"] == "paper") & (units["window"] == latest)]
    if organizations is None or papers.empty:
        return pd.DataFrame(columns=["domain", "org", "output", "org_country"])
    rows = papers["row"].drop_duplicates()
    decoded = pd.Series(decode_json(organizations.loc[rows.to_numpy()], []), index=rows.to_numpy())
    papers = papers.assign(organizations=papers["row"].map(decoded))
    orgs = papers[["record_id", "domain", "share", "organizations"]].explode("organizations")
    orgs = orgs[orgs["organizations"].map(lambda o: isinstance(o, str) and o.strip() != "")]
    if orgs.empty:
        return pd.DataFrame(columns=["domain", "org", "output", "org_country"])
    orgs = orgs.rename(columns={"organizations": "org"})
    per = orgs.groupby(["record_id", "domain"])["org"].transform("size")
    orgs["output"] = orgs["share"] / per
    # An institution's country: where most of the credit of its papers goes.
    by_c = (
        orgs[["record_id", "org"]]
        .drop_duplicates()
        .merge(
            credit[["record_id", "country", "weight"]].drop_duplicates(["record_id", "country"]),
            on="record_id",
        )
    )
    by_c = by_c.groupby(["org", "country"], as_index=False)["weight"].sum()
    by_c = by_c.sort_values(["org", "weight", "country"], ascending=[True, False, True])
    main = by_c.drop_duplicates("org").set_index("org")["country"]
    out = orgs.groupby(["domain", "org"], as_index=False)["output"].sum()
    out["org_country"] = out["org"].map(main)
    return out


def concentration_indicators(
    counts: pd.DataFrame,
    tops: pd.DataFrame,
    units: pd.DataFrame,
    credit: pd.DataFrame,
    organizations: pd.Series | None,
    latest: str,
    cfg: Weights,
) -> pd.DataFrame:
    """Lead, HHI, CR_k, monopoly light, specialisation, foreign volume, indispensability."""
    c = cfg.concentration
    home = cfg.home_country
    out = counts[counts["kind"].isin(["paper", "patent"])]
    out = out.groupby(KEYS, as_index=False, observed=True)["frac"].sum()
    out = out[out["frac"] > 0]
    out["s"] = share(out, "frac", ["domain", "window"])
    out["rta"] = rta(out, "frac")
    out = out.merge(tops, on=KEYS, how="left")
    institutions = _institutions(units, credit, organizations, latest)
    rows = []
    for (domain, window), g in out.groupby(["domain", "window"], sort=True, observed=True):
        s = g.sort_values(["s", "country"], ascending=[False, True])
        shares = s["s"].to_numpy()
        n = len(shares)
        hhi = float((shares**2).sum())  # Herfindahl: Σ S²
        hhi_norm = (hhi - 1 / n) / (1 - 1 / n) if n > 1 else 1.0  # HHI* = (HHI − 1/N)/(1 − 1/N)
        cr_k = float(shares[: c.cr_k].sum())
        # ASPI research lead on the top-10% share; on output share when citations are absent.
        t = g[g["top"].fillna(0) > 0].sort_values(["top", "country"], ascending=[False, True])
        if len(t):
            basis, lead_c, ranked = "top10_share", t["country"].iloc[0], t["top10_share"].to_numpy()
        else:
            basis, lead_c, ranked = "output_share", s["country"].iloc[0], shares
        second = float(ranked[1]) if len(ranked) > 1 else 0.0
        lead = min(float(ranked[0]) / second, c.lead_cap) if second > 0 else c.lead_cap
        foreign = float(g.loc[g["country"] != home, "frac"].sum())
        specialised = int(((g["rta"] > 1) & (g["frac"] >= c.rta_min_count)).sum())
        home_row = s[s["country"] == home]
        home_share = float(home_row["s"].iloc[0]) if len(home_row) else 0.0
        home_rank = (
            int(np.flatnonzero(s["country"].to_numpy() == home)[0] + 1) if len(home_row) else None
        )
        concentrated = cr_k >= c.concentrated_min
        # 不可欠性: the home country among the few leaders of a concentrated field.
        indispensable = home_share if concentrated and home_rank and home_rank <= c.cr_k else 0.0
        exposure = cr_k if concentrated and home_share < c.absent_max else 0.0
        base = {"domain": domain, "window": window}
        common = {"n_countries": n, "cr_k": cr_k, "k": c.cr_k}
        rows += [
            {**base, "country": WORLD, "indicator": "hhi", "value": hhi, "inputs": {"n_countries": n}},
            {**base, "country": WORLD, "indicator": "hhi_norm", "value": hhi_norm, "inputs": {"n_countries": n}},
            {**base, "country": WORLD, "indicator": "cr_k", "value": cr_k, "inputs": {"k": c.cr_k}},
            {**base, "country": WORLD, "indicator": "research_lead", "value": lead,
             "inputs": {"basis": basis, "first": lead_c, "first_share": float(ranked[0]), "second_share": second}},
            {**base, "country": WORLD, "indicator": "foreign_volume", "value": foreign,
             "inputs": {"home": home, "total": float(g["frac"].sum())}},
            {**base, "country": WORLD, "indicator": "n_countries_specialised", "value": float(specialised),
             "inputs": {"min_count": c.rta_min_count}},
            {**base, "country": home, "indicator": "home_rank", "value": home_rank,
             "inputs": {"home_share": home_share, **common}},
            {**base, "country": home, "indicator": "indispensability", "value": indispensable,
             "inputs": {"home_share": home_share, "home_rank": home_rank, **common}},
            {**base, "country": home, "indicator": "exposure", "value": exposure,
             "inputs": {"home_share": home_share, "absent_max": c.absent_max, **common}},
        ]  # fmt: skip
        if window == latest:
            inst = institutions[institutions["domain"] == domain]
            rows.append({**base, "country": WORLD, **_monopoly(lead, lead_c, inst, cfg)})
    return pd.DataFrame(rows, columns=[*KEYS, "indicator", "value", "inputs"])


def _monopoly(lead: float, lead_c: str, inst: pd.DataFrame, cfg: Weights) -> dict:
    """ASPI Technology Monopoly Risk: 2 High, 1 Medium, 0 Low."""
    c = cfg.concentration
    inst = inst.sort_values(["output", "org"], ascending=[False, True])
    top = inst.head(c.top_institutions)
    if len(top):
        in_lead = int((top["org_country"] == lead_c).sum())
        high = lead >= c.high_lead and in_lead >= c.high_institutions
        medium = lead >= c.medium_lead and in_lead >= c.medium_institutions
        basis = "lead_and_institutions"
    else:
        in_lead = None
        high, medium = lead >= c.high_lead, lead >= c.medium_lead
        basis = "lead_only"
    light = 2.0 if high else 1.0 if medium else 0.0
    return {
        "indicator": "monopoly_risk",
        "value": light,
        "inputs": {"light": ["low", "medium", "high"][int(light)], "lead": lead,
                   "lead_country": lead_c, "top_institutions_in_lead": in_lead,
                   "n_institutions": len(top), "basis": basis},
    }  # fmt: skip
