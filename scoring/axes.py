"""From indicators to the three axes: selection, imputation, winsorising, normalisation, aggregation.

JRC/OECD Handbook on Constructing Composite Indicators (2008), steps 3–7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import rankdata

from horizon.config.weights import AXES, SCORABLE_INDICATORS, Weights
from scoring.indicators import WORLD

#: Value used when a domain has no row for an indicator (Handbook step 3: imputation).
#: Shares and counts: nothing measured = 0; FWCI: world average; symmetric RTA: no activity = −1.
NEUTRAL: dict[str, float] = {name: 0.0 for name in SCORABLE_INDICATORS} | {
    "fwci": 1.0,
    "activity_index_sym": -1.0,
    "rta_patents_sym": -1.0,
    "research_lead": 1.0,
}


def used_indicators(cfg: Weights) -> list[str]:
    """Every indicator any axis weights, in config order, once."""
    seen: dict[str, None] = {}
    for axis in AXES:
        for name in cfg.axes[axis].indicators:
            seen.setdefault(name, None)
    return list(seen)


def indicator_matrix(
    indicators: pd.DataFrame, domains: list[str], window: str, cfg: Weights
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Domain × indicator raw values for the latest window, and the mask of imputed cells."""
    names = used_indicators(cfg)
    sel = indicators[(indicators["window"] == window) & indicators["indicator"].isin(names)]
    want = pd.Series(
        {n: cfg.home_country if SCORABLE_INDICATORS[n] == "home" else WORLD for n in names}
    )
    sel = sel[sel["country"] == sel["indicator"].map(want)]
    raw = sel.pivot_table(index="domain", columns="indicator", values="value", aggfunc="first")
    raw = raw.reindex(index=domains, columns=names).astype("float64")
    raw = raw.where(np.isfinite(raw))
    imputed = raw.isna()
    return raw.fillna(pd.Series(NEUTRAL)), imputed


def winsorise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Clip each column to its [lo, hi] quantiles (Handbook step 4: outliers)."""
    if len(values) == 0:
        return values
    q = np.quantile(values, [lo, hi], axis=0)
    return np.clip(values, q[0], q[1])


def normalise(values: np.ndarray, method: str) -> np.ndarray:
    """Column-wise normalisation to [0, 1] across domains (Handbook step 5).

    minmax: (x − min)/(max − min); rank: (rank − 1)/(n − 1), ties averaged; zscore: Φ(z);
    frontier: x / max (distance to the best performer), minmax when max ≤ 0. A constant column
    gives 0.5 everywhere (no information).
    """
    x = np.asarray(values, dtype="float64")
    n = x.shape[0]
    if n == 0:
        return x
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    flat = span <= 1e-12 * np.maximum(1.0, np.abs(hi))
    if method == "minmax":
        out = (x - lo) / np.where(flat, 1.0, span)
    elif method == "rank":
        out = (rankdata(x, axis=0, method="average") - 1) / max(n - 1, 1)
    elif method == "zscore":
        sd = x.std(axis=0)
        out = ndtr((x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0))
        flat = flat | (sd <= 0)
    elif method == "frontier":
        mm = (x - lo) / np.where(flat, 1.0, span)
        out = np.where(hi > 0, x / np.where(hi > 0, hi, 1.0), mm)
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    return np.clip(np.where(flat, 0.5, out), 0.0, 1.0)


def aggregate(values: np.ndarray, weights: np.ndarray, method: str, floor: float) -> np.ndarray:
    """Weighted arithmetic or geometric mean of [0, 1] values along the last axis (step 7).

    Geometric: exp(Σ w ln max(v, floor) / Σ w), rescaled so that 0 ↦ 0 and 1 ↦ 1.
    `values` is (..., D, I) and `weights` (..., I) broadcastable; weights need not sum to 1.
    """
    w = np.asarray(weights, dtype="float64")
    total = w.sum(axis=-1, keepdims=True)
    w = w / np.where(total > 0, total, 1.0)
    v = np.asarray(values, dtype="float64")
    if method == "arithmetic":
        out = (v * w[..., None, :]).sum(axis=-1)
    elif method == "geometric":
        logs = np.log(np.maximum(v, floor))
        g = np.exp((logs * w[..., None, :]).sum(axis=-1))
        out = (g - floor) / (1.0 - floor)
    else:
        raise ValueError(f"unknown aggregation {method!r}")
    return np.clip(out, 0.0, 1.0)


def prepared_matrix(raw: pd.DataFrame, cfg: Weights, method: str) -> np.ndarray:
    """Winsorise the indicators an axis lists, then normalise every column."""
    x = raw.to_numpy(dtype="float64").copy()
    lo, hi = cfg.winsor_quantiles
    skewed = {n for a in AXES for n in cfg.axes[a].winsorise}
    cols = [i for i, n in enumerate(raw.columns) if n in skewed]
    if cols:
        x[:, cols] = winsorise(x[:, cols], lo, hi)
    return normalise(x, method)


def uninformative(raw: pd.DataFrame, cfg: Weights) -> dict[str, str]:
    """Weighted indicators that cannot rank domains: constant, or non-zero in one domain only.

    Min–max would turn the one non-zero domain into 1 and every other into 0, so the indicator
    alone could decide a class (JRC/OECD Handbook 2008, step 2: indicator selection).
    """
    out: dict[str, str] = {}
    if len(raw) < 2:
        return out
    for name in used_indicators(cfg):
        col = raw[name].to_numpy(dtype="float64")
        nonzero = np.flatnonzero(col != 0)
        if np.ptp(col) <= 1e-12 * max(1.0, float(np.abs(col).max())):
            out[name] = f"constant ({col[0]:g})"
        elif len(nonzero) == 1:
            out[name] = f"non-zero in {raw.index[nonzero[0]]} only"
    return out


def axis_weights(raw: pd.DataFrame, cfg: Weights) -> dict[str, dict[str, float]]:
    """Each axis's weights with uninformative indicators left out (all kept if none would remain)."""
    drop = uninformative(raw, cfg)
    out = {}
    for axis in AXES:
        spec = dict(cfg.axes[axis].indicators)
        kept = {k: w for k, w in spec.items() if k not in drop}
        out[axis] = kept if sum(kept.values()) > 0 else spec
    return out


def axis_scores(
    raw: pd.DataFrame,
    cfg: Weights,
    *,
    normalisation: str | None = None,
    aggregation: str | None = None,
) -> pd.DataFrame:
    """Domain × axis scores in [0, 1] with the configured (or given) choices."""
    method = normalisation or cfg.normalisation
    agg = aggregation or cfg.aggregation
    normed = prepared_matrix(raw, cfg, method)
    names = list(raw.columns)
    eff = axis_weights(raw, cfg)
    out = {}
    for axis in AXES:
        spec = eff[axis]
        idx = [names.index(n) for n in spec]
        w = np.array([spec[n] for n in spec], dtype="float64")
        out[f"{axis}_score"] = aggregate(normed[:, idx], w, agg, cfg.geometric_floor)
    return pd.DataFrame(out, index=raw.index)


def composite_scores(
    axes: pd.DataFrame, cfg: Weights, *, aggregation: str | None = None
) -> np.ndarray:
    """Composite priority in [0, 1]: the axes aggregated with the composite weights."""
    values = axes[[f"{a}_score" for a in AXES]].to_numpy(dtype="float64")
    w = np.array([cfg.composite.get(a, 0.0) for a in AXES], dtype="float64")
    return aggregate(values, w, aggregation or cfg.aggregation, cfg.geometric_floor)
