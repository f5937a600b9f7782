"""Kleinberg (2002) two-state burst detection, batched form as in CiteSpace (methods.md § Burst)."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
        to0 = (cost[0], 0) if cost[0] <= cost[1] else (cost[1], 1)
        to1 = (cost[0] + tau, 0) if cost[0] + tau < cost[1] else (cost[1], 1)
        back.append((to0[1], to1[1]))
        cost = [to0[0] + sigma[t][0], to1[0] + sigma[t][1]]
    state = 0 if cost[0] <= cost[1] else 1
    states = [state]
    for t in range(n - 2, -1, -1):
        state = back[t][state]
        states.append(state)
    states.reverse()
    weight = sum(sigma[t][0] - sigma[t][1] for t in range(n) if states[t] == 1)
    return states, weight
