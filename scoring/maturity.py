"""Maturity band from the paper/patent/policy mix (Watts & Porter 1997) and a logistic life cycle.

Shown as a band with its confidence, never as a bare TRL number (Faidi 2021, methods.md).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit

from horizon.config.weights import Weights
from scoring.indicators import WORLD

BANDS = ("basic_research", "applied", "implementation")
KINDS = ("paper", "patent", "policy")


def mix_index(counts: np.ndarray, stage_weights: np.ndarray) -> np.ndarray:
    """Weighted mean stage of the activity: Σ w_k n_k / Σ n_k (rows = domains, cols = kinds)."""
    total = counts.sum(axis=-1)
    return np.where(
        total > 0, (counts * stage_weights).sum(axis=-1) / np.where(total > 0, total, 1), np.nan
    )


def band_of(index: np.ndarray, cuts: tuple[float, float]) -> np.ndarray:
    """0 basic_research below the first cut, 1 applied below the second, else 2 implementation."""
    return np.searchsorted(np.asarray(cuts), index, side="right")


def logistic(t: np.ndarray, k: float, r: float, tm: float) -> np.ndarray:
    """N(t) = K / (1 + e^(−r(t − t_m)))."""
    return k / (1.0 + np.exp(-r * (t - tm)))


def life_cycle(years: np.ndarray, counts: np.ndarray, min_years: int) -> dict:
    """Stage from a logistic fit on cumulative counts: N/K < 10% emerging, < 50% growth,
    < 90% maturity, else saturation (methods.md § Maturity). Empty dict when the series is short."""
    active = counts > 0
    if active.sum() < min_years or counts.sum() <= 0:
        return {}
    first = int(np.argmax(active))
    t = years[first:].astype("float64")
    n = np.cumsum(counts[first:])
    last = float(n[-1])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            (k, r, tm), _ = curve_fit(
                logistic,
                t,
                n,
                p0=(last * 2, 0.5, t[-1]),
                bounds=([last, 0.01, t[0] - 30], [last * 20, 5.0, t[-1] + 30]),
                maxfev=5000,
            )
    except (RuntimeError, ValueError):
        return {}
    fitted = logistic(t, k, r, tm)
    ss_res = float(((n - fitted) ** 2).sum())
    ss_tot = float(((n - n.mean()) ** 2).sum())
    ratio = last / k
    stage = (
        "emerging"
        if ratio < 0.1
        else "growth"
        if ratio < 0.5
        else "maturity"
        if ratio < 0.9
        else "saturation"
    )
    return {
        "stage": stage,
        "saturation": ratio,
        "k": float(k),
        "r": float(r),
        "t_m": float(tm),
        "r2": 1 - ss_res / ss_tot if ss_tot > 0 else 0.0,
        "years": [int(t[0]), int(t[-1])],
    }


def maturity_bands(
    units: pd.DataFrame, domains: list[str], window: tuple[str, int], end_year: int, cfg: Weights
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per domain: maturity (modal band), maturity_band, maturity_confidence, lifecycle_stage;
    and the indicator rows behind them."""
    m = cfg.maturity
    label, start = window
    inside = units[(units["year"] >= start) & (units["year"] <= end_year)]
    mix = inside.pivot_table(
        index="domain", columns="kind", values="share", aggfunc="sum", fill_value=0.0
    )
    mix = mix.reindex(index=domains, columns=list(KINDS), fill_value=0.0)
    counts = mix.to_numpy(dtype="float64")
    sw = np.array([m.stage_weights.get(k, 0.0) for k in KINDS])
    index = mix_index(counts, sw)
    rng = np.random.default_rng(cfg.uncertainty.seed)
    yearly = units[units["year"].notna() & (units["year"] <= end_year)]
    yearly = yearly.pivot_table(
        index="domain", columns="year", values="share", aggfunc="sum", fill_value=0.0
    )
    yearly = yearly.reindex(index=domains, fill_value=0.0)
    rows, ind = [], []
    for i, d in enumerate(domains):
        total = counts[i].sum()
        if total <= 0:
            rows.append((d, None, None, None, None))
            continue
        # Bootstrap the mix (multinomial on the observed counts) → how often each band comes out.
        draws = rng.multinomial(max(int(np.rint(total)), 1), counts[i] / total, size=m.bootstrap)
        bands = band_of(mix_index(draws.astype("float64"), sw), m.cuts)
        p = np.bincount(bands, minlength=3) / m.bootstrap
        modal = int(band_of(np.array([index[i]]), m.cuts)[0])
        present = np.flatnonzero(p >= 0.05)
        lo, hi = min(present.min(), modal), max(present.max(), modal)
        band = BANDS[lo] if lo == hi else f"{BANDS[lo]}–{BANDS[hi]}"
        lc = life_cycle(yearly.columns.to_numpy(), yearly.loc[d].to_numpy(), m.logistic_min_years)
        rows.append((d, BANDS[modal], band, float(p[modal]), lc.get("stage")))
        inputs = {k: float(v) for k, v in zip(KINDS, counts[i], strict=True)}
        inputs |= {"band_probabilities": dict(zip(BANDS, p.round(4).tolist(), strict=True))}
        ind.append((d, WORLD, label, "maturity_index", float(index[i]), inputs))
        if lc:
            ind.append((d, WORLD, label, "lifecycle_saturation", lc["saturation"], lc))
    scores = pd.DataFrame(
        rows,
        columns=["domain", "maturity", "maturity_band", "maturity_confidence", "lifecycle_stage"],
    ).set_index("domain")
    cols = ["domain", "country", "window", "indicator", "value", "inputs"]
    return scores, pd.DataFrame(ind, columns=cols)
