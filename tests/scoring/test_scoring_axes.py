"""Normalisation, winsorising, aggregation and the protect/nurture rule, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import weights

from horizon.config.weights import ClassRule
from scoring.axes import aggregate, normalise, winsorise
from scoring.classes import classify

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


def test_class_rule_and_order_within_class():
    axes = pd.DataFrame(
        {
            "japan_strength_score": [0.9, 0.7, 0.2, 0.3, 0.1],
            "foreign_activity_score": [0.8, 0.6, 0.9, 0.1, 0.2],
            "socioeconomic_score": [0.1, 0.1, 0.1, 0.7, 0.1],
        },
        index=["a", "b", "c", "d", "e"],
    )
    out = classify(axes, np.array([0.6, 0.7, 0.5, 0.4, 0.1]), weights())
    # protect: JS ≥ .5 and FA ≥ .5 (a, b); nurture: JS ≤ .5 and (FA or SE ≥ .5) (c, d); else monitor
    assert out["class"].tolist() == ["protect", "protect", "nurture", "nurture", "monitor"]
    # ordered by composite within the class: b (0.7) before a (0.6)
    assert out["class_rank"].tolist() == [2, 1, 1, 2, 1]


def test_class_rule_socioeconomic_threshold():
    axes = pd.DataFrame(
        {
            "japan_strength_score": [0.9],
            "foreign_activity_score": [0.9],
            "socioeconomic_score": [0.2],
        },
        index=["a"],
    )
    cfg = weights()
    strict = cfg.model_copy(
        update={"classes": {"protect": ClassRule(japan_strength_min=0.5, socioeconomic_min=0.5)}}
    )
    assert classify(axes, np.array([0.5]), strict)["class"].tolist() == ["monitor"]
    assert classify(axes, np.array([0.5]), cfg)["class"].tolist() == ["protect"]
