"""Per-source policy from sources.yaml: rate limits as ceilings, robots or API terms, connections,
and credentials a live crawl cannot do without."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from crawlers.run import DEFAULT_CONFIG_DIR, crawl_source
from crawlers.settings import crawl_settings
from flows.cli import app
from horizon.config import load_sources
from horizon.config.sources import SourceConfig


@pytest.fixture(scope="module")
def sources():
    return load_sources(DEFAULT_CONFIG_DIR / "sources.yaml")


def _live(sources, name: str) -> dict:
    return crawl_settings(sources, sources.sources[name], raw_dir=Path("raw"), jobdir=None,
                          loopback=False)  # fmt: skip


def test_arxiv_gets_one_connection_three_seconds_apart_and_its_api_terms(sources) -> None:
    for name in ("papers_arxiv", "papers_arxiv_oai"):
        s = _live(sources, name)
        assert s["DOWNLOAD_DELAY"] >= 3.0 and s["RANDOMIZE_DOWNLOAD_DELAY"] is False, name
        assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1, name
        assert s["ROBOTSTXT_OBEY"] is False, (
            name
        )  # its robots.txt disallows all; the API terms govern
        assert sources.sources[name].terms_url == "https://info.arxiv.org/help/api/tou.html"
    assert sources.sources["papers_arxiv_oai"].base_url == "https://oaipmh.arxiv.org/oai"
    other = _live(sources, "policy_govuk")
    assert other["ROBOTSTXT_OBEY"] is True and other["RANDOMIZE_DOWNLOAD_DELAY"] is False


def test_api_terms_need_the_terms_and_required_credentials_must_be_named() -> None:
    with pytest.raises(ValidationError, match="terms_url"):
        SourceConfig(base_url="https://x.example", robots="api_terms")
    with pytest.raises(ValidationError, match="credentials_env"):
        SourceConfig(base_url="https://x.example", credentials_required=("api_key",))


def test_missing_required_key_is_one_line_naming_the_variable_and_the_page(monkeypatch) -> None:
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["crawl", "papers_openalex"])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line
    assert "OPENALEX_API_KEY" in line and "https://openalex.org/settings/api" in line


def test_a_live_crawl_without_its_key_fails_with_the_reason_and_sends_nothing(tmp_path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "sources.yaml").write_text(
        'user_agent: "t/0"\ncontact: "mailto:t@example.org"\nsources:\n  papers_openalex:\n'
        "    base_url: https://api.openalex.invalid\n    credentials_env: {api_key: T_KEY}\n"
        "    credentials_required: [api_key]\n    credentials_url: https://openalex.org/settings/api\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    summary = crawl_source("papers_openalex", home=tmp_path, out_dir=out, config_dir=config,
                           credentials={}, timeout=120)  # fmt: skip
    assert summary["finished"] is False
    assert summary["errors"] == [
        "papers_openalex needs T_KEY set in the environment; get one at https://openalex.org/settings/api"
    ]
    assert not (out / "responses.jsonl").exists() or not (out / "responses.jsonl").read_text()
    assert json.loads((out / "summary.json").read_text())["errors"] == summary["errors"]
