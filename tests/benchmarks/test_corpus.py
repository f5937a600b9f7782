"""The benchmark corpus generator: deterministic, and realistic in length, language, kind and terms."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # benchmarks/ is a folder of scripts, not an installed package

from benchmarks.bench_scan import load_records  # noqa: E402
from benchmarks.corpus import generate_chunks, parse_size, write_corpus  # noqa: E402
from horizon.config.taxonomy import load_taxonomy  # noqa: E402
from horizon.workspace import Workspace  # noqa: E402


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(REPO / "data/config/taxonomy.yaml")


@pytest.fixture(scope="module")
def frame(taxonomy):
    (table,) = generate_chunks(taxonomy, 2000, seed=11)
    return table.to_pandas()


def test_same_seed_same_corpus_other_seed_other_corpus(taxonomy, tmp_path):
    a = write_corpus(tmp_path / "a.parquet", taxonomy, 150, seed=3)
    b = write_corpus(tmp_path / "b.parquet", taxonomy, 150, seed=3)
    c = write_corpus(tmp_path / "c.parquet", taxonomy, 150, seed=4)
    ta, tb, tc = (pq.read_table(p) for p in (a, b, c))
    assert ta.num_rows == 150 and ta.equals(tb)
    assert ta.column("text").to_pylist() != tc.column("text").to_pylist()


def test_chunks_numbered_from_first_do_not_collide(taxonomy):
    (old,) = generate_chunks(taxonomy, 50, seed=3)
    (new,) = generate_chunks(taxonomy, 5, seed=3, first=50)
    ids_old, ids_new = set(old.column("record_id").to_pylist()), new.column("record_id").to_pylist()
    assert len(ids_old) == 50 and len(set(ids_new)) == 5 and not ids_old & set(ids_new)


def test_sizes():
    assert [parse_size(s) for s in ("10k", "100k", "1M", "2500", "2.5k")] == [
        10_000, 100_000, 1_000_000, 2500, 2500
    ]  # fmt: skip


def test_language_kind_country_and_year_mix(frame):
    ja_share = (frame["language"] == "ja").mean()
    assert 0.07 <= ja_share <= 0.13
    kinds = frame["kind"].value_counts(normalize=True)
    assert 0.70 <= kinds["paper"] <= 0.80 and 0.17 <= kinds["patent"] <= 0.27
    assert 0.01 <= kinds["policy"] <= 0.06
    countries = {c["country"] for cell in frame["countries"] for c in json.loads(cell)}
    assert len(countries) >= 15
    years = frame["published_date"].map(lambda d: d.year)
    assert years.nunique() >= 18 and (years >= 2020).mean() > (years < 2010).mean()


def test_abstract_lengths(frame):
    english = frame[(frame["language"] == "en") & (frame["kind"] != "policy")]
    words = english["text"].str.split().str.len()
    assert words.min() >= 150 and words.max() <= 330  # 150–250 filler words, plus the terms
    assert 180 <= words.mean() <= 230
    japanese = frame[frame["language"] == "ja"]["text"].str.len()
    assert japanese.min() >= 300 and japanese.mean() <= 1000


def test_codes_on_patents_only(frame):
    codes = frame["codes"].map(json.loads)
    patents = frame["kind"] == "patent"
    assert codes[patents].map(lambda c: len(c["cpc"]) >= 1).all()
    assert not codes[~patents].map(lambda c: bool(c["cpc"])).any()


def test_term_rates_as_the_extractor_sees_them(frame, taxonomy):
    import nlp

    sample = frame.head(400)
    entities = nlp.extract_entities(sample, taxonomy)
    tech = entities[entities["label"] == "TECH"]
    per_record = tech.groupby("record_id").size().reindex(sample["record_id"], fill_value=0)
    with_term = (per_record > 0).mean()
    assert 0.45 <= with_term <= 0.75  # about 58% of real arXiv abstracts have a taxonomy term
    assert 1.5 <= per_record.mean() <= 4.5  # real abstracts: 2.8 hits on average
    assert tech["domain"].nunique() >= 12
    ja_ids = set(sample.loc[sample["language"] == "ja", "record_id"])
    assert tech["record_id"].isin(ja_ids).any()


def test_every_record_loads_into_the_store(taxonomy, tmp_path):
    corpus = write_corpus(tmp_path / "c.parquet", taxonomy, 120, seed=5)
    ws = Workspace(tmp_path / "home").ensure()
    assert load_records(ws.store(), "s1", corpus, rows=50) == 120
    stored = ws.store().read("records", "s1")
    assert len(stored) == 120 and stored["content_sha256"].str.len().eq(64).all()
    assert stored["record_id"].is_unique and set(stored["language"]) == {"en", "ja"}
