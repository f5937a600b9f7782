"""Kleinberg (2002) two-state batched burst detection, as in CiteSpace."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln


@dataclass(frozen=True)
class Bursts:
    """Viterbi state per bin (1 = burst) and each bin's weight σ0 − σ1."""

    states: np.ndarray
    gains: np.ndarray

    @property
    def weight(self) -> float:
        """Burst weight = Σ over burst bins of (σ0 − σ1)."""
        return float(self.gains[self.states == 1].sum())

    def intervals(self) -> list[tuple[int, int]]:
        """Bin index intervals [start, end] of the burst state."""
        out: list[tuple[int, int]] = []
        start = None
        for i, s in enumerate([*self.states.tolist(), 0]):
            if s == 1 and start is None:
                start = i
            elif s == 0 and start is not None:
                out.append((start, i - 1))
                start = None
        return out


def _cost(r: np.ndarray, d: np.ndarray, p: float) -> np.ndarray:
    # σ(t) = −ln[C(d_t, r_t) p^r_t (1 − p)^(d_t − r_t)]; gammaln extends C to fractional counts.
    log_c = gammaln(d + 1) - gammaln(r + 1) - gammaln(d - r + 1)
    return -(log_c + r * np.log(p) + (d - r) * np.log1p(-p))


def detect_bursts(r: np.ndarray, d: np.ndarray, *, s: float = 2.0, gamma: float = 1.0) -> Bursts:
    """Cheapest two-state sequence for r_t relevant of d_t documents per bin (Kleinberg 2002).

    p0 = Σr/Σd, p1 = s·p0; entering the burst state costs γ·ln n; leaving it is free.
    """
    r = np.asarray(r, dtype="float64")
    d = np.asarray(d, dtype="float64")
    n = len(r)
    if n == 0 or d.sum() <= 0 or r.sum() <= 0:
        return Bursts(states=np.zeros(n, dtype="int64"), gains=np.zeros(n))
    d = np.maximum(d, r)
    p0 = r.sum() / d.sum()
    p1 = min(s * p0, 0.9999)
    if p1 <= p0:
        return Bursts(states=np.zeros(n, dtype="int64"), gains=np.zeros(n))
    cost = np.vstack([_cost(r, d, p0), _cost(r, d, p1)])
    tau = gamma * np.log(n)
    total = np.array([cost[0, 0], tau + cost[1, 0]])
    back = np.zeros((2, n), dtype="int64")
    for t in range(1, n):
        stay0, up = total[0], total[0] + tau
        down, stay1 = total[1], total[1]
        back[0, t] = 0 if stay0 <= down else 1
        back[1, t] = 0 if up < stay1 else 1
        total = np.array([min(stay0, down), min(up, stay1)]) + cost[:, t]
    states = np.zeros(n, dtype="int64")
    states[-1] = int(np.argmin(total))
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[states[t], t]
    return Bursts(states=states, gains=cost[0] - cost[1])
