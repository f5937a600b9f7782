"""CAGR on moving sums, acceleration, and Kleinberg bursts on known sequences, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import value, weights

from scoring.bursts import detect_bursts
from scoring.growth import burst_indicators, cagr, growth_indicators, moving_sums


def test_cagr_by_hand():
    assert cagr(100, 121, 2) == pytest.approx(0.10)
    assert math.isnan(cagr(0, 5, 3))
    # add-one smoothing: from 0 to 7 over 3 years is (8/1)^(1/3) − 1 = 100%/yr, not NaN
    assert cagr(0, 7, 3, 1.0) == pytest.approx(1.0)
    assert cagr(99, 120, 2, 1.0) == pytest.approx(0.10)


def test_growth_from_zero_is_growth_not_flat():
    # nothing foreign before 2024, then 3 a year: the moving sums go 0 → 9 over the recent span
    years = list(range(2018, 2027))
    vals = [0, 0, 0, 0, 0, 0, 3, 3, 3]
    frame = pd.DataFrame({"domain": "alpha", "year": years, "value": vals})
    ind = growth_indicators(frame, ["alpha"], 2026, "2022-2026", weights())
    # M_2026 = 9, M_2023 = 0, M_2020 = 0 → ((9 + 1)/(0 + 1))^(1/3) − 1; previous (1/1) − 1 = 0
    assert value(ind, "alpha", "WORLD", "foreign_cagr") == pytest.approx(10 ** (1 / 3) - 1)
    assert value(ind, "alpha", "WORLD", "foreign_acceleration") == pytest.approx(10 ** (1 / 3) - 1)


def test_moving_sums():
    assert moving_sums(np.array([1, 2, 3, 4]), 3).tolist() == [1, 3, 6, 9]


def test_cagr_and_acceleration_on_three_year_moving_sums():
    # foreign output per year 2018..2026: 1,1,1, 2,2,2, 8,8,8
    years = list(range(2018, 2027))
    vals = [1, 1, 1, 2, 2, 2, 8, 8, 8]
    frame = pd.DataFrame({"domain": "alpha", "year": years, "value": vals})
    ind = growth_indicators(frame, ["alpha"], 2026, "2022-2026", weights())
    # M_2026 = 24, M_2023 = 6, M_2020 = 3 → CAGR = (25/7)^(1/3) − 1; previous = (7/4)^(1/3) − 1
    # (add-one smoothing on both moving sums)
    recent = (25 / 7) ** (1 / 3) - 1
    previous = (7 / 4) ** (1 / 3) - 1
    assert value(ind, "alpha", "WORLD", "foreign_cagr") == pytest.approx(recent)
    assert value(ind, "alpha", "WORLD", "foreign_acceleration") == pytest.approx(recent - previous)


def gain(r, d, p0, p1):
    # σ0 − σ1 = r ln(p1/p0) + (d − r) ln((1 − p1)/(1 − p0)); the binomial term cancels
    return r * math.log(p1 / p0) + (d - r) * math.log((1 - p1) / (1 - p0))


def test_kleinberg_finds_the_known_burst():
    r = [5, 5, 5, 5, 20, 20, 20, 5, 5, 5]
    d = [100] * 10
    res = detect_bursts(np.array(r), np.array(d), s=2.0, gamma=1.0)
    assert res.states.tolist() == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert res.intervals() == [(4, 6)]
    p0 = 95 / 1000
    assert res.weight == pytest.approx(3 * gain(20, 100, p0, 2 * p0))


def test_kleinberg_flat_series_has_no_burst_and_gamma_raises_the_bar():
    flat = detect_bursts(np.full(8, 10.0), np.full(8, 100.0))
    assert flat.states.sum() == 0 and flat.weight == 0.0
    # one high bin: p0 = 65/1000, gain(20) = 20 ln 2 + 80 ln(0.87/0.935) ≈ 8.10;
    # τ = γ ln 10: 9.21 at γ = 4 (no burst), 2.30 at γ = 1 (burst)
    r = np.array([5, 5, 5, 5, 20, 5, 5, 5, 5, 5.0])
    d = np.full(10, 100.0)
    assert gain(20, 100, 0.065, 0.13) == pytest.approx(8.0987, abs=1e-3)
    assert detect_bursts(r, d, gamma=4.0).states.sum() == 0
    assert detect_bursts(r, d, gamma=1.0).states.tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_burst_indicators_count_bursts_inside_the_latest_window():
    years = list(range(2017, 2027))
    r = [5, 5, 5, 5, 5, 5, 5, 20, 20, 20]
    frame = pd.concat(
        [
            pd.DataFrame({"domain": "alpha", "year": years, "month": 1.0, "value": r}),
            pd.DataFrame(
                {"domain": "beta", "year": years, "month": 1.0, "value": [95 - x for x in r]}
            ),
        ]
    )
    ind = burst_indicators(frame, ["alpha", "beta"], 2017, 2026, ("2022-2026", 2022), weights())
    assert value(ind, "alpha", "WORLD", "foreign_burst_active") == 1.0
    assert value(ind, "alpha", "WORLD", "foreign_burst_weight") > 0
    assert value(ind, "beta", "WORLD", "foreign_burst_active") == 0.0
    inputs = ind[(ind["domain"] == "alpha") & (ind["indicator"] == "foreign_burst_weight")][
        "inputs"
    ].iloc[0]
    assert inputs["intervals"] == [(2024, 2026)]
