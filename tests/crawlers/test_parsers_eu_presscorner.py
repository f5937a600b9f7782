"""European Commission Press Corner parser: RSS answers → EU policy records."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from crawlers.parsers import policy_eu_presscorner
from crawlers.parsers.base import ParseContext, ParseResult
from crawlers.recorded_portals import presscorner_page

LINK = "https://ec.europa.eu/commission/presscorner/detail/en/ip_25_831"
RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Press corner</title>
<item><title>Commission invests &#8364;1 billion in quantum computing</title><link>{LINK}</link>
<guid isPermaLink="true">{LINK}</guid><description>Brussels, 19 March 2025. Qubits.</description>
<pubDate>Wed, 19 Mar 2025 11:00:00 GMT</pubDate></item>
<item><title>No link here</title></item>
</channel></rss>""".encode()


def run(body: bytes) -> ParseResult:
    return policy_eu_presscorner.parse(body, ParseContext.for_body("policy_eu_presscorner", body))


def test_an_item_becomes_an_eu_announcement_field_by_field() -> None:
    result = run(RSS)
    (rec,) = result.records
    assert rec.record_id == f"url:{LINK}" and rec.url == LINK and rec.kind == "policy"
    assert rec.title == "Commission invests €1 billion in quantum computing"
    assert rec.text == "Brussels, 19 March 2025. Qubits." and rec.language == "en"
    assert rec.published_date == dt.date(2025, 3, 19)
    assert [(c.country, c.weight) for c in rec.countries] == [("EU", 1.0)]
    assert rec.organizations == ["European Commission"]
    assert rec.extra["issuer"] == "EU" and rec.extra["press_release_id"] == "ip_25_831"
    assert result.follow == [] and result.next_page is None
    (refused,) = result.rejects
    assert "without an http(s) link" in refused.reason


def test_index_rows_rendered_as_an_answer_keep_their_values() -> None:
    rows = [{"Published Date": "1997-01-08", "Title": "Aid & grants: ECU 173 million",
             "IP ID": "ip_97_7", "Link": "https://ec.europa.eu/commission/presscorner/detail/en/ip_97_7"},
            {"Published Date": "", "Title": "Undated", "IP ID": "ip_97_8",
             "Link": "https://ec.europa.eu/commission/presscorner/detail/en/ip_97_8"}]  # fmt: skip
    dated, undated = run(presscorner_page(rows).encode()).records
    assert dated.title == "Aid & grants: ECU 173 million" and dated.published_date == dt.date(
        1997, 1, 8
    )
    assert dated.extra["press_release_id"] == "ip_97_7" and undated.published_date is None


@pytest.mark.shared
def test_recorded_index_rows_as_rss_answers(shared_data) -> None:
    path = (
        shared_data
        / "fixtures/policy/eu_presscorner_ip_index/ec_presscorner_ip_sustainable_economy_1997_2025.csv"
    )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5056
    records = run(presscorner_page(rows).encode()).records
    assert len(records) == len({r["Link"] for r in rows})  # the same link is one record
    by_id = {r.extra["press_release_id"]: r for r in records}
    for row in rows[:50] + rows[-50:]:
        rec = by_id[row["IP ID"]]
        assert rec.published_date.isoformat() == row["Published Date"]
        assert rec.url == row["Link"]
    assert all(r.countries[0].country == "EU" for r in records)
