"""Normalisation, winsorising, aggregation and the protect/nurture rule, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import weights

from scoring.axes import aggregate, normalise, winsorise
from scoring.pipeline import class_table

X = np.array([[1.0], [2.0], [4.0]])


def phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_normalisations_by_hand():
    assert normalise(X, "minmax")[:, 0].tolist() == pytest.approx([0, 1 / 3, 1])
    assert normalise(X, "rank")[:, 0].tolist() == pytest.approx([0, 0.5, 1])
    assert normalise(X, "frontier")[:, 0].tolist() == pytest.approx([0.25, 0.5, 1])
    mean, sd = 7 / 3, math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3)
    assert normalise(X, "zscore")[:, 0].tolist() == pytest.approx(
        [phi((v - mean) / sd) for v in (1, 2, 4)]
    )


def test_constant_column_is_neutral_and_ties_share_rank():
    assert normalise(np.array([[3.0], [3.0]]), "minmax")[:, 0].tolist() == [0.5, 0.5]
    assert normalise(np.array([[1.0], [2.0], [2.0]]), "rank")[:, 0].tolist() == [0.0, 0.75, 0.75]
    # frontier with no positive value falls back to min-max
    assert normalise(np.array([[-2.0], [-1.0]]), "frontier")[:, 0].tolist() == [0.0, 1.0]


def test_winsorise_clips_to_quantiles():
    v = np.array([[0.0], [1.0], [2.0], [3.0], [100.0]])
    # linear quantiles: 25% at position 1 → 1, 75% at position 3 → 3
    assert winsorise(v, 0.25, 0.75)[:, 0].tolist() == [1, 1, 2, 3, 3]


def test_aggregation_by_hand():
    v = np.array([[0.2, 0.8]])
    w = np.array([1.0, 3.0])
    assert aggregate(v, w, "arithmetic", 0.01)[0] == pytest.approx((0.2 + 3 * 0.8) / 4)
    g = (0.2 * 0.8**3) ** 0.25
    assert aggregate(v, w, "geometric", 0.01)[0] == pytest.approx((g - 0.01) / 0.99)
    assert aggregate(np.array([[0.0, 0.0]]), w, "geometric", 0.01)[0] == pytest.approx(0.0)
    assert aggregate(np.array([[1.0, 1.0]]), w, "geometric", 0.01)[0] == pytest.approx(1.0)


def test_each_class_is_ordered_by_its_own_score():
    probs = pd.DataFrame(
        {
            "domain": ["a", "b", "c", "d", "e"],
            "strength_score": [0.9, 0.6, 0.2, 0.1, 0.5],
            "pressure_score": [0.4, 0.9, 0.9, 0.3, 0.9],
            "importance_score": [0.1, 0.1, 0.4, 0.9, 0.9],
        }
    )
    probs["protect_score"] = probs["strength_score"] * probs["pressure_score"]
    probs["nurture_score"] = probs["importance_score"] * (1 - probs["strength_score"])
    out = class_table(probs, np.array([0.1, 0.2, 0.9, 0.3, 0.5]), weights())
    # a: .9·.4 = .36, b: .6·.9 = .54 → protect; c: .4·.8 = .32, d: .9·.9 = .81 → nurture;
    # e: S = .5 is not above neutral, and .9·.5 = .45 ≥ .25 → nurture.
    assert out["class"].tolist() == ["protect", "protect", "nurture", "nurture", "nurture"]
    # within a class by its own score, not the composite: b before a, d before e before c
    assert out["class_rank"].tolist() == [2, 1, 3, 1, 2]
