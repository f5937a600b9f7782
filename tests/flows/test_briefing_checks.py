"""A manifest's scan message and checks, filtered like the rest: below RED no name or URL of a feed
above the audience, and checks counted on the documents the audience may see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.briefing_checks import restricted_names, scoped_message
from horizon.config.sources import SourcesConfig
from horizon.schemas import Sharing
from tests.flows.test_briefing import all_text, brief, copy_store, fake_rescore

SECRET_URL = "https://partner.example.eu/secret/briefings.rss?token=REDACTED"
SECRET_ERROR = f"feed:EC_secret_briefings: HTTP 404 at {SECRET_URL}"
OPEN_ERROR = "papers_openalex: timeout at https://api.openalex.org/works?page=3"
SOURCES = SourcesConfig.model_validate({
    "user_agent": "t", "contact": "t@example.org",
    "sources": {
        "papers_openalex": {"base_url": "https://api.openalex.org"},
        "policy_feed": {"base_url": "https://www.meti.go.jp", "feeds": [
            {"name": "METI news", "url": "https://www.meti.go.jp/rss/news.xml", "country": "JP"},
            {"name": "EC secret briefings", "url": SECRET_URL.replace("REDACTED", "s3cr3t"),
             "country": "EU", "sharing": "RED"},
        ]},
        "partner_api": {"base_url": "https://api.partner.example.net/v2", "sharing": "AMBER"},
    },
})  # fmt: skip
FAILED = {
    "policy_feed": {"finished": False, "errors": ["feed:METI_news: ok", SECRET_ERROR]},
    "papers_openalex": {"finished": False, "errors": [OPEN_ERROR]},
    "partner_api": {"finished": False, "errors": ["partner_api: 500 at https://api.partner.example.net/v2/x"]},
}  # fmt: skip
MESSAGE = "sources that did not finish: " + "; ".join(
    f"{s} ({c['errors'][-1]})" for s, c in FAILED.items()
)
#: What no manifest below RED may hold (below AMBER, the partner API's too).
RED_ITEMS = ["EC secret", "EC_secret_briefings", "partner.example.eu", "/secret/briefings.rss"]
AMBER_ITEMS = ["partner_api", "api.partner.example.net"]


@pytest.fixture
def partial_store(tmp_path: Path):
    """The two-scan store, its latest scan partial with the message the flow writes, and checks
    counted on every document."""
    store = copy_store(tmp_path / "warehouse.duckdb")
    checks = {
        "records": {"papers_openalex": {"paper": 4, "patent": 2}},
        "warnings": [],
        "recordings": {"policy_feed": {"served": 9, "not_asked": 0, "unused": 0}},
        "as_of": "2026-11-08",
    }
    store.finish_scan(
        "s2", "partial", source_counts={"sources": FAILED, "checks": checks}, message=MESSAGE
    )
    return store


@pytest.mark.parametrize("audience", ["clear", "green", "amber", "amber-strict"])
def test_manifests_below_red_name_no_feed_above_them(partial_store, tmp_path, audience):
    folder = brief(partial_store, tmp_path, audience, rescore=fake_rescore([]), sources=SOURCES)
    text = all_text(folder)
    forbidden = RED_ITEMS + (AMBER_ITEMS if Sharing.parse(audience).level < 2 else [])
    assert [item for item in forbidden if item in text] == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    message = manifest["scan"]["message"]
    assert OPEN_ERROR in message  # what names nothing above the audience stays
    assert "policy_feed ([withheld])" in message
    assert manifest["scan"]["status"] == "partial"
    if Sharing.parse(audience).level >= 2:
        assert "partner_api (partner_api: 500" in message


def test_red_manifest_keeps_the_message_and_checks(partial_store, tmp_path):
    folder = brief(partial_store, tmp_path, "red", sources=SOURCES)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scan"]["message"] == MESSAGE
    assert manifest["checks"]["records"] == {"papers_openalex": {"paper": 4, "patent": 2}}
    assert "recordings" in manifest["checks"]


def test_checks_are_counted_on_the_visible_documents(partial_store, tmp_path):
    folder = brief(partial_store, tmp_path, "green", rescore=fake_rescore([]), sources=SOURCES)
    checks = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["checks"]
    # visible: two CLEAR papers and one GREEN paper, each merged from two sources
    assert checks["records"] == {"papers_openalex": {"paper": 3}, "patents_epo_ops": {"paper": 3}}
    assert checks["domain_share"]["kind"]["paper"]["records"] == 3
    assert "recordings" not in checks and checks["as_of"] == "2026-11-08"
    assert {f["records"] for f in checks["calibration"]["fields"]} <= {0, 1, 2, 3}


def test_restricted_names_cover_every_form_of_a_feed_above_the_audience():
    names = restricted_names(SOURCES, Sharing.green)
    assert {"EC secret briefings", "feed:EC_secret_briefings", "partner.example.eu",
            "/secret/briefings.rss", SECRET_URL, "/secret/briefings.rss?token=REDACTED",
            "partner_api", "api.partner.example.net"} <= names  # fmt: skip
    assert not {"METI news", "www.meti.go.jp", "papers_openalex", "api.openalex.org"} & names
    assert "partner_api" not in restricted_names(SOURCES, Sharing.amber)
    assert restricted_names(SOURCES, Sharing.red) == set()


def test_without_the_sources_config_no_error_detail_is_shown_below_red():
    scan = {"message": MESSAGE, "source_counts": json.dumps({"sources": FAILED})}
    out = scoped_message(scan, Sharing.amber, restricted_names(None, Sharing.amber))
    assert out == (
        "sources that did not finish: policy_feed ([withheld]); papers_openalex ([withheld]); "
        "partner_api ([withheld])"
    )
    failure = {"message": "failed: disk full at /srv/secret/briefings.rss", "source_counts": "{}"}
    assert scoped_message(failure, Sharing.clear, None) == "[withheld]"
    assert scoped_message(failure, Sharing.clear, set()) == failure["message"]
    assert scoped_message(failure, Sharing.clear, {"/secret/briefings.rss"}) == "[withheld]"
