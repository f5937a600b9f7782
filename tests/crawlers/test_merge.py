"""Cross-source merge: one record per work, order-independent, idempotent, labels never drop."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.merge import group_records, merge_records
from crawlers.parsers import papers_arxiv, papers_arxiv_oai
from crawlers.parsers.base import ParseContext
from horizon.schemas import Codes, CountryWeight, Record, Sharing

SHA = {name: ch * 64 for name, ch in [("arxiv", "a"), ("crossref", "c"), ("openalex", "e")]}


def make(record_id: str, source: str, **fields) -> Record:
    """A paper record with the given id and source; other fields as given."""
    base = {
        "record_id": record_id,
        "kind": "paper",
        "source": source,
        "title": f"title from {source}",
        "raw_sha256": SHA.get(source.removeprefix("papers_"), "f" * 64),
        "fetched_at": dt.datetime(2024, 1, 1),
        "ids": [record_id],
    }
    return Record.model_validate(base | fields)


def three_sources() -> list[Record]:
    arxiv = make(
        "arxiv:2401.00001",
        "papers_arxiv",
        ids=["arxiv:2401.00001", "doi:10.1/x"],
        text="short",
        published_date=dt.date(2024, 1, 2),
        codes=Codes(arxiv=["quant-ph", "cs.ET"]),
        sharing=Sharing.green,
        language="en",
    )
    crossref = make(
        "doi:10.1/x",
        "papers_crossref",
        text="a much longer abstract text",
        published_date=dt.date(2024, 5, 1),
        countries=[CountryWeight(country="US", weight=1.0)],
        organizations=["MIT"],
        cited_by_count=4,
        codes=Codes(topics=["Physics"]),
        sharing=Sharing.amber,
    )
    openalex = make(
        "doi:10.1/x",
        "papers_openalex",
        ids=["doi:10.1/x", "openalex:W9"],
        published_date=dt.date(2024, 3, 1),
        countries=[
            CountryWeight(country="JP", weight=0.5),
            CountryWeight(country="US", weight=0.5),
        ],
        organizations=["Univ Tokyo", "MIT"],
        cited_by_count=9,
        codes=Codes(topics=["Quantum sensing", "Physics"]),
        extra={"fwci": 2.0},
    )
    return [arxiv, crossref, openalex]


def test_three_sources_become_one_record():
    (merged,) = merge_records(three_sources())
    assert merged.record_id == "doi:10.1/x"
    assert merged.source == "papers_openalex,papers_crossref,papers_arxiv"
    assert merged.ids == ["doi:10.1/x", "openalex:W9", "arxiv:2401.00001"]
    assert merged.title == "title from papers_openalex"
    assert merged.raw_sha256 == SHA["openalex"]
    assert [(c.country, c.weight) for c in merged.countries] == [("JP", 0.5), ("US", 0.5)]
    assert merged.organizations == ["Univ Tokyo", "MIT"]
    assert merged.codes.arxiv == ["quant-ph", "cs.ET"]
    assert merged.codes.topics == ["Quantum sensing", "Physics"]
    assert merged.cited_by_count == 9
    assert merged.published_date == dt.date(2024, 1, 2)
    assert merged.text == "a much longer abstract text"
    assert merged.sharing is Sharing.amber
    assert merged.language == "en" and merged.extra == {"fwci": 2.0}


def test_countries_come_from_the_best_source_that_has_them():
    arxiv, crossref, _ = three_sources()
    (merged,) = merge_records([arxiv, crossref])
    assert [(c.country, c.weight) for c in merged.countries] == [("US", 1.0)]
    assert merged.title == "title from papers_crossref"  # the doi record is preferred over arxiv


def test_transitive_links_and_unrelated_records():
    a = make("arxiv:1", "papers_arxiv", ids=["arxiv:1", "doi:10.1/a"])
    b = make("doi:10.1/a", "papers_openalex", ids=["doi:10.1/a", "openalex:W1"])
    c = make("openalex:W1", "papers_openalex", ids=["openalex:W1"])
    d = make("arxiv:2", "papers_arxiv")
    groups = group_records([a, b, c, d])
    assert [len(g) for g in groups] == [3, 1]
    merged = merge_records([d, c, b, a])
    assert [r.record_id for r in merged] == ["arxiv:2", "doi:10.1/a"]


def test_same_id_snapshots_and_patent_families_merge_generically():
    old = make(
        "fr:2024-001", "policy_federal_register", kind="policy", fetched_at=dt.datetime(2024, 1, 1)
    )
    new = make(
        "fr:2024-001", "policy_federal_register", kind="policy", text="body", sharing=Sharing.red
    )
    (merged,) = merge_records([old, new])
    assert merged.source == "policy_federal_register" and merged.text == "body"
    assert merged.sharing is Sharing.red
    ep = make("patent:EP1", "patents_epo_ops", kind="patent", ids=["patent:EP1", "family:42"])
    us = make("patent:US9", "patents_uspto_bulk", kind="patent", ids=["patent:US9", "family:42"])
    (family,) = merge_records(
        [us, ep], preference=("patent",), source_preference=("patents_uspto_bulk",)
    )
    assert (
        family.record_id == "patent:US9" and family.source == "patents_uspto_bulk,patents_epo_ops"
    )
    assert family.ids == ["patent:US9", "family:42", "patent:EP1"]


def test_shared_doi_on_several_preprints_merges_them(shared_data):
    body = (shared_data / "fixtures/arxiv_oai_pmh/ListRecords_data_0.xml").read_bytes()
    body2 = (shared_data / "fixtures/arxiv_oai_pmh/ListRecords_data_2.xml").read_bytes()
    records = [
        *papers_arxiv_oai.parse(body, ParseContext.for_body("papers_arxiv_oai", body)).records,
        *papers_arxiv_oai.parse(body2, ParseContext.for_body("papers_arxiv_oai", body2)).records,
    ]
    merged = {r.record_id: r for r in merge_records(records)}
    # arXiv authors gave one journal DOI to several preprints: they are one published work
    assert len(records) == 1265 and len(merged) == 1262
    kahler = merged["doi:10.1007/s00209-020-02684-5"]
    assert sorted(i for i in kahler.ids if i.startswith("arxiv:")) == [
        "arxiv:1907.09780",
        "arxiv:1908.05583",
        "arxiv:1910.12317",
    ]
    assert kahler.published_date == min(
        r.published_date for r in records if r.record_id == kahler.record_id
    )


def test_overlapping_arxiv_pages_merge(shared_data):
    records = []
    for path in sorted((shared_data / "fixtures/arxiv_api/json_recorded").glob("q_testing_*.json")):
        body = json.loads(path.read_bytes())["body"].encode()
        records += papers_arxiv.parse(body, ParseContext.for_body("papers_arxiv", body)).records
    merged = merge_records(records)
    assert len(records) == 215 and len(merged) == 100
    assert {r.source for r in merged} == {"papers_arxiv"}


# --- invariants ----------------------------------------------------------------------------------

IDS = ["doi:10.1/a", "doi:10.1/b", "arxiv:1", "arxiv:2", "openalex:W1", "openalex:W2", "fr:9"]
SOURCES = ["papers_openalex", "papers_crossref", "papers_arxiv", "policy_feed"]


@st.composite
def records(draw) -> Record:
    record_id = draw(st.sampled_from(IDS))
    others = draw(st.lists(st.sampled_from(IDS), max_size=2))
    country = draw(st.sampled_from([[], [("JP", 1.0)], [("JP", 0.25), ("US", 0.75)]]))
    return make(
        record_id,
        draw(st.sampled_from(SOURCES)),
        ids=list(dict.fromkeys([record_id, *others])),
        title=draw(st.sampled_from(["A", "B", "C"])),
        text=draw(st.sampled_from(["", "x", "longer", "other"])),
        published_date=draw(st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31))),
        cited_by_count=draw(st.none() | st.integers(0, 50)),
        countries=[CountryWeight(country=c, weight=w) for c, w in country],
        organizations=draw(
            st.lists(st.sampled_from(["MIT", "RIKEN", "AIST"]), max_size=2, unique=True)
        ),
        codes=Codes(
            arxiv=draw(st.lists(st.sampled_from(["cs.AI", "quant-ph"]), max_size=2, unique=True))
        ),
        sharing=draw(st.sampled_from(list(Sharing))),
        extra=draw(st.sampled_from([{}, {"fwci": 1.0}, {"fwci": 2.0, "type": "article"}])),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=8), st.randoms())
def test_merge_is_order_independent(batch, rnd):
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    assert merge_records(shuffled) == merge_records(batch)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=8))
def test_merge_is_idempotent(batch):
    once = merge_records(batch)
    assert merge_records(once) == once


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=8))
def test_sharing_never_drops_and_nothing_is_lost(batch):
    merged = merge_records(batch)
    for record in batch:
        (home,) = [m for m in merged if {record.record_id, *record.ids} <= set(m.ids)]
        assert home.sharing.level >= record.sharing.level
        assert set(record.organizations) <= set(home.organizations)
        if record.cited_by_count is not None:
            assert home.cited_by_count >= record.cited_by_count
    assert len({r.record_id for r in merged}) == len(merged)
    assert [r.record_id for r in merged] == sorted(r.record_id for r in merged)


def test_single_record_fast_path_agrees_with_general_merge() -> None:
    """A work seen once: `_merge_one` gives the record and row the general merge gives."""
    from crawlers.merge import ID_PREFERENCE, SOURCE_PREFERENCE, _merge_many, _merge_one

    singles = [
        make("arxiv:2401.00002", "papers_arxiv"),  # nothing to change
        make("arxiv:2401.00003", "papers_arxiv", ids=[]),  # ids lack the record id
        make("doi:10.1/y", "papers_crossref", ids=["arxiv:1", "doi:10.1/y", "arxiv:1"]),
        make("doi:10.1/z", " papers_arxiv, papers_openalex,papers_arxiv ,", ids=["doi:10.1/z"]),
        make("openalex:W1", "papers_openalex", organizations=["MIT", "ETH", "MIT"]),
        make("openalex:W2", "papers_openalex", codes=Codes(arxiv=["cs.ET", "cs.ET"], cpc=["H01"])),
        make("openalex:W3", "papers_openalex", url=""),
        make("openalex:W4", "papers_openalex", url="https://example.org/w4", language="und"),
        make(
            "patent:EP1",
            "patents_epo_ops",
            kind="patent",
            countries=[
                CountryWeight(country="JP", weight=0.5),
                CountryWeight(country="DE", weight=0.5),
            ],
            extra={"family": 7},
            cited_by_count=3,
            sharing=Sharing.amber,
            published_date=dt.date(2020, 2, 2),
        ),
    ]
    for record in singles:
        fast = _merge_one(record, SOURCE_PREFERENCE)
        general = _merge_many([record], ID_PREFERENCE, SOURCE_PREFERENCE)
        assert fast.model_dump() == general.model_dump(), record.record_id
        assert fast.to_row() == general.to_row(), record.record_id
        assert fast.to_row()["content_sha256"] == general.content_sha256()
    # the fast path changed something for all but the first record
    assert [_merge_one(r, SOURCE_PREFERENCE) is r for r in singles[:2]] == [True, False]
