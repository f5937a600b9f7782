"""Recorded responses as replay routes: first pages and next pages, what is not offered and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.recorded import coverage, recorded_sources, recorded_sources_config
from crawlers.recorded_formats import JSON, Page, chain_routes
from crawlers.replay import ReplayServer
from horizon.config import load_sources
from horizon.config.sources import SourcesConfig

LIVE = SourcesConfig.model_validate(
    {
        "user_agent": "test/0",
        "contact": "mailto:test@example.org",
        "sources": {
            "papers_openalex": {"base_url": "https://api.openalex.org",
                                "credentials_env": {"api_key": "OPENALEX_API_KEY"}},
            "policy_feed": {"base_url": "https://www.whitehouse.gov", "feeds": [
                {"name": "総務省 新着情報", "url": "https://www.soumu.go.jp/news.rdf", "country": "JP",
                 "language": "ja", "encoding": "cp932", "sharing": "GREEN"}]},
            "policy_govuk": {"base_url": "https://www.gov.uk"},
            "papers_jstage": {"base_url": "https://api.jstage.jst.go.jp"},
            "papers_unread": {"base_url": "https://example.org"},  # a format no builder reads
        },
    }
)  # fmt: skip


def test_a_page_is_served_at_its_pointer_only_when_another_page_hands_it_out(
    tmp_path: Path,
) -> None:
    pages = [
        Page(tmp_path / "a1", None, "c-a", text="a1"),  # first page, hands out c-a
        Page(tmp_path / "a2", "c-a", None, text="a2"),  # asked with c-a
        Page(tmp_path / "b2", "c-b", None, text="b2"),  # c-b is handed out by nothing: a first page
    ]
    routes = chain_routes("/works", pages, "cursor", {"cursor": "*"}, JSON)
    assert [(r["text"], r["match"], r["first"], r["times"]) for r in routes] == [
        ("a1", {"cursor": "*"}, True, 1),
        ("a2", {"cursor": "c-a"}, False, 1),
        ("b2", {"cursor": "*"}, True, 1),
    ]
    keyed = chain_routes(
        "/works", pages, "cursor", {"cursor": "*"}, JSON, key=lambda i: {"q": f"t{i}"}
    )
    assert [r["match"] for r in keyed] == [{"cursor": "*", "q": "t0"}, {"cursor": "c-a"},
                                           {"cursor": "*", "q": "t1"}]  # fmt: skip


def write_json(path: Path, data: object) -> Path:
    """Write `data` as JSON, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A small shared/data folder: an OpenAlex cursor chain, a single entity, a feed, a folder
    no spider reads."""
    root = tmp_path / "data"
    lists = root / "fixtures/openalex/api_list_pages"
    work = {
        "id": "https://openalex.org/W1",
        "title": "Quantum sensing",
        "publication_date": "2024-05-01",
    }
    write_json(lists / "works_x_page1.json", {"meta": {"next_cursor": "NEXT"}, "results": [work]})
    write_json(lists / "works_x_page2_empty.json", {"meta": {"next_cursor": None}, "results": []})
    write_json(root / "fixtures/openalex/single_entities/A1.json", {"id": "A1"})
    feed = root / "fixtures/policy/jp_soumu_news_rdf/news.rdf"
    feed.parent.mkdir(parents=True)
    feed.write_bytes(b"<rdf/>")
    write_json(root / "fixtures/policy/eu_funding_tenders_sedia/call.json", {})
    return root


def test_recorded_sources_name_what_is_served_skipped_and_unread(
    data_dir: Path, tmp_path: Path
) -> None:
    plan = recorded_sources(data_dir, LIVE, tmp_path)
    assert list(plan.sources) == ["papers_openalex", "policy_feed"]
    assert plan.skipped == {"policy_govuk": "no recordings found",
                            "papers_jstage": "no recordings found",
                            "papers_unread": "no recordings of this source's format are read"}  # fmt: skip
    assert plan.unread == {"fixtures/policy/eu_funding_tenders_sedia": 1}
    openalex = plan.sources["papers_openalex"]
    assert openalex.recordings == ["fixtures/openalex/api_list_pages/works_x_page1.json",
                                   "fixtures/openalex/api_list_pages/works_x_page2_empty.json"]  # fmt: skip
    assert list(openalex.unused) == ["fixtures/openalex/single_entities/A1.json"]
    feeds = plan.sources["policy_feed"].feeds
    assert feeds == [{"name": "総務省 新着情報 (news)", "country": "JP", "sharing": "GREEN",
                      "language": "ja", "encoding": "cp932", "fetch_articles": False,
                      "url": "https://recorded.invalid/policy/jp_soumu_news_rdf/news.rdf"}]  # fmt: skip
    # the recorded scan's config: live settings, no credentials, the recorded feeds
    path = tmp_path / "sources.yaml"
    import yaml

    path.write_text(yaml.safe_dump(recorded_sources_config(plan, LIVE), allow_unicode=True))
    config = load_sources(path)
    assert config.enabled() == ["papers_openalex", "policy_feed"]
    assert config.sources["papers_openalex"].credentials_env == {}
    assert config.sources["policy_feed"].feeds[0].url.endswith("/news.rdf")


def test_served_routes_answer_first_requests_in_order_then_the_empty_page(
    data_dir: Path, tmp_path: Path
) -> None:
    import urllib.request

    rec = recorded_sources(data_dir, LIVE, tmp_path).sources["papers_openalex"]
    with ReplayServer(rec.routes) as server:

        def get(query: str) -> dict:
            with urllib.request.urlopen(f"{server.url}/works?search=anything&{query}") as resp:
                return json.loads(resp.read())

        assert get("cursor=*")["meta"]["next_cursor"] == "NEXT"  # the recorded first page
        assert get("cursor=*")["results"] == []  # the next query: nothing more recorded
        assert get("cursor=NEXT")["meta"]["next_cursor"] is None  # the recorded page 2
        hits = [r.hits for r in server.routes]
    report = coverage(rec, hits)
    assert report["served"] == 2 and report["not_asked"] == {}
    assert coverage(rec, [0] * len(hits))["not_asked"] == {
        "fixtures/openalex/api_list_pages/works_x_page1.json": "more recorded first pages than the spider's queries",
        "fixtures/openalex/api_list_pages/works_x_page2_empty.json": "the spider never asked for this page",
    }


@pytest.mark.shared
def test_every_configured_source_has_recordings_in_shared_data(
    shared_data: Path, repo_root: Path, tmp_path: Path
) -> None:
    live = load_sources(repo_root / "data/config/sources.yaml")
    plan = recorded_sources(shared_data, live, tmp_path)
    assert plan.skipped == {} and set(plan.sources) == set(live.sources)
    assert plan.unread == {}  # every folder of recordings is read by a spider
    feeds = plan.sources["policy_feed"].feeds
    assert len(feeds) == 42 + 17 + 1  # White House, gov-online and 総務省 snapshots
    assert len({f["name"] for f in feeds}) == len(feeds)  # each its own chain


def test_a_recording_that_is_not_json_is_still_offered(tmp_path: Path) -> None:
    lists = tmp_path / "data/fixtures/openalex/api_list_pages"
    lists.mkdir(parents=True)
    (lists / "works_cut_short.json").write_text('{"meta": {"next_cursor": "X"}, "resul')
    write_json(tmp_path / "data/fixtures/crossref/decoded/broken.meta.json", {"uri": 1})
    live = LIVE.model_copy(
        update={"sources": {**LIVE.sources, "papers_crossref": LIVE.sources["policy_govuk"]}}
    )
    plan = recorded_sources(tmp_path / "data", live, tmp_path)
    # served as it is, as a first page: the spider's parser quarantines it with the reason
    rec = plan.sources["papers_openalex"]
    assert rec.recordings == ["fixtures/openalex/api_list_pages/works_cut_short.json"]
    assert rec.routes[0]["first"] is True and rec.routes[0]["match"] == {"cursor": "*"}
    assert plan.skipped["papers_crossref"] == (
        "no recordings found; unreadable description (no body_file or uri)"
    )
