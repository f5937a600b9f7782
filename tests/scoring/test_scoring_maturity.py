"""Maturity: the Watts & Porter mix band with bootstrap confidence, and the logistic stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import weights

from scoring.maturity import band_of, life_cycle, maturity_bands, mix_index


def cumulative_logistic(years, k, r, tm):
    return k / (1 + np.exp(-r * (years - tm)))


def test_mix_index_and_band_by_hand():
    sw = np.array([0.0, 1.0, 1.0])
    idx = mix_index(np.array([[8.0, 2.0, 0.0], [5.0, 3.0, 2.0], [1.0, 6.0, 3.0]]), sw)
    assert idx.tolist() == pytest.approx([0.2, 0.5, 0.9])
    # < 0.25 basic research; < 0.5 applied; ≥ 0.5 implementation
    assert band_of(idx, (0.25, 0.5)).tolist() == [0, 2, 2]
    assert band_of(np.array([0.3]), (0.25, 0.5)).tolist() == [1]


def test_logistic_stage_growth_and_saturation():
    years = np.arange(2010, 2019)
    cum = cumulative_logistic(years.astype(float), 1000.0, 1.0, 2019.0)
    counts = np.diff(np.concatenate([[0.0], cum]))
    lc = life_cycle(years, counts, 5)
    # N(2018)/K = 1/(1 + e) ≈ 0.27 → growth (10–50%)
    assert lc["stage"] == "growth"
    assert lc["saturation"] == pytest.approx(1 / (1 + np.e), abs=0.05)
    years2 = np.arange(2005, 2027)
    cum2 = cumulative_logistic(years2.astype(float), 500.0, 1.0, 2012.0)
    lc2 = life_cycle(years2, np.diff(np.concatenate([[0.0], cum2])), 5)
    assert lc2["stage"] == "saturation"
    assert lc2["r2"] > 0.99


def test_short_series_has_no_stage():
    assert life_cycle(np.arange(2022, 2026), np.array([1.0, 2.0, 3.0, 4.0]), 5) == {}


def test_band_with_confidence_from_units():
    units = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(100)],
            "domain": ["alpha"] * 100,
            "kind": ["paper"] * 95 + ["patent"] * 5,
            "share": 1.0,
            "year": 2024.0,
        }
    )
    scores, rows = maturity_bands(units, ["alpha", "beta"], ("2022-2026", 2022), 2026, weights())
    assert scores.loc["alpha", "maturity"] == "basic_research"
    assert scores.loc["alpha", "maturity_confidence"] > 0.95
    assert scores.loc["alpha", "maturity_band"] == "basic_research"
    assert pd.isna(scores.loc["beta", "maturity"])
    assert rows.loc[rows["indicator"] == "maturity_index", "value"].tolist() == pytest.approx(
        [0.05]
    )


def test_band_widens_near_a_cut():
    # index = 0.25 exactly at the cut with few records: the bootstrap straddles two stages
    units = pd.DataFrame(
        {"record_id": [f"r{i}" for i in range(40)], "domain": "alpha", "kind": ["paper"] * 30 + ["patent"] * 10,
         "share": 1.0, "year": 2024.0}
    )  # fmt: skip
    scores, _ = maturity_bands(units, ["alpha"], ("2022-2026", 2022), 2026, weights())
    assert scores.loc["alpha", "maturity_band"] == "basic_research–applied"
    assert scores.loc["alpha", "maturity_confidence"] < 0.9
