"""Crawl output read as a set: the same rows, refusals, reasons and counts as record by record.

The reference is the stage as it was: each line through `Record`, refusals with the schema's
reason, `merge_records`, `Record.to_row`. Hostile and valid rows go through both.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.merge import merge_records
from flows.crawl_output import read_crawl_output, read_jsonl, schema_reject
from horizon.record_batch import certain_rows, read_records_jsonl
from horizon.schemas import Record
from horizon.store import Store


def reference(crawl_dirs: dict[str, Path], demo: bool = False):
    """The normalize stage record by record (as it was before the set-based path)."""
    records, rejects, per_source = [], [], {}
    for source, out in crawl_dirs.items():
        n_ok = n_bad = 0
        for row in read_jsonl(out / "records.jsonl"):
            try:
                records.append(Record.model_validate(row))
                n_ok += 1
            except ValueError as exc:
                rejects.append(schema_reject(source, row, exc))
                n_bad += 1
        for row in read_jsonl(out / "quarantine.jsonl"):
            rejects.append(row)
            n_bad += 1
        per_source[source] = {"records": n_ok, "quarantined": n_bad}
    rows = [r.to_row(demo=demo) for r in merge_records(records)]
    return rows, rejects, per_source, len(records)


def row(n: int, **over: Any) -> dict[str, Any]:
    """A record as a crawl writes it (every field present), with fields replaced."""
    base = {
        "record_id": f"doi:10.1000/{n}",
        "kind": "paper",
        "source": "papers_openalex",
        "title": f"Quantum sensing {n}",
        "text": f"An abstract about record {n}.",
        "language": "en",
        "published_date": "2024-05-01",
        "countries": [{"country": "JP", "weight": 0.5}, {"country": "US", "weight": 0.5}],
        "organizations": ["AIST"],
        "codes": {"cpc": [], "ipc": [], "arxiv": ["quant-ph"], "topics": []},
        "cited_by_count": 3,
        "url": f"https://example.org/{n}",
        "sharing": "CLEAR",
        "raw_sha256": f"{n:064x}",
        "fetched_at": "2026-11-01T12:00:00Z",
        "ids": [],
        "extra": {},
    }
    return base | over


#: Rows Arrow reads as a table: accepted or refused one by one, each with its reason.
ROW_CASES: list[dict[str, Any]] = [
    {},
    {"title": "  Quantum   key\tdistribution \n over 100 km "},
    {"title": "量子\u3000センシング\u00a0の 研究", "language": "ja", "text": "本文。"},
    {"text": 'quotes " and \\ backslash\nnew line\ttab \x08\x0c \U0001f600 é'},
    {"text": "an unnamed control \x01 character"},
    {"published_date": None},
    {"published_date": "2024-02-29"},
    {"countries": []},
    {"countries": [{"country": "jp", "weight": 1.0}]},
    {"countries": [{"country": c, "weight": 1 / 3} for c in ("DE", "FR", "JP")]},
    {"countries": [{"country": "JP", "weight": 0.9999996}]},
    {"countries": [{"country": "JP", "weight": 1.0}, {"country": "US", "weight": -0.0}]},
    {"countries": [{"country": "JP", "weight": 1}]},
    {"organizations": ["AIST", "AIST", "東京大学"]},
    {"codes": {"cpc": ["H01L", "H01L"], "ipc": [], "arxiv": [], "topics": []}},
    {"codes": {"cpc": ["H01L"]}},
    {"cited_by_count": None},
    {"cited_by_count": 0},
    {"url": ""},
    {"url": None},
    {"sharing": "AMBER+STRICT"},
    {"fetched_at": "2026-11-01T12:00:00"},
    {"fetched_at": "2026-11-01T12:00:00.123+00:00"},
    {"fetched_at": "2026-11-01T21:00:00+09:00"},
    {"fetched_at": "2026-11-01 12:00:00"},
    {"ids": ["doi:10.1000/1", "arxiv:2401.00001"]},
    {"record_id": "url:https://例.jp/a"},
    {"record_id": "doi:10.1000/trailing\n"},
    {"source": "papers_crossref, papers_openalex"},
    {"extra": {"k": 1}},
    {"language": None},
    {"text": None},
    {"countries": None},
    {"codes": None},
    {"extra": None},
    {"record_id": "10.1000/xyz"},
    {"record_id": None},
    {"title": "   "},
    {"title": ""},
    {"kind": "book"},
    {"countries": [{"country": "JPN", "weight": 1.0}]},
    {"countries": [{"country": "JP", "weight": 0.7}]},
    {"countries": [{"country": "JP", "weight": 0.5}, {"country": "jp", "weight": 0.5}]},
    {"countries": [{"country": "JP", "weight": 1.5}, {"country": "US", "weight": -0.5}]},
    {"countries": [None]},
    {"raw_sha256": "nothex"},
    {"raw_sha256": "A" * 64},
    {"cited_by_count": -1},
    {"sharing": "amber"},
    {"published_date": "2024-02-30"},
    {"published_date": "0000-01-01"},
    {"published_date": "2024-5-1"},
    {"fetched_at": "yesterday"},
    {"fetched_at": "0000-01-01T00:00:00"},
    {"fetched_at": "2026-11-01T24:00:00"},
    {"organizations": [None]},
]

#: Lines Arrow refuses to read strictly: the whole file goes record by record, as before.
FILE_CASES: list[dict[str, Any]] = [
    {"cited_by_count": 5.0},
    {"cited_by_count": True},
    {"ids": "abc"},
    {"organizations": [1]},
    {"unexpected": 1},
    {"codes": {"cpc": [], "ipc": [], "arxiv": [], "topics": [], "other": []}},
]


def write_crawl(folder: Path, lines: list[str], quarantine: list[dict] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.jsonl").write_text("".join(lines), encoding="utf-8")
    if quarantine:
        text = "".join(json.dumps(q) + "\n" for q in quarantine)
        (folder / "quarantine.jsonl").write_text(text, encoding="utf-8")
    return folder


def jsonl(rows: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) + "\n" for r in rows]


def assert_same(crawl_dirs: dict[str, Path], demo: bool = False) -> Any:
    rows, rejects, per_source, parsed = reference(crawl_dirs, demo)
    got = read_crawl_output(crawl_dirs, demo=demo)
    assert got.rows.to_pylist() == rows
    assert got.rejects == rejects
    assert got.per_source == per_source
    assert got.parsed == parsed
    return got


def test_hostile_and_valid_rows_give_the_reference_rows_and_refusals(tmp_path):
    main = [row(i, **over) for i, over in enumerate(ROW_CASES)]
    same_work = [  # one work in two sources and two snapshots, linked by a shared id
        row(900, ids=["arxiv:2401.00900"], source="papers_crossref", text="short"),
        row(901, record_id="arxiv:2401.00900", source="papers_arxiv", text="a longer text"),
        row(900, fetched_at="2026-11-02T12:00:00Z", source="papers_crossref", text="longer"),
    ]
    quarantine = [{"source": "papers_openalex", "reason": "parse error", "item": "x"}]
    dirs = {
        "a": write_crawl(tmp_path / "a", jsonl(main + same_work[:1]), quarantine),
        "b": write_crawl(tmp_path / "b", ["\n", *jsonl(same_work[1:]), "   \n"]),
        "c": write_crawl(tmp_path / "c", jsonl([row(n) for n in range(2000, 2050)])),
        "d": write_crawl(tmp_path / "d", [*jsonl([row(3000)]), '{"record_id": "doi:torn', ""]),
        "e": write_crawl(tmp_path / "e", ["\t" + jsonl([row(3001)])[0]]),
        "missing": tmp_path / "missing",
    }
    for n, over in enumerate(FILE_CASES):
        dirs[f"file{n}"] = write_crawl(
            tmp_path / f"file{n}", jsonl([row(4000 + n), row(5000 + n, **over)])
        )
    got = assert_same(dirs)
    assert got.rejects  # the refusals are there, with the schema's reasons
    # The set-based path did the work for most rows of the readable files.
    table, _ = read_records_jsonl((tmp_path / "a" / "records.jsonl").read_bytes())
    assert 20 < certain_rows(table).sum() < len(ROW_CASES)
    assert read_records_jsonl((tmp_path / "d" / "records.jsonl").read_bytes()) is None


def test_the_store_holds_the_same_records(tmp_path):
    rows = [row(i, **over) for i, over in enumerate(ROW_CASES)]
    dirs = {"a": write_crawl(tmp_path / "a", jsonl(rows))}
    expected, *_ = reference(dirs, demo=True)
    before, after = Store(tmp_path / "before.duckdb"), Store(tmp_path / "after.duckdb")
    for store in (before, after):
        store.migrate()
    before.replace_rows("records", "s1", pd.DataFrame(expected))
    after.replace_rows("records", "s1", read_crawl_output(dirs, demo=True).rows)
    a, b = before.read("records"), after.read("records")
    assert len(a) == len(expected)
    pd.testing.assert_frame_equal(a, b)


_VALUES: dict[str, list[Any]] = {
    "record_id": ["doi:10.1/a", "doi:10.1/b", "arxiv:1", "bad id", "url:https://例.jp", None],
    "kind": ["paper", "patent", "policy", "book"],
    "source": ["papers_openalex", "papers_arxiv", "a,b", " papers_crossref "],
    "title": ["T", "  t  u ", "量子\u3000技術", " ", ""],
    "text": ["", 'x "y" \\ z\n', "\x02", None],
    "language": ["en", "ja", "und"],
    "published_date": ["2024-01-31", None, "2024-13-01", "1999-12-31"],
    "countries": [
        [],
        [{"country": "JP", "weight": 1.0}],
        [{"country": "us", "weight": 1.0}],
        [{"country": "JP", "weight": 0.25}, {"country": "US", "weight": 0.75}],
        [{"country": "JP", "weight": 0.6}],
    ],
    "organizations": [[], ["A"], ["A", "A"], ["é"]],
    "codes": [
        {"cpc": [], "ipc": [], "arxiv": [], "topics": []},
        {"cpc": ["H01L", "H01L"], "ipc": ["x"], "arxiv": [], "topics": ["t"]},
        {"topics": ["only"]},
    ],
    "cited_by_count": [None, 0, 7, -2],
    "url": [None, "", "https://x"],
    "sharing": ["CLEAR", "GREEN", "RED", "red"],
    "raw_sha256": ["a" * 64, "b" * 64, "z"],
    "fetched_at": ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T09:00:00+09:00"],
    "ids": [[], ["doi:10.1/a"], ["arxiv:1", "doi:10.1/b"], ["openalex:W1"]],
    "extra": [{}, {"k": "v"}],
}

_ROWS = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _VALUES.items()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_ROWS, max_size=8), min_size=1, max_size=3), st.booleans())
def test_any_mix_of_rows_gives_the_reference_output(sources, demo):
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {
            f"s{n}": write_crawl(Path(tmp) / f"s{n}", jsonl(rows)) for n, rows in enumerate(sources)
        }
        assert_same(dirs, demo)


def test_certain_rows_are_accepted_by_the_schema_as_they_are():
    rows = [row(i, **over) for i, over in enumerate(ROW_CASES)]
    table, _ = read_records_jsonl("".join(jsonl(rows)).encode())
    for i in np.flatnonzero(certain_rows(table)):
        Record.model_validate(rows[i])  # raises if a certain row were refused
