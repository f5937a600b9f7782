"""The built-in demo corpus: deterministic, clearly marked, in the real formats, crawlable."""

from __future__ import annotations

import datetime as dt
import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from crawlers.demo import DEMO_AS_OF, demo_base_urls, generate_demo_corpus
from crawlers.replay import serve
from crawlers.run import crawl_source
from horizon.config import load_sources
from horizon.config.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
TAXONOMY = REPO / "data" / "config" / "taxonomy.yaml"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_committed_corpus_equals_a_fresh_generation(tmp_path: Path) -> None:
    counts = generate_demo_corpus(tmp_path, load_taxonomy(TAXONOMY))
    fresh, committed = tree(tmp_path), tree(DEMO)
    assert sorted(fresh) == sorted(committed), "file list differs: run `python -m crawlers.demo`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, (
        f"{len(changed)} demo files differ (taxonomy changed?): run `python -m crawlers.demo`"
    )
    assert counts["total_bytes"] == sum(len(b) for n, b in committed.items() if "/" in n)
    assert counts["total_bytes"] < 6_000_000  # a few MB at most


def corpus_dates(root: Path) -> dict[str, list[dt.date]]:
    """Every date in a demo corpus, read from the bodies in their own formats, per source folder."""
    dates: dict[str, list[dt.date]] = {}
    for path in sorted(root.rglob("*.json")):
        if path.parent == root:
            continue
        for item in json.loads(path.read_text(encoding="utf-8"))["results"]:
            dates.setdefault(path.parent.name, []).append(
                dt.date.fromisoformat(item["publication_date"])
            )
    for path in sorted((root / "epo").glob("*.xml")):  # publication, application and priority dates
        found = re.findall(r"<date>(\d{8})</date>", path.read_text(encoding="utf-8"))
        dates.setdefault("epo", []).extend(dt.datetime.strptime(d, "%Y%m%d").date() for d in found)
    for path in sorted((root / "feeds").glob("*")):
        found = re.findall(r"<pubDate>([^<]+)</pubDate>", path.read_text(encoding="utf-8"))
        dates.setdefault("feeds", []).extend(parsedate_to_datetime(d).date() for d in found)
    return dates


def test_no_date_is_after_the_demo_as_of_date(tmp_path: Path) -> None:
    manifest = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == DEMO_AS_OF.isoformat() == "2026-09-30"
    dates = corpus_dates(DEMO)
    assert set(dates) == {"openalex", "epo", "fr", "feeds"}
    for source, found in dates.items():
        assert max(found) <= DEMO_AS_OF, f"{source} has a date after {DEMO_AS_OF}: {max(found)}"
        assert max(found).year == DEMO_AS_OF.year, source  # and the demo year is still active
    generate_demo_corpus(tmp_path / "other", load_taxonomy(TAXONOMY), seed=7)  # another seed
    assert all(max(found) <= DEMO_AS_OF for found in corpus_dates(tmp_path / "other").values())


def test_generation_is_seeded_and_generic(tmp_path: Path) -> None:
    yaml = """version: t
domains:
- slug: widgets
  label_en: Widgets
  label_ja: ウィジェット
  subtechs: [{slug: w, label_en: W, label_ja: W, terms: {en: [flux capacitor], ja: [磁束コンデンサ]}}]
  codes: [{prefix: H01L}]
"""
    (tmp_path / "t.yaml").write_text(yaml, encoding="utf-8")
    taxonomy = load_taxonomy(tmp_path / "t.yaml", require_japan_20=False)
    generate_demo_corpus(tmp_path / "a", taxonomy, seed=1)
    generate_demo_corpus(tmp_path / "b", taxonomy, seed=1)
    generate_demo_corpus(tmp_path / "c", taxonomy, seed=2)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    works = json.loads((tmp_path / "a/openalex/works_widgets_0.json").read_text())["results"]
    assert works and all(
        "flux capacitor" in w["title"] and w["title"].startswith("[DEMO]") for w in works
    )
    jp_feed = (tmp_path / "a/feeds/meti_news.rdf").read_text(encoding="utf-8")
    assert "磁束コンデンサ" in jp_feed and "【デモ】" in jp_feed
    epo = (tmp_path / "a/epo/search_widgets_0.xml").read_text()
    assert "<section>H</section><class>01</class><subclass>L</subclass>" in epo
    assert re.search(r"<name>[^<]+ \[[A-Z]{2}\]</name>", epo)


def test_corpus_is_marked_as_demo_everywhere() -> None:
    assert "DEMO DATA" in (DEMO / "README.md").read_text(encoding="utf-8")
    sources = load_sources(DEMO / "sources.yaml")
    assert set(sources.sources) == {
        "papers_openalex",
        "patents_epo_ops",
        "policy_federal_register",
        "policy_feed",
    }
    labels = {f.name: f.sharing.value for f in sources.sources["policy_feed"].feeds}
    assert "AMBER" in labels.values() and all("DEMO" in n or "デモ" in n for n in labels)
    for path in (DEMO / "openalex").glob("*.json"):
        for work in json.loads(path.read_text())["results"]:
            assert work["title"].startswith("[DEMO]") and work["doi"].startswith(
                "https://doi.org/10.5555/"
            )
    for path in (DEMO / "feeds").glob("*"):
        channel = re.search(
            r"<channel><title>([^<]*)</title>", path.read_text(encoding="utf-8")
        ).group(1)
        assert "DEMO" in channel or "デモ" in channel
    manifest = json.loads((DEMO / "manifest.json").read_text())
    assert manifest["demo"] is True and all(
        (DEMO / r["body"]).is_file() for r in manifest["routes"]
    )


def crawl_demo(tmp_path: Path, sources: list[str]) -> dict[str, tuple[dict, list[dict]]]:
    """Crawl demo sources through the spiders on a loopback replay of data/demo."""
    results = {}
    with serve(DEMO) as url:
        bases = demo_base_urls(url, DEMO)
        for source in sources:
            out = tmp_path / source
            summary = crawl_source(source, home=tmp_path / "home", out_dir=out, base_url=bases[source],
                                   config_dir=DEMO, timeout=300)  # fmt: skip
            rows = [
                json.loads(line)
                for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            results[source] = (summary, rows)
    return results


def test_demo_feeds_crawl_through_the_spider(tmp_path: Path) -> None:
    summary, rows = crawl_demo(tmp_path, ["policy_feed"])["policy_feed"]
    assert summary["finished"] is True and summary["errors"] == [] and summary["filtered"] > 0
    assert {r["language"] for r in rows} >= {"ja", "en"}
    assert {r["sharing"] for r in rows} == {"CLEAR", "AMBER"}
    assert {c["country"] for r in rows for c in r["countries"]} >= {"JP", "GB"}
    assert all(r["title"].startswith(("[DEMO]", "【デモ】")) for r in rows)
    assert max(r["published_date"] for r in rows) <= DEMO_AS_OF.isoformat()


@pytest.mark.slow
def test_demo_scan_sources_crawl_through_the_spiders(tmp_path: Path) -> None:
    sources = list(load_sources(DEMO / "sources.yaml").sources)
    results = crawl_demo(tmp_path, sources)
    total = sum(len(rows) for _, rows in results.values())
    assert 4000 <= total <= 8000
    for source, (summary, rows) in results.items():
        assert summary["finished"] is True and summary["errors"] == [] and rows, source
    taxonomy = load_taxonomy(TAXONOMY)
    papers = results["papers_openalex"][1]
    for domain in taxonomy.domains:  # every domain has documents
        terms = [t for _, t in domain.terms("en")]
        assert any(any(t in r["title"] for t in terms) for r in papers), domain.slug
    countries = {
        c["country"] for r in papers + results["patents_epo_ops"][1] for c in r["countries"]
    }
    assert {"JP", "US", "CN", "DE"} <= countries
    years = {r["published_date"][:4] for r in papers}
    assert min(years) == "2018" and max(years) == "2026"
