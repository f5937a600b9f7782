"""Per-term weekly totals from the cells alone equal those of a terms × weeks matrix."""

import numpy as np
import pandas as pd

from nlp.ranking import _week_totals


def test_week_totals_match_the_dense_count_of_every_term():
    rng = np.random.default_rng(5)
    rows, bins = 40, 30
    cells = pd.DataFrame(
        {
            "k": rng.integers(0, rows - 5, 600),  # the last five terms have no cells
            "week": rng.integers(0, bins, 600).astype(np.int32),
            "n": rng.integers(1, 5, 600),
        }
    )  # several cells of one term and week: its sources and streams
    periods = (bins - 8, bins - 4, bins)
    dense = np.zeros((rows, bins))
    np.add.at(dense, (cells["k"], cells["week"]), cells["n"])
    cumulative = dense.cumsum(axis=1)
    recent, before, median_bin = _week_totals(cells, rows, periods)
    assert np.array_equal(recent, dense[:, periods[1] :].sum(axis=1))
    assert np.array_equal(before, dense[:, periods[0] : periods[1]].sum(axis=1))
    assert np.array_equal(median_bin, (cumulative >= cumulative[:, -1:] / 2).argmax(axis=1))
    assert len(set(median_bin)) > 5
