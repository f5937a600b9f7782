"""The operator's contact: from sources.yaml or HORIZON_CONTACT; a live crawl refuses a placeholder
(it would be sent to every server), replay and demo crawls do not care."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.replay import ReplayServer
from crawlers.run import crawl_source
from horizon.config.sources import is_placeholder_contact
from tests.crawlers.test_spiders import openalex_page, openalex_work, write_config


@pytest.mark.parametrize(
    ("contact", "placeholder"),
    [
        ("mailto:horizon-scan@example.org", True),
        ("mailto:ops@lab.example.com", True),
        ("https://example.net/contact", True),
        ("mailto:me@host.test", True),
        ("", True),
        ("mailto:ops@horizon-scan.org", False),
        ("https://www.example-university.ac.jp/contact", False),
    ],
)
def test_placeholder_contacts(contact: str, placeholder: bool) -> None:
    assert is_placeholder_contact(contact) is placeholder


def live_crawl(tmp_path: Path) -> tuple[dict, ReplayServer]:
    """A live-mode crawl of OpenAlex against loopback (an allowed origin), contact example.org."""
    config = write_config(tmp_path, "papers_openalex")  # contact: mailto:test@example.org
    routes = [{"path": "/works", "text": openalex_page([openalex_work(1, ["JP"])], None)}]
    with ReplayServer(routes) as server:
        summary = crawl_source("papers_openalex", home=tmp_path / "home", out_dir=tmp_path / "out",
                               base_url=server.url, config_dir=config, timeout=120, live=True,
                               allow_origins=(server.url,))  # fmt: skip
    return summary, server


def test_a_live_crawl_with_the_placeholder_contact_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HORIZON_CONTACT", raising=False)
    summary, server = live_crawl(tmp_path)
    assert summary["finished"] is False and server.requests == []  # nothing was sent
    (error,) = summary["errors"]
    assert "'mailto:test@example.org' is a placeholder" in error and "HORIZON_CONTACT" in error


def test_horizon_contact_overrides_the_config_and_goes_in_the_user_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HORIZON_CONTACT", "mailto:ops@horizon-scan.org")
    summary, server = live_crawl(tmp_path)
    assert summary["finished"] is True and summary["records"] == 1, json.dumps(summary)
    agents = {headers.get("User-Agent") for headers, _ in server.received}
    assert agents == {"horizon-scan-test/0 (+mailto:ops@horizon-scan.org)"}
