"""Foreign activity over time: CAGR and acceleration on moving sums, Kleinberg bursts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horizon.config.weights import Weights
from scoring.bursts import detect_bursts
from scoring.counting import annual_series
from scoring.indicators import WORLD


def cagr(start: float, end: float, years: int, smoothing: float = 0.0) -> float:
    """CAGR = ((X_t1 + a) / (X_t0 + a))^(1/(t1 − t0)) − 1 (methods.md § Growth, a = 0).

    With a > 0 (add-a smoothing) emergence from zero is growth, not NaN, and a few documents
    cannot make an extreme rate; NaN only when the smoothed start is still 0.
    """
    if start + smoothing <= 0 or years <= 0:
        return float("nan")
    return float(((end + smoothing) / (start + smoothing)) ** (1.0 / years) - 1.0)


def moving_sums(series: np.ndarray, width: int) -> np.ndarray:
    """Trailing sums over `width` bins (the first bins sum what exists)."""
    c = np.cumsum(np.concatenate([[0.0], np.asarray(series, dtype="float64")]))
    idx = np.arange(1, len(c))
    return c[idx] - c[np.maximum(idx - width, 0)]


def growth_indicators(
    foreign: pd.DataFrame, domains: list[str], end_year: int, window: str, cfg: Weights
) -> pd.DataFrame:
    """foreign_cagr and foreign_acceleration per domain (rows for the latest window).

    `foreign` holds domain, year, value (foreign fractional output of papers + patent families).
    """
    w = cfg.windows
    first = end_year - 2 * w.growth_span - w.moving_sum + 1
    table = annual_series(foreign, "value", first, end_year, domains)
    rows = []
    for domain, values in zip(table.index, table.to_numpy(), strict=True):
        m = moving_sums(values, w.moving_sum)
        m_end, m_mid, m_start = m[-1], m[-1 - w.growth_span], m[-1 - 2 * w.growth_span]
        recent = cagr(m_mid, m_end, w.growth_span, w.growth_smoothing)
        previous = cagr(m_start, m_mid, w.growth_span, w.growth_smoothing)
        inputs = {
            "end_year": end_year,
            "span": w.growth_span,
            "moving_sum": w.moving_sum,
            "m_end": m_end,
            "m_mid": m_mid,
            "m_start": m_start,
            "smoothing": w.growth_smoothing,
        }
        # Acceleration = CAGR(recent span) − CAGR(previous span).
        rows += [
            (domain, WORLD, window, "foreign_cagr", recent, inputs),
            (domain, WORLD, window, "foreign_acceleration", recent - previous, inputs),
        ]
    return pd.DataFrame(
        rows, columns=["domain", "country", "window", "indicator", "value", "inputs"]
    )


def burst_indicators(
    foreign: pd.DataFrame,
    domains: list[str],
    first_year: int,
    end_year: int,
    window: tuple[str, int],
    cfg: Weights,
) -> pd.DataFrame:
    """Kleinberg burst weight (bursts within the latest window) and whether one is active.

    `foreign` holds domain, year, month, value; r_t = a domain's foreign output in bin t,
    d_t = all foreign output in bin t.
    """
    b = cfg.bursts
    label, start_year = window
    if b.bin == "month":
        f = foreign[foreign["month"].notna()]
        f = f.assign(year=(f["year"] * 12 + f["month"] - 1))
        lo, hi, win_lo = first_year * 12, end_year * 12 + 11, start_year * 12
    else:
        f, lo, hi, win_lo = foreign, first_year, end_year, start_year
    table = annual_series(f, "value", lo, hi, domains)
    d = table.sum(axis=0).to_numpy()
    bins = table.columns.to_numpy()
    rows = []
    for domain, r in zip(table.index, table.to_numpy(), strict=True):
        res = detect_bursts(r, d, s=b.s, gamma=b.gamma)
        in_window = (res.states == 1) & (bins >= win_lo)
        weight = float(res.gains[in_window].sum())
        intervals = [(int(bins[i]), int(bins[j])) for i, j in res.intervals()]
        inputs = {"bin": b.bin, "s": b.s, "gamma": b.gamma, "intervals": intervals}
        active = float(len(res.states) > 0 and res.states[-1] == 1)
        rows += [
            (domain, WORLD, label, "foreign_burst_weight", weight, inputs),
            (domain, WORLD, label, "foreign_burst_active", active, inputs),
        ]
    return pd.DataFrame(
        rows, columns=["domain", "country", "window", "indicator", "value", "inputs"]
    )
