"""Monte Carlo rank bands and first-order sensitivity; hypothesis properties of the draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import weights

from horizon.config.weights import Uncertainty
from scoring.axes import used_indicators
from scoring.composite import competition_ranks, first_order, monte_carlo


def raw_matrix(values: np.ndarray) -> pd.DataFrame:
    names = used_indicators(weights())
    return pd.DataFrame(values, index=[f"d{i}" for i in range(values.shape[0])], columns=names)


matrices = st.integers(min_value=2, max_value=8).flatmap(
    lambda n: st.lists(
        st.lists(st.floats(0, 100, allow_nan=False), min_size=len(used_indicators(weights())),
                 max_size=len(used_indicators(weights()))),
        min_size=n, max_size=n,
    )
).map(lambda rows: raw_matrix(np.array(rows)))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(matrices, st.integers(0, 2**31))
def test_bands_contain_the_median_and_same_seed_same_result(raw, seed):
    cfg = weights(
        uncertainty=Uncertainty(draws=200, seed=seed, normalisations=("minmax", "rank", "zscore"))
    )
    a = monte_carlo(raw, cfg)
    b = monte_carlo(raw, cfg)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    r = a.ranks
    assert (r["rank_low"] <= r["rank_median"]).all() and (r["rank_median"] <= r["rank_high"]).all()
    assert (r["rank_low"] >= 1).all() and (r["rank_high"] <= len(raw)).all()


def test_identical_indicators_give_tied_ranks():
    raw = raw_matrix(np.tile(np.arange(1.0, len(used_indicators(weights())) + 1), (5, 1)))
    mc = monte_carlo(raw, weights())
    # every draw ties all five domains at the average rank 3
    assert mc.ranks["rank_median"].tolist() == [3.0] * 5
    assert (
        mc.ranks["rank_low"].tolist() == [3.0] * 5 and mc.ranks["rank_high"].tolist() == [3.0] * 5
    )
    assert competition_ranks(np.full(5, 0.4)).tolist() == [1] * 5
    assert competition_ranks(np.array([0.2, 0.9, 0.2, 0.5])).tolist() == [3, 1, 3, 2]


def test_different_seeds_draw_differently():
    rng = np.random.default_rng(1)
    raw = raw_matrix(rng.uniform(0, 1, size=(6, len(used_indicators(weights())))))
    a = monte_carlo(raw, weights(uncertainty=Uncertainty(draws=100, seed=1)))
    b = monte_carlo(raw, weights(uncertainty=Uncertainty(draws=100, seed=2)))
    assert not a.sensitivity["first_order"].equals(b.sensitivity["first_order"])


def test_sensitivity_points_at_the_weight_that_decides():
    # Japan strength and foreign activity pull the two domains in opposite directions and the
    # socioeconomic axis is flat: the composite weights of those two axes decide the order.
    names = used_indicators(weights())
    cfg = weights()
    js = set(cfg.axes["japan_strength"].indicators)
    fa = set(cfg.axes["foreign_activity"].indicators)
    a = [1.0 if n in js else 0.0 if n in fa else 0.5 for n in names]
    b = [0.0 if n in js else 1.0 if n in fa else 0.5 for n in names]
    raw = raw_matrix(np.array([a, b]))
    mc = monte_carlo(
        raw,
        cfg.model_copy(
            update={"uncertainty": Uncertainty(draws=2000, aggregations=("arithmetic",))}
        ),
    )
    overall = mc.sensitivity[mc.sensitivity["domain"].isna()].set_index("parameter")["first_order"]
    top = set(overall.sort_values(ascending=False).index[:2])
    assert top == {"composite.japan_strength", "composite.foreign_activity"}
    assert overall["composite.socioeconomic"] < 0.05


def test_first_order_by_hand():
    # Y = X exactly (two equal-sized groups): all variance is explained by X
    x = np.array([0, 0, 1, 1])
    y = np.array([[0.0], [0.0], [2.0], [2.0]])
    assert first_order(x, y, 2)[0] == 1.0
    # Y independent of X: none
    y2 = np.array([[0.0], [2.0], [0.0], [2.0]])
    assert first_order(x, y2, 2)[0] == 0.0
