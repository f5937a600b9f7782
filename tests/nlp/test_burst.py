"""The log-factorial table of the burst weights gives gammaln's values exactly."""

import numpy as np
from scipy.special import gammaln

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
