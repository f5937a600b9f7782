"""HHI, CR_k, research lead, the ASPI monopoly light, indispensability and exposure, by hand."""

from __future__ import annotations

from datetime import date

import pytest
from scoring_helpers import assignments, records, value, weights

from scoring.counting import count_outputs, window_table
from scoring.indicators import citation_indicators, concentration_indicators
from scoring.inputs import prepare

AS_OF = date(2026, 6, 30)


def run(spec, cites=None):
    rows, n = [], 0
    for country, org, k in spec:
        for _ in range(k):
            rows.append({"record_id": f"demo:r{n}", "countries": {country: 1.0}, "orgs": [org] if org else [],
                         "cites": cites})  # fmt: skip
            n += 1
    recs = records(rows)
    prep = prepare(recs, assignments([(r, "alpha", 1.0) for r in recs["record_id"]]), as_of=AS_OF)
    cfg = weights()
    table = window_table(AS_OF, cfg.windows)
    counts = count_outputs(prep.credit, table)
    _, tops = citation_indicators(prep.units, prep.credit, table, 0.10)
    units = prep.units.assign(window="2022-2026")
    return concentration_indicators(
        counts, tops, units, prep.credit, prep.organizations, "2022-2026", cfg
    )


def test_hhi_crk_lead_and_medium_light():
    # shares US .6, CN .2, JP .1, DE .1; no citations → lead on output share
    ind = run([("US", f"U{i}", 1) for i in range(6)] + [("CN", "C1", 1), ("CN", "C2", 1),
              ("JP", "J1", 1), ("DE", "D1", 1)])  # fmt: skip
    assert value(ind, "alpha", "WORLD", "hhi") == pytest.approx(0.36 + 0.04 + 0.01 + 0.01)
    assert value(ind, "alpha", "WORLD", "hhi_norm") == pytest.approx((0.42 - 0.25) / 0.75)
    assert value(ind, "alpha", "WORLD", "cr_k") == pytest.approx(0.9)
    assert value(ind, "alpha", "WORLD", "research_lead") == pytest.approx(3.0)
    assert value(ind, "alpha", "WORLD", "foreign_volume") == pytest.approx(9.0)
    # lead 3 but 6 of the top-10 institutions in the US: not high (needs 8), medium (≥ 2 and ≥ 5)
    assert value(ind, "alpha", "WORLD", "monopoly_risk") == 1.0
    # JP ties DE at 10% and comes 4th by name: not among the top 3 → not indispensable
    assert value(ind, "alpha", "JP", "home_rank") == 4
    assert value(ind, "alpha", "JP", "indispensability") == 0.0
    assert value(ind, "alpha", "JP", "exposure") == 0.0


def test_high_light_and_indispensability():
    # US 16 papers over 8 institutions (2 each), CN 4 (1 each), JP 1: lead 4, top-10 holds U1..U8
    ind = run([("US", f"U{i}", 2) for i in range(1, 9)] + [("CN", f"C{i}", 1) for i in range(1, 5)]
              + [("JP", "J1", 1)])  # fmt: skip
    assert value(ind, "alpha", "WORLD", "research_lead") == pytest.approx(4.0)
    assert value(ind, "alpha", "WORLD", "monopoly_risk") == 2.0
    # CR_3 = 1 ≥ 0.6 and JP is 3rd: indispensability = JP share 1/21
    assert value(ind, "alpha", "JP", "indispensability") == pytest.approx(1 / 21)


def test_lead_only_light_without_institutions_and_exposure():
    ind = run([("US", None, 5), ("CN", None, 5)])
    assert value(ind, "alpha", "WORLD", "research_lead") == pytest.approx(1.0)
    assert value(ind, "alpha", "WORLD", "monopoly_risk") == 0.0
    # Japan absent from a field two countries hold entirely: exposure = CR_3 = 1
    assert value(ind, "alpha", "JP", "exposure") == pytest.approx(1.0)
    assert value(ind, "alpha", "JP", "indispensability") == 0.0


def test_lead_uses_top10_share_when_cited():
    # 16 US papers with 1 cite; 3 CN and 1 JP with 5 cites. x·N = 2, θ = 5, four tied → 0.5 each:
    # top-10% shares CN 1.5/2, JP 0.5/2 → lead 3 (on output shares it would be 16/3)
    rows = [{"record_id": f"demo:u{i}", "countries": {"US": 1.0}, "cites": 1} for i in range(16)]
    rows += [{"record_id": f"demo:c{i}", "countries": {"CN": 1.0}, "cites": 5} for i in range(3)]
    rows += [{"record_id": "demo:j", "countries": {"JP": 1.0}, "cites": 5}]
    recs = records(rows)
    prep = prepare(recs, assignments([(r, "alpha", 1.0) for r in recs["record_id"]]), as_of=AS_OF)
    cfg = weights()
    table = window_table(AS_OF, cfg.windows)
    _, tops = citation_indicators(prep.units, prep.credit, table, 0.10)
    units = prep.units.assign(window="2022-2026")
    ind = concentration_indicators(
        count_outputs(prep.credit, table), tops, units, prep.credit, None, "2022-2026", cfg
    )
    assert value(ind, "alpha", "WORLD", "research_lead") == pytest.approx(3.0)
    lead = ind[ind["indicator"] == "research_lead"]["inputs"].iloc[0]
    assert lead["basis"] == "top10_share" and lead["first"] == "CN"
