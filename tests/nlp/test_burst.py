"""Burst weights computed faster give the same values: ln k! by table, small series unsearched."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from nlp import burst
from nlp.burst import _log_factorial


def test_whole_counts_are_looked_up_value_for_value():
    counts = np.array([[0, 1, 2, 0], [170, 3, 0, 999]], dtype=np.float64)
    assert np.array_equal(_log_factorial(counts), gammaln(counts + 1))


def test_fractions_and_negatives_are_computed_cell_by_cell():
    for values in ([0.5, 2.0, 3.25], [-0.5, 1.0], [2.0, -3.0]):
        x = np.array(values)
        assert np.array_equal(_log_factorial(x), gammaln(x + 1), equal_nan=True)


def test_an_empty_matrix_stays_empty():
    assert _log_factorial(np.zeros((0, 5))).shape == (0, 5)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 60).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 40), min_size=n, max_size=n),
            st.lists(st.lists(st.integers(0, 4), min_size=n, max_size=n), min_size=1, max_size=6),
            st.floats(1.2, 3.0),
            st.booleans(),
        )
    )
)
def test_series_too_small_to_burst_weigh_what_the_viterbi_gives(case):
    totals, rows, s, mixed = case
    d = np.array(totals, dtype=np.float64)
    r = np.minimum(np.array(rows, dtype=np.float64), d)  # a week's documents hold the term's
    expected = (r.sum(axis=1, keepdims=True) * (d + 1) / (d + 1).sum()) if mixed else None
    fast = burst.burst_weights(r, d, s=s, expected=expected)
    saved = burst.SURE
    burst.SURE = math.inf  # every series searched
    try:
        full = burst.burst_weights(r, d, s=s, expected=expected)
    finally:
        burst.SURE = saved
    assert np.array_equal(fast, full)


def test_a_concentrated_series_of_enough_documents_still_bursts():
    totals = np.full(52, 10.0)
    relevant = np.zeros((1, 52))
    relevant[0, 40:44] = 4.0  # 16 documents in four weeks, none before
    assert burst.burst_weights(relevant, totals)[0] > 0
