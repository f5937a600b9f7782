"""Policy intensity (recency-weighted), momentum, announced funding and plan alignment, by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from scoring_helpers import assignments, records, taxonomy, value, weights

from scoring.inputs import prepare
from scoring.socio import policy_indicators

AS_OF = date(2026, 6, 30)


def test_policy_indicators_by_hand():
    recs = records(
        [
            {
                "record_id": "fr:us1",
                "kind": "policy",
                "countries": {"US": 1.0},
                "date": "2026-06-30",
            },
            {
                "record_id": "fr:us2",
                "kind": "policy",
                "countries": {"US": 1.0},
                "date": "2026-01-01",
            },
            {
                "record_id": "url:jp1",
                "kind": "policy",
                "countries": {"JP": 1.0},
                "date": "2025-06-30",
            },
            {
                "record_id": "url:jp2",
                "kind": "policy",
                "countries": {"JP": 1.0},
                "date": "2025-03-01",
            },
        ]
    )
    asg = assignments(
        [("fr:us1", "alpha", 1.0), ("fr:us2", "alpha", 0.5), ("fr:us2", "beta", 0.5),
         ("url:jp1", "alpha", 1.0), ("url:jp2", "beta", 1.0)]
    )  # fmt: skip
    entities = pd.DataFrame(
        {
            "record_id": ["fr:us1", "fr:us1", "fr:us1", "url:jp1"],
            "label": ["MONEY", "MONEY", "MONEY", "MONEY"],
            "value": [1_000_000.0, 100_000_000.0, 5.0, 7.0],
            "currency": ["USD", "JPY", "XXX", "USD"],
        }
    )
    prep = prepare(recs, asg, as_of=AS_OF)
    ind = policy_indicators(
        prep.units,
        prep.credit,
        entities,
        taxonomy(),
        ("2022-2026", 2022),
        as_of=AS_OF,
        cfg=weights(),
    )
    age_us2 = (pd.Timestamp("2026-06-30") - pd.Timestamp("2026-01-01")).days
    # foreign: us1 at age 0 (weight 1) + us2 half in alpha at 0.5^(age/365)
    assert value(ind, "alpha", "WORLD", "policy_intensity_foreign") == pytest.approx(
        1 + 0.5 * 0.5 ** (age_us2 / 365)
    )
    # domestic: jp1 exactly one half-life old
    assert value(ind, "alpha", "WORLD", "policy_intensity_domestic") == pytest.approx(0.5)
    # momentum: last 365 days hold us1 + half of us2 = 1.5; the 365 before hold jp1 (day −365) = 1;
    # add-one smoothing: (2.5 − 2) / (2.5 + 2)
    assert value(ind, "alpha", "WORLD", "policy_momentum") == pytest.approx(0.5 / 4.5)
    # funding: 1e6 USD + 1e8 JPY × 0.0067 (XXX has no rate: counted as unconverted) + jp1 7 USD
    assert value(ind, "alpha", "WORLD", "policy_funding_usd") == pytest.approx(
        1e6 + 1e8 * 0.0067 + 7
    )
    unconv = ind[(ind["domain"] == "alpha") & (ind["indicator"] == "policy_funding_usd")][
        "inputs"
    ].iloc[0]
    assert unconv["unconverted_amounts"] == 1
    # alignment: domestic mentions in the window, alpha 1 of 2
    assert value(ind, "alpha", "JP", "jp_policy_alignment") == pytest.approx(0.5)
    assert value(ind, "gamma", "WORLD", "policy_intensity_foreign") == 0.0


def test_an_eu_announcement_counts_as_foreign_policy():
    # The parsers give the EU as the country (what the store keeps); a record parsed before they
    # did names it only as the issuer, which counts the same.
    recs = records(
        [
            {"record_id": "url:eu2", "kind": "policy", "countries": {"EU": 1.0}, "date": "2026-06-30"},
            {"record_id": "url:eu1", "kind": "policy", "date": "2026-06-30",
             "extra": '{"issuer": "EU", "feed_title": "EU news"}'},
            {"record_id": "url:none", "kind": "policy", "date": "2026-06-30",
             "extra": '{"issuer": null}'},
            {"record_id": "url:jp1", "kind": "policy", "countries": {"JP": 1.0},
             "date": "2026-06-30", "extra": '{"issuer": "JP"}'},
        ]
    )  # fmt: skip
    asg = assignments(
        [
            ("url:eu1", "alpha", 1.0),
            ("url:eu2", "gamma", 1.0),
            ("url:none", "alpha", 1.0),
            ("url:jp1", "beta", 1.0),
        ]
    )
    prep = prepare(recs, asg, as_of=AS_OF)
    eu = prep.credit[prep.credit["record_id"] == "url:eu1"]
    assert eu["country"].tolist() == ["EU"] and eu["weight"].tolist() == [1.0]
    assert "url:none" not in set(prep.credit["record_id"])  # no country, no known issuer
    ind = policy_indicators(
        prep.units, prep.credit, None, taxonomy(), ("2022-2026", 2022), as_of=AS_OF, cfg=weights()
    )
    assert value(ind, "alpha", "WORLD", "policy_intensity_foreign") == pytest.approx(1.0)
    assert value(ind, "beta", "WORLD", "policy_intensity_domestic") == pytest.approx(1.0)
    assert value(ind, "beta", "WORLD", "policy_intensity_foreign") == pytest.approx(0.0)
    assert value(ind, "gamma", "WORLD", "policy_intensity_foreign") == pytest.approx(1.0)
