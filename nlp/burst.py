"""Kleinberg (2002) two-state burst detection, batched form as in CiteSpace (methods.md § Burst)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import gammaln

#: Costs closer than this are a tie, settled towards the base state (floating-point noise must not
#: decide whether a bin bursts: e.g. r = d = 3 at s = 2 gains exactly ln 8 = τ for n = 8).
TIE = 1e-9


def _cost(r: int, d: int, p: float) -> float:
    """σ = −ln[C(d, r) · p^r · (1 − p)^(d − r)]."""
    if d == 0:
        return 0.0
    log_binom = math.lgamma(d + 1) - math.lgamma(r + 1) - math.lgamma(d - r + 1)
    return -(log_binom + r * math.log(p) + (d - r) * math.log(1 - p))


def burst_states(
    relevant: Sequence[int], totals: Sequence[int], *, s: float = 2.0, gamma: float = 1.0
) -> tuple[list[int], float]:
    """Viterbi state per bin (0 base, 1 burst) and the burst weight Σ_{t in burst} (σ0 − σ1)."""
    n = len(relevant)
    if n == 0 or sum(totals) == 0 or sum(relevant) == 0:
        return [0] * n, 0.0
    p0 = sum(relevant) / sum(totals)
    p1 = min(s * p0, 0.9999)
    p0 = min(max(p0, 1e-9), 0.9999)
    tau = gamma * math.log(n) if n > 1 else gamma
    sigma = [(_cost(r, d, p0), _cost(r, d, p1)) for r, d in zip(relevant, totals, strict=False)]
    # cost[k] = cheapest cost ending in state k; entering the burst state costs tau, leaving is free.
    cost = [sigma[0][0], sigma[0][1] + tau]
    back: list[tuple[int, int]] = []
    for t in range(1, n):
        to0 = (cost[1], 1) if cost[1] < cost[0] - TIE else (cost[0], 0)
        to1 = (cost[0] + tau, 0) if cost[0] + tau < cost[1] - TIE else (cost[1], 1)
        back.append((to0[1], to1[1]))
        cost = [to0[0] + sigma[t][0], to1[0] + sigma[t][1]]
    state = 1 if cost[1] < cost[0] - TIE else 0
    states = [state]
    for t in range(n - 2, -1, -1):
        state = back[t][state]
        states.append(state)
    states.reverse()
    weight = sum(sigma[t][0] - sigma[t][1] for t in range(n) if states[t] == 1)
    return states, weight


#: How far below τ a series' largest possible saving must stay to be known not to burst: far
#: above the rounding of the Viterbi's costs (~1e-12) and the TIE slack it may add over the bins.
SURE = 1e-3
#: Largest count whose ln k! is looked up in a table (above it, computed cell by cell).
TABLE_MAX = 1_000_000


def _log_factorial(x: np.ndarray) -> np.ndarray:
    """ln x! = gammaln(x + 1), value for value; whole counts are looked up in a table of the
    same function (counts repeat: most cells of a term's weeks are 0)."""
    top = float(x.max()) if x.size else 0.0
    if x.size and x.min() >= 0 and top <= TABLE_MAX and np.array_equal(x, np.floor(x)):
        return gammaln(np.arange(int(top) + 1, dtype=np.float64) + 1)[x.astype(np.int64)]
    return gammaln(x + 1)


def burst_weights(
    relevant: np.ndarray,
    totals: np.ndarray,
    *,
    s: float = 2.0,
    gamma: float = 1.0,
    expected: np.ndarray | None = None,
) -> np.ndarray:
    """`burst_states`' weight for many series at once: rows of `relevant` share the bins `totals`.

    The same Viterbi, vectorised over rows (the loop runs over bins only), so thousands of
    candidate terms cost one pass over the weeks instead of one Python pass per term.
    `expected` (rows × bins, optional) gives each bin's expected count in the base state, so the
    base rate may change from bin to bin (p0 = expected / totals, p1 = s · p0): the count expected
    from the mix of streams in each bin (indirect standardisation, docs/methodology.md). Without
    it p0 is the row's overall share Σ relevant / Σ totals in every bin, as in Kleinberg (2002).
    """
    r = np.asarray(relevant, dtype=np.float64)
    d = np.asarray(totals, dtype=np.float64)
    out = np.zeros(r.shape[0])
    n = r.shape[1] if r.ndim == 2 else 0
    if n == 0 or d.sum() == 0:
        return out
    tau = gamma * math.log(n) if n > 1 else gamma
    ok = r.sum(axis=1) > 0
    if s > 1:
        # A bin in the burst state saves at most r·ln s over the base state (p1 ≤ s·p0, and its
        # d − r documents without the term only add cost), and entering the state costs τ: a
        # series of fewer than τ / ln s documents in all never bursts, its weight is 0 unsearched.
        few = r.sum(axis=1) * math.log(s) < tau - SURE
        ok &= ~(few & (r <= d).all(axis=1))
    if not ok.any():
        return out
    r = r[ok]
    if expected is None:
        p0 = np.broadcast_to((r.sum(axis=1) / d.sum())[:, None], r.shape)
    else:
        p0 = np.asarray(expected, dtype=np.float64)[ok] / np.where(d > 0, d, 1)
    p0 = np.clip(p0, 1e-9, 0.9999)  # a bin where none of the row's streams published expects 0
    p1 = np.minimum(s * p0, 0.9999)
    log_binom = gammaln(d + 1) - _log_factorial(r) - _log_factorial(d - r)
    empty = d == 0
    sigma0 = np.where(empty, 0.0, -(log_binom + r * np.log(p0) + (d - r) * np.log(1 - p0)))
    sigma1 = np.where(empty, 0.0, -(log_binom + r * np.log(p1) + (d - r) * np.log(1 - p1)))
    rows = r.shape[0]
    cost0, cost1 = sigma0[:, 0].copy(), sigma1[:, 0] + tau
    back = np.zeros((n, rows, 2), dtype=np.int8)  # back[t, :, k]: state at t-1 on the way to k
    for t in range(1, n):
        from1_to0 = cost1 < cost0 - TIE
        from1_to1 = ~(cost0 + tau < cost1 - TIE)
        back[t, :, 0], back[t, :, 1] = from1_to0, from1_to1
        new0 = np.where(from1_to0, cost1, cost0) + sigma0[:, t]
        new1 = np.where(from1_to1, cost1, cost0 + tau) + sigma1[:, t]
        cost0, cost1 = new0, new1
    state = (cost1 < cost0 - TIE).astype(np.int8)
    weight = np.where(state == 1, sigma0[:, -1] - sigma1[:, -1], 0.0)
    idx = np.arange(rows)
    for t in range(n - 1, 0, -1):
        state = back[t, idx, state]
        weight += np.where(state == 1, sigma0[:, t - 1] - sigma1[:, t - 1], 0.0)
    out[ok] = weight
    return out
