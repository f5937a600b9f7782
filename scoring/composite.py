"""Composite priority with uncertainty: seeded Monte Carlo over weights, normalisation, aggregation.

JRC/OECD Handbook (2008) step 8; JRC COINr. Ranks: 1 = highest priority.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from horizon.config.weights import AXES, Weights
from scoring.axes import aggregate, axis_weights, prepared_matrix


@dataclass(frozen=True)
class Uncertain:
    """Per-domain rank distribution and the first-order sensitivity of ranks to each choice."""

    #: domain → rank_median, rank_low, rank_high
    ranks: pd.DataFrame
    #: parameter, domain (None = the whole ranking), first_order
    sensitivity: pd.DataFrame


def competition_ranks(values: np.ndarray) -> np.ndarray:
    """1 for the highest value; equal values share the best rank (1, 1, 3)."""
    v = np.round(np.asarray(values, dtype="float64"), 12)
    return rankdata(-v, method="min").astype("int64")


def first_order(factor: np.ndarray, y: np.ndarray, bins: int) -> np.ndarray:
    """S_i ≈ Var(E[Y | X_i]) / Var(Y) per column of y, X_i binned by quantiles (Sobol first order)."""
    if np.issubdtype(factor.dtype, np.integer):
        codes = factor
    else:
        edges = np.quantile(factor, np.linspace(0, 1, bins + 1)[1:-1])
        codes = np.searchsorted(edges, factor, side="right")
    k = int(codes.max()) + 1
    onehot = np.zeros((k, len(codes)))
    onehot[codes, np.arange(len(codes))] = 1.0
    counts = onehot.sum(axis=1)
    keep = counts > 0
    means = (onehot[keep] @ y) / counts[keep, None]
    p = counts[keep, None] / len(codes)
    mu = y.mean(axis=0)
    between = (p * (means - mu) ** 2).sum(axis=0)
    var = y.var(axis=0)
    return np.where(var > 0, between / np.where(var > 0, var, 1.0), 0.0)


def monte_carlo(raw: pd.DataFrame, cfg: Weights, adjustment: np.ndarray | None = None) -> Uncertain:
    """Rank bands over `draws` random (weights × normalisation × aggregation) choices.

    Each non-zero weight is multiplied by U(1 − jitter, 1 + jitter); the normalisation and the
    aggregation are drawn uniformly from the configured lists. Vectorised over draws.
    """
    u = cfg.uncertainty
    rng = np.random.default_rng(u.seed)
    n, domains = u.draws, list(raw.index)
    names = list(raw.columns)
    normed = np.stack([prepared_matrix(raw, cfg, m) for m in u.normalisations])  # M × D × I
    eff = axis_weights(raw, cfg)
    params: list[tuple[str, str | None, float]] = []
    for axis in AXES:
        for name, w in eff[axis].items():
            params.append((axis, name, w))
    for axis in AXES:
        params.append(("composite", axis, cfg.composite.get(axis, 0.0)))
    base = np.array([p[2] for p in params])
    mult = rng.uniform(1 - u.weight_jitter, 1 + u.weight_jitter, size=(n, len(params)))
    weights = base * mult
    norm_choice = rng.integers(0, len(u.normalisations), size=n)
    agg_choice = rng.integers(0, len(u.aggregations), size=n)
    geometric = np.array([u.aggregations[i] == "geometric" for i in agg_choice])

    values = normed[norm_choice]  # n × D × I
    axis_values = []
    col = 0
    for axis in AXES:
        spec = eff[axis]
        idx = [names.index(k) for k in spec]
        w = weights[:, col : col + len(spec)]
        col += len(spec)
        v = values[:, :, idx]
        arith = aggregate(v, w, "arithmetic", cfg.geometric_floor)
        geo = aggregate(v, w, "geometric", cfg.geometric_floor)
        axis_values.append(np.where(geometric[:, None], geo, arith))
    a = np.stack(axis_values, axis=-1)  # n × D × 3
    cw = weights[:, col : col + len(AXES)]
    comp = np.where(
        geometric[:, None],
        aggregate(a, cw, "geometric", cfg.geometric_floor),
        aggregate(a, cw, "arithmetic", cfg.geometric_floor),
    )
    if adjustment is not None:
        comp = np.clip(comp + adjustment[None, :], 0.0, 1.0)
    ranks = rankdata(-np.round(comp, 12), axis=1, method="average")  # n × D
    lo, hi = np.percentile(ranks, list(u.percentiles), axis=0)
    table = pd.DataFrame(
        {"rank_median": np.median(ranks, axis=0), "rank_low": lo, "rank_high": hi}, index=domains
    )
    table.index.name = "domain"
    return Uncertain(
        ranks=table,
        sensitivity=_sensitivity(params, mult, norm_choice, agg_choice, ranks, domains, cfg),
    )


def _sensitivity(
    params: list,
    mult: np.ndarray,
    norm_choice: np.ndarray,
    agg_choice: np.ndarray,
    ranks: np.ndarray,
    domains: list[str],
    cfg: Weights,
) -> pd.DataFrame:
    """First-order index of each domain's rank, and of the whole ranking, to each choice."""
    u = cfg.uncertainty
    domains_var = ranks.var(axis=0)
    factors: list[tuple[str, np.ndarray]] = [
        (f"{axis}.{name}", mult[:, i]) for i, (axis, name, w) in enumerate(params) if w > 0
    ]
    if len(u.normalisations) > 1:
        factors.append(("normalisation", norm_choice))
    if len(u.aggregations) > 1:
        factors.append(("aggregation", agg_choice))
    rows = []
    for label, factor in factors:
        s = first_order(factor, ranks, u.sensitivity_bins)
        total = domains_var.sum()
        overall = float((s * domains_var).sum() / total) if total > 0 else 0.0
        rows.append({"parameter": label, "domain": None, "first_order": overall})
        rows += [
            {"parameter": label, "domain": d, "first_order": float(v)}
            for d, v in zip(domains, s, strict=True)
        ]
    return pd.DataFrame(rows, columns=["parameter", "domain", "first_order"])
