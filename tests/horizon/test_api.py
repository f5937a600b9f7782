"""The notebook read API over a store the test writes: two completed scans and one still running."""

from __future__ import annotations

import pandas as pd
import pytest

from horizon import api
from horizon.store import StoreError
from tests.flows.test_briefing import copy_store, scores_frame


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> api.Reader:
    home = tmp_path_factory.mktemp("home")
    store = copy_store(home / "warehouse.duckdb")
    store.begin_scan("s3", demo=False, code_version="t", config_sha256={}, parameters={})
    store.replace_rows("scores", "s3", scores_frame().assign(composite_score=0.99))  # still writing
    return api.open_store(home)


def test_open_store_is_read_only_and_reads_the_last_completed_scan(reader):
    assert reader.store.read_only
    assert reader.scans()["scan_id"].tolist() == ["s3", "s2", "s1"]
    assert reader.latest_scan() == "s2"
    assert reader.previous_scan() == "s1" and reader.previous_scan("s1") is None
    assert reader.priority_list()["composite_score"].max() < 0.99


def test_missing_store_or_scan_is_a_one_line_error(tmp_path):
    with pytest.raises(StoreError, match="no store here yet"):
        api.open_store(tmp_path).scans()
    copy_store(tmp_path / "warehouse.duckdb")
    with pytest.raises(StoreError, match="no scan 'nope'"):
        api.open_store(tmp_path).priority_list("nope")


def test_priority_list_indicators_and_records(reader):
    listed = reader.priority_list()
    assert listed["domain"].tolist() == ["quantum", "semiconductors", "ai_ml"]
    assert listed["rank"].tolist() == [1, 2, 3]
    assert reader.indicators("quantum")["indicator"].tolist() == ["paper_share"]
    assert len(reader.indicators()) == 2
    semis = reader.records("semiconductors").set_index("record_id")
    assert sorted(semis.index) == ["arxiv:2401.00001", "doi:10.1/amber-q", "doi:10.1/red-s"]
    assert semis.loc["doi:10.1/amber-q", "share"] == pytest.approx(0.5)
    assert len(reader.records()) == 6


def test_evidence_is_joined_with_its_records(reader):
    ev = reader.evidence("quantum").set_index("record_id")
    assert sorted(ev.index) == ["doi:10.1/amber-q", "doi:10.1/green-q", "doi:10.1/open-q"]
    assert ev.loc["doi:10.1/green-q", "title"] == "Green trapped-ion qubits"
    assert ev.loc["doi:10.1/green-q", "countries"] == "JP 0.50; US 0.50"
    assert ev.loc["doi:10.1/open-q", "url"] == "https://doi.org/10.1/open-q"
    assert ev.loc["doi:10.1/open-q", "published_date"] == pd.Timestamp("2021-06-01")


def test_countries_and_trends_count_fractionally(reader):
    # quantum: open-q JP 1; green-q JP .5 US .5; amber-q (half in quantum) CN .5
    lead = reader.countries("quantum").set_index("country")
    assert lead["records"].to_dict() == pytest.approx({"JP": 1.5, "US": 0.5, "CN": 0.5})
    assert lead.loc["JP", "share"] == pytest.approx(0.6)
    assert lead.index[0] == "JP"
    trend = reader.trends("quantum")
    assert list(zip(trend["year"], trend["records"], strict=True)) == [
        (2021, 1.0),
        (2022, 1.0),
        (2023, 0.5),
    ]


def test_score_history_spans_completed_scans(reader):
    history = reader.score_history("quantum")
    assert history["scan_id"].tolist() == ["s1", "s2"]
    assert history["composite_score"].tolist() == pytest.approx([0.65, 0.70])


def test_emerging_terms(reader):
    terms = reader.emerging_terms("quantum")
    assert sorted(terms["term"]) == ["mixedterm", "openterm"]
    assert reader.emerging_terms(language="ja").empty
    assert len(reader.emerging_terms()) == 3


def test_network_falls_back_to_domain_co_assignment(reader):
    net = reader.network()
    assert sorted(net.nodes["node_id"]) == ["ai_ml", "quantum", "semiconductors"]
    assert net.edges[["source", "target", "weight"]].values.tolist() == [
        ["quantum", "semiconductors", 1.0]
    ]
    ego = reader.network("ai_ml")
    assert ego.nodes["node_id"].tolist() == ["ai_ml"] and ego.edges.empty
    assert reader.table("no_such_table").empty


def test_diff_between_scans(reader):
    diff = reader.diff("s1", "s2").set_index("domain")
    assert diff.loc["semiconductors", "composite_change"] == pytest.approx(0.1)
    assert set(diff["status"]) == {"unchanged"}


def test_diff_scores_flags_new_dropped_and_band_moves():
    before = pd.DataFrame(
        {
            "domain": ["a", "b", "c"],
            "rank": [1, 2, 3],
            "class": ["protect", "nurture", "monitor"],
            "composite_score": [0.9, 0.5, 0.1],
        }
    )
    after = pd.DataFrame(
        {
            "domain": ["b", "a", "d"], "rank": [1, 2, 3], "rank_low": [1.0, 2.0, 2.0], "rank_high": [1.0, 3.0, 3.0],
            "class": ["protect", "protect", "monitor"], "composite_score": [0.8, 0.7, 0.2],
            "label_en": ["B", "A", "D"], "label_ja": ["B", "A", "D"],
        }
    )  # fmt: skip
    diff = api.diff_scores(before, after).set_index("domain")
    assert diff["status"].to_dict() == {
        "b": "class_changed",
        "a": "moved_beyond_band",
        "d": "new",
        "c": "dropped",
    }
    assert diff.loc["b", "rank_change"] == 1 and diff.loc["a", "rank_change"] == -1


def test_normalise_network_reads_other_column_names():
    nodes = pd.DataFrame({"term_id": ["t1", "t2"], "text": ["qubit", "ion trap"], "count": [3, 1]})
    edges = pd.DataFrame({"node_a": ["t1", "t1"], "node_b": ["t2", "zz"], "n": [2, 9]})
    net = api.normalise_network(nodes, edges)
    assert net.nodes[["node_id", "label", "weight"]].values.tolist() == [
        ["t1", "qubit", 3.0],
        ["t2", "ion trap", 1.0],
    ]
    assert net.edges.values.tolist() == [
        ["t1", "t2", 2.0]
    ]  # the edge to an unknown node is dropped


def test_default_home_finds_the_workspace_from_a_subfolder(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data" / "workspace").mkdir(parents=True)
    copy_store(tmp_path / "data" / "workspace" / "warehouse.duckdb")
    assert api.default_home(tmp_path / "notebooks") == tmp_path / "data" / "workspace"
    far = tmp_path / "a" / "b"
    assert (
        api.default_home(far) == far / "data" / "workspace"
    )  # not found: the usual place, for the error
    assert api.parse_json("[1, 2]") == [1, 2] and api.parse_json("{broken", {}) == {}
    assert api.id_list("a:1, b:2") == ["a:1", "b:2"] and api.id_list(None) == []
    assert api.format_countries([{"country": "JP", "weight": 1}]) == "JP 1.00"
