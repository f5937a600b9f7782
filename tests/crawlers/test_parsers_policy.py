"""Policy parsers: Federal Register, GOV.UK, RSS/RDF/Atom feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from crawlers.parsers import policy_federal_register, policy_feed, policy_govuk
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from horizon.schemas import Sharing


def run(module, body: bytes, **kwargs) -> ParseResult:
    return module.parse(
        body, ParseContext.for_body(module.__name__.rsplit(".", 1)[1], body, **kwargs)
    )


# --- Federal Register ----------------------------------------------------------------------------

FR_PAGE = {
    "count": 3,
    "total_pages": 2,
    "next_page_url": "https://www.federalregister.gov/api/v1/documents?page=2&per_page=2",
    "results": [
        {
            "document_number": "2024-00001",
            "title": "Export Controls on Quantum Items",
            "type": "Rule",
            "abstract": "BIS amends the EAR.",
            "excerpts": "ignored",
            "publication_date": "2024-01-03",
            "agencies": [
                {"raw_name": "DEPARTMENT OF COMMERCE", "name": "Commerce Department"},
                {
                    "raw_name": "BUREAU OF INDUSTRY AND SECURITY",
                    "name": "Industry and Security Bureau",
                },
            ],
            "agency_names": ["Commerce Department", "Industry and Security Bureau"],
            "topics": ["Exports", "Science and technology"],
            "html_url": "https://www.federalregister.gov/documents/2024/01/03/2024-00001/export",
            "citation": "89 FR 1",
        },
        {
            "document_number": "2024-00002",
            "title": "Notice",
            "type": "Notice",
            "excerpts": "Only <em>excerpt</em>.",
        },
    ],
}


def test_federal_register_literal_page():
    result = run(policy_federal_register, json.dumps(FR_PAGE).encode())
    assert result.next_page == FR_PAGE["next_page_url"] and result.total == 3
    first, second = result.records
    assert first.record_id == "fr:2024-00001" and first.kind == "policy"
    assert [(c.country, c.weight) for c in first.countries] == [("US", 1.0)]
    assert first.organizations == ["Commerce Department", "Industry and Security Bureau"]
    assert first.codes.topics == ["Exports", "Science and technology", "Rule"]
    assert first.published_date == dt.date(2024, 1, 3) and first.text == "BIS amends the EAR."
    assert first.url == FR_PAGE["results"][0]["html_url"]
    assert second.text == "Only excerpt." and second.codes.topics == ["Notice"]


def test_federal_register_last_page_and_errors():
    last = dict(FR_PAGE, next_page_url=None)
    assert run(policy_federal_register, json.dumps(last).encode()).next_page is None
    for body in (
        b'{"count": 3, "results": [',
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"errors": {"per_page": "too big"}}',
    ):
        with pytest.raises(ParseError):
            run(policy_federal_register, body)


def test_federal_register_recorded_1000(shared_data):
    body = (
        shared_data / "fixtures/policy/us_federal_register/fr_api_documents_search_1000.json"
    ).read_bytes()
    result = run(policy_federal_register, body)
    assert len(result.records) == 1000 and len({r.record_id for r in result.records}) == 1000
    assert result.total == 1893 and result.next_page and "page=2" in result.next_page
    rec = result.records[0]
    assert rec.record_id == "fr:2023-26792" and rec.published_date == dt.date(2024, 1, 2)
    assert rec.organizations == ["Agriculture Department", "Rural Business-Cooperative Service"]
    assert rec.codes.topics == ["Notice"]
    types = [r.extra["document_type"] for r in result.records]
    assert {t: types.count(t) for t in set(types)} == {
        "Notice": 814,
        "Rule": 120,
        "Proposed Rule": 58,
        "Presidential Document": 8,
    }
    # notices that start on one Federal Register page share a citation: it is no identity
    from crawlers.merge import merge_records

    citations = [r.extra["citation"] for r in result.records]
    assert len(set(citations)) < 1000
    assert len(merge_records(result.records)) == 1000


# --- GOV.UK --------------------------------------------------------------------------------------

GOVUK_ITEM = {
    "base_path": "/government/news/quantum-missions",
    "content_id": "abc-123",
    "title": "Quantum missions funded",
    "description": "New funding for quantum.",
    "document_type": "press_release",
    "first_published_at": "2024-02-01T09:30:00.000+00:00",
    "public_updated_at": "2024-02-03T10:00:00.000+00:00",
    "locale": "en",
    "details": {
        "body": "<div class='govspeak'><p>Up to <strong>£100m</strong>.</p><script>alert(1)</script></div>"
    },
    "links": {"organisations": [{"title": "Department for Science, Innovation and Technology"}]},
}


def test_govuk_literal_item_and_search_page():
    (rec,) = run(policy_govuk, json.dumps(GOVUK_ITEM).encode()).records
    assert rec.record_id == "url:https://www.gov.uk/government/news/quantum-missions"
    assert rec.text == "New funding for quantum. Up to £100m."
    assert rec.published_date == dt.date(2024, 2, 1) and rec.codes.topics == ["press_release"]
    assert rec.organizations == ["Department for Science, Innovation and Technology"]
    assert [(c.country, c.weight) for c in rec.countries] == [("GB", 1.0)]
    assert "govuk:abc-123" in rec.ids
    page = {
        "results": [
            {
                "link": "/government/speeches/ai",
                "title": "AI speech",
                "public_timestamp": "2024-03-01T00:00:00Z",
                "content_store_document_type": "speech",
                "organisations": [{"title": "Cabinet Office"}],
            }
        ],
        "total": 30,
        "start": 0,
    }
    result = run(policy_govuk, json.dumps(page).encode())
    assert (result.total, result.next_page) == (30, "1")
    assert result.records[0].record_id == "url:https://www.gov.uk/government/speeches/ai"
    assert result.records[0].organizations == ["Cabinet Office"]


def test_govuk_non_documents_rejected():
    finder = dict(GOVUK_ITEM, document_type="finder", schema_name="finder")
    result = run(policy_govuk, json.dumps(finder).encode())
    assert result.records == [] and "navigation" in result.rejects[0].reason
    links = run(policy_govuk, b'{"links": {"organisations": ["x"]}, "previous_version": "2"}')
    assert links.records == [] and "links-only" in links.rejects[0].reason


def test_govuk_recorded_141_items(shared_data):
    folder = shared_data / "fixtures/policy/uk_govuk_content_api"
    paths = sorted(folder.glob("*.json"))
    assert len(paths) == 141
    records, rejected = {}, {}
    for path in paths:
        result = run(policy_govuk, path.read_bytes())
        assert len(result.records) + len(result.rejects) == 1, path.name
        if result.records:
            records[path.name] = result.records[0]
        else:
            rejected[path.name] = result.rejects[0].reason
    assert len(records) == 116
    assert set(rejected) == {
        p.name for p in paths if p.name.startswith("finder__") or p.name.endswith("_links.json")
    }
    case = records["case_study__case_study.json"]
    assert (
        case.record_id
        == "url:https://www.gov.uk/government/case-studies/get-britain-building-carlisle-park"
    )
    assert case.organizations[0] == "Department for International Development"
    assert case.published_date == dt.date(2012, 12, 17) and case.codes.topics[0] == "case_study"
    assert case.text.startswith("Nearly 400 homes") and "former tar distillery" in case.text
    assert all(r.published_date and r.title for r in records.values())


# --- feeds ---------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Briefings</title><link>https://example.gov/</link><language>en-us</language>
<item><title>Fact Sheet: AI &amp; Quantum</title>
<link>https://Example.gov/briefings/ai-quantum/?utm_source=rss&amp;id=7#top</link>
<description>&lt;p&gt;Text &lt;a href="javascript:alert(1)"&gt;here&lt;/a&gt;&lt;script&gt;steal()&lt;/script&gt;&lt;/p&gt;</description>
<pubDate>Tue, 02 Jan 2024 15:00:00 -0500</pubDate><guid isPermaLink="false">briefing-7</guid></item>
<item><title>Bad link</title><link>javascript:alert(2)</link><description>x</description></item>
</channel></rss>"""

SJIS_RDF = """<?xml version="1.0" encoding="Shift_JIS" ?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="ja">
<channel rdf:about="https://www.soumu.go.jp/news.rdf"><title>総務省 新着情報</title><link>https://www.soumu.go.jp/</link>
<description>新着</description><items><rdf:Seq><rdf:li rdf:resource="https://www.soumu.go.jp/a.html" /></rdf:Seq></items></channel>
<item rdf:about="https://www.soumu.go.jp/a.html"><title>Beyond 5G 研究開発促進事業の公募①</title>
<link>https://www.soumu.go.jp/a.html</link><description>髙橋 ～ 公募</description>
<dc:date>2021-07-16T05:00+09:00</dc:date><dc:creator>総務省</dc:creator></item>
</rdf:RDF>""".replace("\n", "\r\n").encode("cp932")


def test_feed_rss_links_scripts_and_dates():
    result = run(policy_feed, RSS, options={"country": "US"}, sharing=Sharing.green)
    (rec,) = result.records
    assert rec.record_id == "url:https://example.gov/briefings/ai-quantum?id=7"
    assert rec.title == "Fact Sheet: AI & Quantum" and rec.text == "Text here"
    assert "javascript" not in rec.model_dump_json() and "steal" not in rec.model_dump_json()
    assert rec.published_date == dt.date(2024, 1, 2) and rec.language == "en"
    assert [(c.country, c.weight) for c in rec.countries] == [("US", 1.0)]
    assert rec.sharing == Sharing.green
    assert len(result.rejects) == 1 and "http(s) link" in result.rejects[0].reason


SHARED_LINK_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>各府省の新着情報</title><link>https://www.gov-online.go.jp/info/</link>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://www.esri.cao.go.jp/jp/stat/di/di.html</link>
<pubDate>{date} 00:00:00 GMT</pubDate>{guid}</item>"""


def shared_link_feed(*items: tuple[str, str, str]) -> bytes:
    body = "".join(ITEM.format(title=t, date=d, guid=g) for t, d, g in items)
    return SHARED_LINK_RSS.format(items=body).encode()


def test_feed_notices_sharing_a_link_keep_distinct_stable_ids():
    april = ("景気動向指数（令和8年4月分速報）", "Mon, 08 Jun 2026", "")
    revision = ("景気動向指数（令和8年4月分速報からの改訂状況）", "Fri, 26 Jun 2026", "")
    first = run(policy_feed, shared_link_feed(april)).records
    both = run(policy_feed, shared_link_feed(revision, april)).records
    landing = "https://www.esri.cao.go.jp/jp/stat/di/di.html"
    assert [r.url for r in both] == [landing, landing]
    assert len({r.record_id for r in both}) == 2
    assert both[1].record_id == first[0].record_id  # same notice, later snapshot: same id
    digest = hashlib.sha256(f"{april[0]}\x1f2026-06-08".encode()).hexdigest()[:12]
    assert first[0].record_id == f"url:{landing}#{digest}" and first[0].ids == [first[0].record_id]
    with_guid = (*april[:2], "<guid>https://www.esri.cao.go.jp/jp/stat/di/di.html</guid>")
    (guided,) = run(policy_feed, shared_link_feed(with_guid)).records
    assert guided.record_id == f"url:{landing}"  # an entry with its own id keeps the plain link


def test_feed_eu_issuer_and_follow():
    result = run(policy_feed, RSS, options={"country": "EU", "fetch_articles": True})
    (rec,) = result.records
    assert [c.country for c in rec.countries] == ["EU"] and rec.extra["issuer"] == "EU"
    assert result.follow == ["https://example.gov/briefings/ai-quantum?id=7"]


@pytest.mark.parametrize("options", [{"country": "JP"}, {"country": "JP", "encoding": "cp932"}])
def test_feed_shift_jis_rdf(options):
    (rec,) = run(policy_feed, SJIS_RDF, options=options).records
    assert rec.title == "Beyond 5G 研究開発促進事業の公募①"
    assert rec.text == "髙橋 ～ 公募" and rec.language == "ja"
    assert rec.published_date == dt.date(2021, 7, 16)
    assert rec.organizations == ["総務省"]


def test_feed_language_detection():
    assert policy_feed.detect_language("量子技術の研究開発について") == "ja"
    assert policy_feed.detect_language("Quantum research") == "en"
    assert policy_feed.detect_language("2024") == "und"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><head><title>503</title></head><body>Service Unavailable</body></html>",
        b'{"error": "not a feed"}',
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><item><title>&xxe;</title><link>https://a.gov/x</link></item></channel></rss>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss version="2.0"><channel><item><title>&b;</title></item></channel></rss>',
        RSS[:40],
    ],
    ids=["empty", "html-error", "json", "xxe", "laughs", "truncated"],
)
def test_feed_unusable_bodies(body):
    with pytest.raises(ParseError):
        run(policy_feed, body, options={"country": "US"})


def test_parse_article_extracts_main_text():
    paragraph = (
        "The Ministry announced a new programme for quantum computing research and development. "
        * 4
    )
    page = f"""<html><head><title>t</title><script>var x = 'tracking';</script></head><body>
    <nav><a href="/">Home</a> | <a href="/news">News</a></nav>
    <article><h1>Quantum programme</h1><p>{paragraph}</p><p>{paragraph}</p></article>
    <footer>Copyright</footer></body></html>""".encode()
    text = policy_feed.parse_article(page, ParseContext.for_body("policy_feed", page))
    assert "quantum computing research" in text and "tracking" not in text


def test_canonical_url():
    canon = policy_feed.canonical_url
    assert canon("HTTPS://WWW.Gov.uk/a/b/?utm_medium=x&q=1#frag") == "https://www.gov.uk/a/b?q=1"
    assert canon("javascript:alert(1)") is None and canon("mailto:a@b.c") is None
    assert canon("https://www.soumu.go.jp/") == "https://www.soumu.go.jp"


def policy_dir(shared_data: Path) -> Path:
    return shared_data / "fixtures" / "policy"


def test_feed_recorded_whitehouse_229_distinct(shared_data):
    paths = sorted((policy_dir(shared_data) / "us_whitehouse_briefings_rss_scraped").glob("*.xml"))
    assert len(paths) == 42
    ids: dict[str, object] = {}
    for path in paths:
        result = run(policy_feed, path.read_bytes(), options={"country": "US"})
        assert result.rejects == []
        ids |= {r.record_id: r for r in result.records}
    assert len(ids) == 229
    rec = ids[
        "url:https://www.whitehouse.gov/briefings-statements/2026/07/presidential-message-on-national-korean-war-veterans-armistice-day-3cd7"
    ]
    assert rec.title == "Presidential Message on National Korean War Veterans Armistice Day"
    assert rec.language == "en" and [(c.country, c.weight) for c in rec.countries] == [("US", 1.0)]
    assert all(r.published_date for r in ids.values())


def test_feed_recorded_gov_online(shared_data):
    paths = sorted(
        (policy_dir(shared_data) / "jp_gov_online_info_rss/rss_snapshots").glob("*.rss.xml")
    )
    assert len(paths) == 17
    records = []
    for path in paths:
        result = run(policy_feed, path.read_bytes(), options={"country": "JP"})
        assert result.rejects == [] and result.records, path.name
        records += result.records
    newest = run(policy_feed, paths[-1].read_bytes(), options={"country": "JP"}).records[0]
    assert newest.title.startswith(
        "「農業の生産性の向上のためのスマート農業技術の活用の促進に関する法律」"
    )
    assert newest.published_date == dt.date(2026, 8, 21) and newest.language == "ja"
    digest = hashlib.sha256(f"{newest.title}\x1f2026-08-21".encode()).hexdigest()[:12]
    assert newest.record_id == f"url:https://www.ogb.go.jp/nousui/topicsFolder.html#{digest}"
    assert newest.url == "https://www.ogb.go.jp/nousui/topicsFolder.html"
    assert all(r.language == "ja" and r.published_date for r in records)
    assert min(r.published_date for r in records) >= dt.date(2025, 5, 1)


def test_feed_recorded_gov_online_distinct_notices_on_one_landing_page(shared_data):
    from lxml import etree

    paths = sorted(
        (policy_dir(shared_data) / "jp_gov_online_info_rss/rss_snapshots").glob("*.rss.xml")
    )
    notices: dict[tuple[str, str, str], set[str]] = {}  # (link, title, pubDate) → record ids
    for path in paths:
        items = etree.fromstring(path.read_bytes()).iter("item")
        triples = [(i.findtext("link"), i.findtext("title"), i.findtext("pubDate")) for i in items]
        records = run(policy_feed, path.read_bytes(), options={"country": "JP"}).records
        assert len(records) == len(triples), path.name
        for triple, record in zip(triples, records, strict=True):
            notices.setdefault(triple, set()).add(record.record_id)
    links = {link for link, _, _ in notices}
    assert len(notices) == 590 and len(links) == 560  # 30 notices share a landing page
    assert all(len(ids) == 1 for ids in notices.values())  # one id per notice across snapshots
    assert len(set().union(*notices.values())) == 590  # and no two notices share one


@pytest.mark.parametrize("options", [{"country": "JP"}, {"country": "JP", "encoding": "cp932"}])
def test_feed_recorded_soumu_shift_jis(shared_data, options):
    body = (
        policy_dir(shared_data) / "jp_soumu_news_rdf/soumu_news_rdf_20210719_shift_jis.rdf"
    ).read_bytes()
    result = run(policy_feed, body, options=options)
    assert len(result.records) == 20 and result.rejects == []
    first = result.records[0]
    assert first.title == "総務省自治行政局における新型コロナウイルス感染症の感染者の発生"
    assert (
        first.record_id == "url:https://www.soumu.go.jp/menu_news/s-news/01gyosei01_02000238.html"
    )
    assert first.published_date == dt.date(2021, 7, 19) and first.organizations == ["総務省"]
    titles = [r.title for r in result.records]
    assert any("Beyond 5G" in t for t in titles)
    assert {r.published_date for r in result.records} <= {
        dt.date(2021, 7, d) for d in range(16, 20)
    }


def test_feed_dates_from_atom_updated_and_no_feedparser_deprecation(recwarn):
    """An entry without `published` is dated by `updated`, without feedparser's fallback warning."""
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Notices</title>
<entry><title>Quantum strategy update</title><link href="https://example.gov/q1"/>
<updated>2025-03-04T09:00:00+09:00</updated><summary>Text</summary></entry>
<entry><title>Undated notice</title><link href="https://example.gov/q2"/>
<published>not a date</published><summary>Text</summary></entry>
</feed>"""
    result = run(policy_feed, body, options={"country": "JP"})
    dates = {r.title: r.published_date for r in result.records}
    assert dates == {"Quantum strategy update": dt.date(2025, 3, 4), "Undated notice": None}
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
