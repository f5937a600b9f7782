"""The best-cut bound of the label-ceiling benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # benchmarks/ is a folder of scripts, not an installed package

from benchmarks.bench_label_ceiling import best_cut  # noqa: E402


def _f1_at(truth: np.ndarray, scores: np.ndarray, cut: float) -> float:
    predicted = scores >= cut
    tp = int((predicted & truth).sum())
    return 0.0 if tp == 0 else 2 * tp / (predicted.sum() + truth.sum())


def test_best_cut_is_the_best_of_every_possible_cut():
    rng = np.random.default_rng(3)
    truth = rng.random(400) < 0.1
    scores = np.round(np.clip(truth * 0.3 + rng.random(400) * 0.7, 0, 1), 2)  # ties on purpose
    f1, precision, recall, cut = best_cut(truth, scores)
    exhaustive = max(_f1_at(truth, scores, c) for c in np.unique(scores))
    assert f1 == pytest.approx(exhaustive)
    assert f1 == pytest.approx(_f1_at(truth, scores, cut))
    predicted = scores >= cut
    assert precision == pytest.approx((predicted & truth).sum() / predicted.sum())
    assert recall == pytest.approx((predicted & truth).sum() / truth.sum())


def test_a_cut_never_splits_tied_scores():
    truth = np.array([True, False, False, True])
    scores = np.array([0.9, 0.9, 0.9, 0.1])  # the first True cannot be taken alone
    f1, _, _, cut = best_cut(truth, scores)
    assert cut in (0.9, 0.1)
    assert f1 == pytest.approx(max(_f1_at(truth, scores, 0.9), _f1_at(truth, scores, 0.1)))
