"""Socioeconomic trend: policy-announcement intensity, momentum, funding and plan alignment."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from horizon.config.weights import Weights
from scoring.indicators import WORLD

COLUMNS = ["domain", "country", "window", "indicator", "value", "inputs"]


def recency_weights(dates: pd.Series, as_of: date, half_life_days: float) -> np.ndarray:
    """0.5^(age / half-life): an announcement counts half as much one half-life later."""
    age = (pd.Timestamp(as_of) - dates).dt.days.to_numpy(dtype="float64")
    return np.where(np.isnan(age), 0.0, 0.5 ** (np.clip(age, 0, None) / half_life_days))


def policy_indicators(
    units: pd.DataFrame,
    credit: pd.DataFrame,
    entities: pd.DataFrame | None,
    taxonomy: Taxonomy,
    window: tuple[str, int],
    *,
    as_of: date,
    cfg: Weights,
) -> pd.DataFrame:
    """Policy intensity (foreign, domestic), momentum, announced funding, plan alignment."""
    p = cfg.socioeconomic_params
    home = cfg.home_country
    label, start_year = window
    domains = taxonomy.slugs
    pol = units[units["kind"] == "policy"]
    pc = credit[credit["kind"] == "policy"].merge(
        pol[["record_id", "domain", "date"]], on=["record_id", "domain"], how="left"
    )
    # Issuing government's country, weight 1 (fractional when several issue it together).
    pc["rec"] = recency_weights(pc["date"], as_of, p.half_life_days) * pc["share"] * pc["weight"]
    is_home = pc["country"] == home
    foreign = pc[~is_home].groupby("domain")["rec"].sum().reindex(domains, fill_value=0.0)
    domestic = pc[is_home].groupby("domain")["rec"].sum().reindex(domains, fill_value=0.0)

    # Momentum = (R − Q) / (R + Q) with R = recent + a, Q = previous + a over two equal spans
    # before as_of: the symmetric form of the smoothed ratio (r + a)/(q + a), so one announcement
    # after none is not the maximum momentum.
    end = pd.Timestamp(as_of)
    span = pd.Timedelta(days=p.momentum_days)
    recent = pol[(pol["date"] > end - span) & (pol["date"] <= end)]
    previous = pol[(pol["date"] > end - 2 * span) & (pol["date"] <= end - span)]
    r = recent.groupby("domain")["share"].sum().reindex(domains, fill_value=0.0)
    q = previous.groupby("domain")["share"].sum().reindex(domains, fill_value=0.0)
    a = p.momentum_smoothing
    momentum = ((r - q) / (r + q + 2 * a)).where((r + q + 2 * a) > 0, 0.0)

    funding, unconverted = _funding(pol, entities, start_year, cfg)
    # Alignment: the domain's share of domestic policy mentions in the latest window.
    dom_w = pc[is_home & (pc["date"].dt.year >= start_year)]
    dom_count = dom_w.groupby("domain")["share"].sum().reindex(domains, fill_value=0.0)
    total = float(dom_count.sum())
    alignment = dom_count / total if total > 0 else dom_count * 0.0
    since = (as_of - timedelta(days=p.momentum_days)).isoformat()
    rows = []
    for d in domains:
        plans = list(taxonomy.domain(d).crosswalk.jp_basic_plan_7)
        rows += [
            (d, WORLD, label, "policy_intensity_foreign", float(foreign[d]),
             {"half_life_days": p.half_life_days, "home": home}),
            (d, WORLD, label, "policy_intensity_domestic", float(domestic[d]),
             {"half_life_days": p.half_life_days, "home": home}),
            (d, WORLD, label, "policy_momentum", float(momentum[d]),
             {"recent": float(r[d]), "previous": float(q[d]), "recent_since": since, "smoothing": a}),
            (d, WORLD, label, "policy_funding_usd", float(funding.get(d, 0.0)),
             {"unconverted_amounts": int(unconverted.get(d, 0))}),
            (d, home, label, "jp_policy_alignment", float(alignment[d]),
             {"domestic_mentions": float(dom_count[d]), "domestic_total": total, "plans": plans}),
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _funding(
    pol: pd.DataFrame, entities: pd.DataFrame | None, start_year: int, cfg: Weights
) -> tuple[pd.Series, pd.Series]:
    """Σ share × announced amount in USD over MONEY entities of policy records in the window."""
    empty = pd.Series(dtype="float64")
    if entities is None or entities.empty or "label" not in entities:
        return empty, empty
    money = entities[entities["label"].astype("string") == "MONEY"]
    if money.empty:
        return empty, empty
    money = money[["record_id", "value", "currency"]].copy()
    money["record_id"] = money["record_id"].astype("string")
    money["value"] = pd.to_numeric(money["value"], errors="coerce")
    money["currency"] = money["currency"].astype("string").str.upper().str.strip()
    money = money[money["value"].notna() & (money["value"] > 0)].drop_duplicates()
    recent = pol[pol["date"].dt.year >= start_year][["record_id", "domain", "share"]]
    m = money.merge(recent, on="record_id")
    fx = m["currency"].map(cfg.socioeconomic_params.fx_usd)
    known = fx.notna()
    usd = (m["value"] * fx * m["share"])[known].groupby(m.loc[known, "domain"]).sum()
    unconverted = m[~known].groupby("domain").size()
    return usd, unconverted
