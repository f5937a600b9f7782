import numpy as np
import pandas as pd
import pytest

from nlp.termhood import (
    beta_binomial_prior,
    document_ratio,
    ends_with_known,
    head_selectivity,
    head_termhood,
    head_word,
    modifiers_of,
    singular,
)


def test_singular_folds_plurals_but_not_nouns_in_ics():
    assert [singular(w) for w in ("batteries", "models", "spintronics", "physics", "class")] == [
        "battery", "model", "spintronics", "physics", "class",
    ]  # fmt: skip
    assert head_word("spiking neural networks") == "network"


def test_a_phrase_is_labelled_when_it_ends_with_a_known_term():
    known = {("neural", "network"), ("bioreactor",)}
    terms = pd.Series(["spiking neural networks", "neural network pruning", "membrane bioreactors",
                       "network", "neural networks"])  # fmt: skip
    assert ends_with_known(terms, known).tolist() == [True, False, True, False, True]


def test_beta_binomial_prior_by_the_method_of_moments():
    # k = 1, 3, 0 of n = 4 each: mean 1/3; spread of the shares 0.0972 = 0.4375 of mu(1 - mu);
    # chance 1/4; rho = (0.4375 - 0.25) / 0.75 = 0.25; alpha + beta = 1 / rho - 1 = 3
    mu, strength = beta_binomial_prior(np.array([1, 3, 0]), np.array([4, 4, 4]))
    assert mu == pytest.approx(1 / 3)
    assert strength == pytest.approx(3)
    # nothing labelled, everything labelled, or no spread beyond chance: no information
    assert beta_binomial_prior(np.array([0, 0]), np.array([3, 4])) is None
    assert beta_binomial_prior(np.array([3, 4]), np.array([3, 4])) is None
    assert beta_binomial_prior(np.array([1, 1]), np.array([2, 2])) is None


def test_head_termhood_is_the_shrunk_share_of_labelled_phrases_over_the_overall_share():
    heads = pd.Series(["network"] * 4 + ["rate"] * 4 + ["cache"] * 4)
    labelled = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], dtype=bool)  # by head, as above
    # the prior of the test above: mean 1/3, alpha + beta = 3, so alpha = 1:
    # network (3 + 1) / (4 + 3) / (1/3) = 12/7, rate 1/7 * 3 = 3/7, cache 2/7 * 3 = 6/7
    got = head_termhood(heads, labelled)
    assert got.tolist() == pytest.approx([12 / 7] * 4 + [3 / 7] * 4 + [6 / 7] * 4)
    # a scan with no labelled phrase (a small taxonomy, a small corpus) ranks as before
    assert head_termhood(heads, np.zeros(12, dtype=bool)).tolist() == [1.0] * 12


def test_a_burst_earns_precedence_only_with_termhood_of_at_least_one_and_plurals_fold():
    from nlp.ranking import order_terms

    frame = pd.DataFrame(
        {
            "term": [
                "sum rate",
                "movable antenna",
                "movable antennas",
                "kv cache",
                "tight binding",
            ],
            "language": ["en"] * 5,
            "n": [30, 20, 8, 10, 40],
            "cvalue": [30.0, 20.0, 8.0, 10.0, 40.0],
            "termhood": [0.01, 2.0, 2.0, 1.0, 0.5],
            "burst_weight": [9.0, 4.0, 0.0, 0.0, 0.0],
            "recency": [1.0, 0.5, 1.0, 1.0, 1.0],
        }
    )
    out = order_terms(frame)
    # scores: sum rate 30 · 0.01 · 10 = 3 (a burst, but termhood below 1: no precedence);
    # movable antenna 20 · 2 · 5 · 0.5 = 100 (first); kv cache 10; tight binding 20;
    # "movable antennas" (16) is the plural of a better placed term
    assert out["term"].tolist() == ["movable antenna", "tight binding", "kv cache", "sum rate"]
    assert out["emerging_score"].tolist() == pytest.approx([100.0, 20.0, 10.0, 3.0])
    assert out["bursting"].tolist() == [True, False, False, False]


def test_document_ratio_is_a_phrases_shrunk_share_of_marking_documents_over_the_overall_share():
    # the counts of the prior test above (mean 1/3, alpha + beta = 3): (k + 1) / 7 · 3
    got = document_ratio(np.array([1, 3, 0]), np.array([4, 4, 4]))
    assert got.tolist() == pytest.approx([6 / 7, 12 / 7, 3 / 7])
    # no document marks any phrase (a corpus without titles): every ratio is 1
    assert document_ratio(np.zeros(3), np.array([4, 4, 4])).tolist() == [1.0] * 3


def test_head_selectivity_is_the_phrase_share_of_candidates_with_its_modifiers():
    records = pd.Series(
        {"hierarchical learning": 4, "hierarchical memory": 5, "hierarchical transformer": 3,
         "hierarchical planning": 8, "curriculum learning": 29, "curriculum design": 1,
         "model predictive control": 37, "model predictive controller": 3,
         "model predictive": 6}
    )  # fmt: skip
    family = records.groupby(modifiers_of(records.index.to_series()).to_numpy()).sum()
    terms = pd.Series(["hierarchical learning", "curriculum learning", "model predictive control"])
    got = head_selectivity(terms, np.array([4, 29, 37]), family)
    # a generic premodifier spreads over heads; "model predictive" alone is another length
    assert got.tolist() == pytest.approx([4 / 20, 29 / 30, 37 / 40])
    # a phrase whose family was not counted stands for itself
    assert head_selectivity(pd.Series(["kv cache"]), np.array([10]), family).tolist() == [1.0]


def test_a_generic_premodifier_ranks_below_a_selective_one():
    from nlp.ranking import order_terms

    frame = pd.DataFrame(
        {
            "term": ["hierarchical memory", "movable antenna"],
            "language": ["en"] * 2,
            "n": [10, 10],
            "cvalue": [10.0, 5.0],
            "selectivity": [0.1, 0.9],
            "burst_weight": [0.0, 0.0],
            "recency": [1.0, 1.0],
        }
    )
    out = order_terms(frame)
    assert out["term"].tolist() == ["movable antenna", "hierarchical memory"]
    assert out["emerging_score"].tolist() == pytest.approx([4.5, 1.0])
