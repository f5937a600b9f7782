"""The built-in DEMO corpus: synthetic responses in each source's real format, served on loopback.

`generate_demo_corpus` writes OpenAlex works pages (cursor paging), EPO OPS biblio search XML
(Range paging), Federal Register documents.json pages (next_page_url) and RSS feeds (one Japanese
ministry-style, one European Commission-style, one AMBER partner feed), plus the replay manifest,
the demo sources config and a README. Everything is seeded and ordered, so a regeneration is
byte-identical. The data is invented: every title carries a DEMO marker. No date in it is after
`DEMO_AS_OF`, the day the demo pretends to be scanned (records dated later would count as recent).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import random
import re
import shutil
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape

from crawlers.spiders.papers_openalex import search_query
from crawlers.spiders.patents_epo_ops import class_query
from crawlers.spiders.policy_federal_register import term_query
from crawlers.spiders.terms import code_prefixes, domain_terms
from horizon.config.taxonomy import Domain, Taxonomy

MARK, MARK_JA = "[DEMO]", "【デモ】"
HOST = "https://demo.invalid"
#: The demo's "today": every publication, priority and announcement date is on or before it.
DEMO_AS_OF = dt.date(2026, 9, 30)
YEARS = tuple(range(2018, DEMO_AS_OF.year + 1))
COUNTRIES = (
    "US",
    "CN",
    "DE",
    "GB",
    "FR",
    "KR",
    "IN",
    "CA",
    "TW",
    "CH",
    "NL",
    "SG",
    "AU",
    "IT",
    "SE",
)
#: Japan's share of a domain's documents: strong, weak, or the default in between.
JP_SHARE = {"semiconductors": 0.24, "advanced_materials": 0.22, "robotics": 0.22, "energy": 0.13,
            "advanced_manufacturing": 0.15, "transportation": 0.12,
            "ai_ml": 0.03, "space": 0.03, "bci": 0.02, "data_science": 0.04}  # fmt: skip
#: Yearly growth of foreign output: fast, flat, or the default.
GROWTH = {"ai_ml": 0.38, "quantum": 0.32, "bci": 0.2, "semiconductors": 0.12,
          "ocean": 0.0, "cbrn": 0.0, "hypersonics": 0.01, "advanced_manufacturing": 0.02}  # fmt: skip
#: Relative volume of papers/patents and of policy attention per domain.
VOLUME = {"ai_ml": 1.8, "semiconductors": 1.4, "biotech": 1.3, "medical": 1.3, "energy": 1.2,
          "hypersonics": 0.5, "bci": 0.5, "cbrn": 0.5, "ocean": 0.6}  # fmt: skip
POLICY = {"ai_ml": 3.0, "semiconductors": 3.0, "quantum": 2.5, "cybersecurity": 2.2, "energy": 2.0,
          "biotech": 1.5, "space": 1.2, "ocean": 0.3, "hypersonics": 0.3, "bci": 0.3,
          "advanced_materials": 0.5, "data_science": 0.6}  # fmt: skip
FIELDS = {"ai_ml": "Computer Science", "advanced_computing": "Computer Science",
          "data_science": "Computer Science", "cybersecurity": "Computer Science",
          "biotech": "Biochemistry, Genetics and Molecular Biology", "medical": "Medicine",
          "quantum": "Physics and Astronomy", "sensing_pnt": "Physics and Astronomy",
          "advanced_materials": "Materials Science", "energy": "Energy",
          "space": "Earth and Planetary Sciences", "ocean": "Earth and Planetary Sciences",
          "bci": "Neuroscience", "cbrn": "Chemistry"}  # fmt: skip
PAPERS_PER_DOMAIN, PATENTS_PER_DOMAIN, FR_PER_DOMAIN, FEED_PER_DOMAIN = 110, 55, 16, 6
OPENALEX_PAGE, EPO_PAGE, FR_PAGE = 50, 25, 10
ADJ = ("Scalable", "Robust", "Low-power", "High-throughput", "Adaptive", "Secure", "Compact",
       "Self-calibrating", "Distributed", "Energy-efficient")  # fmt: skip
USE = ("industrial deployment", "edge devices", "public health", "disaster resilience",
       "supply-chain security", "autonomous systems", "clean energy", "smart cities")  # fmt: skip
JP_ORGS = ("Demo University of Tokyo", "Demo Kyoto University", "Demo Tohoku University",
           "Demo RIKEN Center", "Demo AIST Laboratory", "Demo Osaka University")  # fmt: skip
JP_FIRMS = ("DEMO DENKI KK", "DEMO SEISAKUSHO KK", "DEMO MATERIALS KK", "DEMO ROBOTICS KK")


def _weights(domain: Domain) -> tuple[float, list[float]]:
    """Japan's share and the year weights of foreign output for a domain."""
    g = GROWTH.get(domain.slug, 0.06)
    return JP_SHARE.get(domain.slug, 0.08), [(1 + g) ** (y - YEARS[0]) for y in YEARS]


def _terms(domain: Domain) -> list[str]:
    return domain_terms(domain, "en") or [domain.label_en]


def _ja_terms(domain: Domain) -> list[str]:
    return domain_terms(domain, "ja") or [domain.label_ja]


def _date(rng: random.Random, year: int) -> str:
    """A day of `year`, never after DEMO_AS_OF."""
    last_month = DEMO_AS_OF.month if year == DEMO_AS_OF.year else 12
    day = dt.date(year, rng.randint(1, last_month), rng.randint(1, 28))
    return min(day, DEMO_AS_OF).isoformat()


def _sentence(rng: random.Random, domain: Domain) -> str:
    terms = _terms(domain)
    a, b = rng.choice(terms), rng.choice(terms)
    abbr = domain_terms(domain, "abbr")
    extra = f" ({rng.choice(abbr)})" if abbr and rng.random() < 0.3 else ""
    return f"Demo study of {a}{extra} and {b} for {rng.choice(USE)}."


def _pick_country(rng: random.Random, jp_share: float) -> str:
    return (
        "JP"
        if rng.random() < jp_share
        else COUNTRIES[min(int(rng.paretovariate(1.2)) - 1, len(COUNTRIES) - 1)]
    )


def _year(rng: random.Random, weights: list[float], japan: bool) -> int:
    return rng.choices(YEARS, weights=[1.0] * len(YEARS) if japan else weights)[0]


# --- OpenAlex --------------------------------------------------------------------------------


def _work(rng: random.Random, domain: Domain, serial: int) -> dict[str, Any]:
    jp_share, weights = _weights(domain)
    lead = _pick_country(rng, jp_share)
    year = _year(rng, weights, lead == "JP")
    authorships = []
    for pos in range(rng.choice((1, 2, 2, 3))):
        country = lead if pos == 0 or rng.random() < 0.6 else _pick_country(rng, jp_share)
        org = rng.choice(JP_ORGS) if country == "JP" else f"Demo Institute of Technology {country}"
        inst = {"id": f"https://openalex.org/I9{hash_str(org) % 10**8:08d}", "display_name": org,
                "country_code": country, "type": "education"}  # fmt: skip
        authorships.append({"author_position": "first" if pos == 0 else "middle",
                            "author": {"display_name": f"Demo Author {serial}-{pos}"},
                            "institutions": [inst], "countries": [country]})  # fmt: skip
    term = rng.choice(_terms(domain))
    title = f"{MARK} {rng.choice(ADJ)} {term} for {rng.choice(USE)}"
    abstract = _sentence(rng, domain)
    inverted: dict[str, list[int]] = {}
    for i, word in enumerate(abstract.split()):
        inverted.setdefault(word, []).append(i)
    field = FIELDS.get(domain.slug, "Engineering")
    topic = {"id": f"https://openalex.org/T9{hash_str(domain.slug) % 1000:03d}", "display_name": f"{domain.label_en} (demo topic)",
             "subfield": {"display_name": domain.label_en}, "field": {"display_name": field}}  # fmt: skip
    work_id = f"W9{serial:09d}"
    return {
        "id": f"https://openalex.org/{work_id}", "doi": f"https://doi.org/10.5555/demo.{year}.{serial:06d}",
        "title": title, "publication_year": year,
        "publication_date": _date(rng, year), "language": "en", "type": "article",
        "authorships": authorships, "primary_topic": topic, "topics": [{"id": topic["id"], "display_name": topic["display_name"]}], "cited_by_count": int(rng.expovariate(0.1) * (DEMO_AS_OF.year + 1 - year) / 3),
        "fwci": round(rng.lognormvariate(0, 0.6), 3), "abstract_inverted_index": inverted,
    }  # fmt: skip


def hash_str(text: str) -> int:
    """A stable (process-independent) hash of a string."""
    value = 0
    for ch in text.encode():
        value = (value * 131 + ch) % (2**61 - 1)
    return value


def _cursor(slug: str, page: int) -> str:
    return base64.b64encode(f'["demo", "{slug}", {page}]'.encode()).decode()


def _openalex(rng: random.Random, taxonomy: Taxonomy, out: Path) -> Iterator[dict[str, Any]]:
    serial = 0
    for domain in taxonomy.domains:
        query = search_query(domain)
        if not query:
            continue
        n = round(PAPERS_PER_DOMAIN * VOLUME.get(domain.slug, 1.0))
        works = []
        for _ in range(n):
            serial += 1
            works.append(_work(rng, domain, serial))
        pages = [works[i : i + OPENALEX_PAGE] for i in range(0, len(works), OPENALEX_PAGE)] + [[]]
        for i, page in enumerate(pages):
            nxt = _cursor(domain.slug, i + 1) if page else None
            body = {"meta": {"count": n, "db_response_time_ms": 1, "page": None, "per_page": OPENALEX_PAGE,
                             "next_cursor": nxt, "groups_count": None}, "results": page, "group_by": []}  # fmt: skip
            name = f"openalex/works_{domain.slug}_{i}.json"
            _write(out / name, json.dumps(body, ensure_ascii=False, separators=(",", ":")))
            cursor = "*" if i == 0 else _cursor(domain.slug, i)
            yield _route(
                "/openalex/works",
                name,
                "application/json",
                match={"cursor": cursor},
                match_re={"search": _leading(query, " OR ")},
            )
    empty = {"meta": {"count": 0, "per_page": OPENALEX_PAGE, "next_cursor": None}, "results": []}
    _write(out / "openalex/works_empty.json", json.dumps(empty))
    yield _route("/openalex/works", "openalex/works_empty.json", "application/json")


# --- EPO OPS ---------------------------------------------------------------------------------


def _cpc_parts(prefix: str, rng: random.Random) -> tuple[str, str, str, str, str]:
    """Section, class, subclass, main group and subgroup of a symbol under a taxonomy prefix."""
    m = re.match(r"([A-H])(\d\d)([A-Z])?(\d+)?/?(\d+)?", prefix)
    if m is None:
        return "G", "06", "F", "1", "00"
    section, cls, subclass, group, sub = m.groups()
    subclass = subclass or rng.choice("BKN")
    group = group or str(rng.choice((1, 3, 5, 10, 21, 29)))
    return section, cls, subclass, group, sub or f"{rng.choice((0, 2, 10, 12, 20)):02d}"


def _patent(rng: random.Random, domain: Domain, serial: int) -> str:
    jp_share, weights = _weights(domain)
    country = _pick_country(rng, min(jp_share * 1.3, 0.5))
    year = _year(rng, weights, country == "JP")
    prio_date = dt.date.fromisoformat(_date(rng, year))
    prio, pub = prio_date.strftime("%Y%m%d"), _published(prio_date).strftime("%Y%m%d")
    office = {"JP": "JP", "US": "US", "CN": "CN", "KR": "KR"}.get(country, "EP")
    number = f"9{serial:07d}"
    scheme, prefix = rng.choice(code_prefixes(domain))
    sec, cls, sub, grp, sg = _cpc_parts(prefix, rng)
    firm = rng.choice(JP_FIRMS) if country == "JP" else f"DEMO TECHNOLOGIES {country} INC"
    inventors = "".join(
        f'<inventor sequence="{i + 1}" data-format="epodoc"><inventor-name><name>DEMO INVENTOR {serial}-{i} [{country if rng.random() < 0.8 else rng.choice(COUNTRIES)}]</name></inventor-name></inventor>'
        for i in range(rng.choice((1, 1, 2)))
    )  # fmt: skip
    title = f"{MARK} {rng.choice(ADJ)} {rng.choice(_terms(domain))} device and method"
    cpc = (f'<patent-classifications><patent-classification sequence="1"><classification-scheme office="EP" scheme="CPCI"/>'
           f"<section>{sec}</section><class>{cls}</class><subclass>{sub}</subclass><main-group>{grp}</main-group>"
           f"<subgroup>{sg}</subgroup></patent-classification></patent-classifications>") if scheme != "ipc" else ""  # fmt: skip
    return (
        f'<exchange-document system="ops.epo.org" family-id="9{serial:08d}" country="{office}" doc-number="{number}" kind="A1">'
        f"<bibliographic-data><publication-reference><document-id document-id-type=\"docdb\"><country>{office}</country>"
        f"<doc-number>{number}</doc-number><kind>A1</kind><date>{pub}</date></document-id></publication-reference>"
        f'<classifications-ipcr><classification-ipcr sequence="1"><text>{sec}{cls}{sub}  {grp}/{sg}  A I</text></classification-ipcr></classifications-ipcr>'
        f"{cpc}<application-reference><document-id document-id-type=\"epodoc\"><doc-number>{office}{prio[:4]}9{serial:06d}</doc-number><date>{prio}</date></document-id></application-reference>"
        f'<priority-claims><priority-claim sequence="1" kind="national"><document-id document-id-type="epodoc"><doc-number>{country}{prio[:4]}9{serial:06d}</doc-number><date>{prio}</date></document-id></priority-claim></priority-claims>'
        f'<parties><applicants><applicant sequence="1" data-format="epodoc"><applicant-name><name>{escape(firm)} [{country}]</name></applicant-name></applicant></applicants>'
        f"<inventors>{inventors}</inventors></parties>"
        f'<invention-title lang="en">{escape(title)}</invention-title></bibliographic-data>'
        f'<abstract lang="en"><p>{escape(_sentence(rng, domain))}</p></abstract></exchange-document>'
    )  # fmt: skip


def _published(priority: dt.date) -> dt.date:
    """Publication a year after priority; one that would fall after DEMO_AS_OF comes halfway there."""
    due = priority.replace(year=priority.year + 1)
    return due if due <= DEMO_AS_OF else priority + (DEMO_AS_OF - priority) // 2


def _ops_page(docs: list[str], total: int, begin: int, query: str) -> str:
    end = begin + len(docs) - 1 if docs else 0
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ops:world-patent-data xmlns="http://www.epo.org/exchange" '
            'xmlns:ops="http://ops.epo.org"><!-- DEMO DATA: synthetic, not EPO data -->'
            f'<ops:biblio-search total-result-count="{total}"><ops:query syntax-type="cql">{escape(query)}</ops:query>'
            f'<ops:range begin="{begin}" end="{end}"/><ops:search-result><exchange-documents>{"".join(docs)}'
            "</exchange-documents></ops:search-result></ops:biblio-search></ops:world-patent-data>\n")  # fmt: skip


def _epo(rng: random.Random, taxonomy: Taxonomy, out: Path) -> Iterator[dict[str, Any]]:
    serial = 0
    for domain in taxonomy.domains:
        prefixes = code_prefixes(domain)
        if not prefixes:
            continue
        classes = class_query(prefixes)
        n = round(PATENTS_PER_DOMAIN * VOLUME.get(domain.slug, 1.0))
        docs = []
        for _ in range(n):
            serial += 1
            docs.append(_patent(rng, domain, serial))
        for i in range(0, n, EPO_PAGE):
            name = f"epo/search_{domain.slug}_{i // EPO_PAGE}.xml"
            _write(out / name, _ops_page(docs[i : i + EPO_PAGE], n, i + 1, classes))
            yield _route(
                "/epo/3.2/rest-services/published-data/search/biblio",
                name,
                "application/xml",
                match={"Range": f"{i + 1}-{i + EPO_PAGE if i == 0 else min(i + EPO_PAGE, n)}"},
                match_re={
                    "q": _leading(classes.removesuffix(")"), " or ") + r"\) and pd within .*"
                },
            )
    _write(out / "epo/search_empty.xml", _ops_page([], 0, 1, ""))
    yield _route(
        "/epo/3.2/rest-services/published-data/search/biblio",
        "epo/search_empty.xml",
        "application/xml",
    )


# --- Federal Register and feeds --------------------------------------------------------------


def _policy_count(domain: Domain, base: int) -> int:
    return max(1, round(base * POLICY.get(domain.slug, 1.0)))


def _fr(rng: random.Random, taxonomy: Taxonomy, out: Path) -> Iterator[dict[str, Any]]:
    serial = 0
    for domain in taxonomy.domains:
        query = term_query(domain)
        if not query:
            continue
        docs = []
        for _ in range(_policy_count(domain, FR_PER_DOMAIN)):
            serial += 1
            year = _year(rng, _weights(domain)[1], False)
            number = f"{year}-9{serial:04d}"
            term = rng.choice(_terms(domain))
            docs.append({
                "title": f"{MARK} {rng.choice(('Request for Information on', 'Notice of Funding for', 'Strategy for'))} {term}",
                "type": rng.choice(("Notice", "Notice", "Rule", "Proposed Rule", "Presidential Document")),
                "abstract": f"Demo notice on {term} and {rng.choice(_terms(domain))} ({domain.label_en}). Synthetic, for illustration only.",
                "document_number": number, "html_url": f"{HOST}/fr/documents/{number}",
                "pdf_url": f"{HOST}/fr/documents/{number}.pdf", "publication_date": _date(rng, year),
                "agencies": [{"raw_name": "DEMO AGENCY", "name": "Demo Agency", "id": 9999, "slug": "demo-agency", "parent_id": None}],
                "topics": [domain.label_en], "excerpts": None,
            })  # fmt: skip
        pages = [docs[i : i + FR_PAGE] for i in range(0, len(docs), FR_PAGE)]
        for i, page in enumerate(pages):
            nxt = (f"{HOST}/fr/api/v1/documents.json?" + urlencode({"conditions[term]": query, "page": i + 2})
                   if i + 1 < len(pages) else None)  # fmt: skip
            body = {"count": len(docs), "description": f"{MARK} documents about {domain.label_en}",
                    "total_pages": len(pages), "next_page_url": nxt, "results": page}  # fmt: skip
            name = f"fr/documents_{domain.slug}_{i}.json"
            _write(out / name, json.dumps(body, ensure_ascii=False, separators=(",", ":")))
            yield _route(
                "/fr/api/v1/documents.json",
                name,
                "application/json",
                match={"page": None if i == 0 else str(i + 1)},
                match_re={"conditions[term]": _leading(query, " | ")},
            )
    _write(out / "fr/documents_empty.json", json.dumps({"count": 0, "results": []}))
    yield _route("/fr/api/v1/documents.json", "fr/documents_empty.json", "application/json")


FEEDS = (
    # (file, name, country, sharing, language, per-domain factor)
    ("meti_news.rdf", f"{MARK_JA}経済産業省 ニュースリリース（デモ）", "JP", "CLEAR", "ja", 1.0),
    (
        "ec_presscorner.xml",
        f"{MARK} European Commission — Press corner (demo)",
        "EU",
        "CLEAR",
        "en",
        1.0,
    ),
    (
        "partner_watch.xml",
        f"{MARK} Partner agency technology watch (demo, AMBER)",
        "GB",
        "AMBER",
        "en",
        0.4,
    ),
)


def _feed_items(
    rng: random.Random, taxonomy: Taxonomy, language: str, factor: float
) -> list[tuple[str, str, str]]:
    items = []
    for domain in taxonomy.domains:
        for _ in range(max(1, round(FEED_PER_DOMAIN * factor * POLICY.get(domain.slug, 1.0)))):
            year = _year(rng, _weights(domain)[1], language == "ja")
            if language == "ja":
                term = rng.choice(_ja_terms(domain))
                title = f"{MARK_JA}{term}に関する{rng.choice(('研究開発支援策', '戦略', '補助金公募', '有識者会議'))}を公表しました"
                text = f"デモデータです。{domain.label_ja}分野の{term}について、政府の取組を取りまとめました。"
            else:
                term = rng.choice(_terms(domain))
                title = f"{MARK} Commission announces {rng.choice(('funding', 'a strategy', 'a partnership'))} on {term}"
                text = f"Demo announcement about {term} in {domain.label_en}. Synthetic, for illustration only."
            items.append((_date(rng, year), title, text))
    for i in range(
        len(items) // 10
    ):  # announcements naming no technology: the term filter drops them
        year = rng.choice(YEARS)
        title = (
            f"{MARK_JA}大臣の動静（第{i + 1}報）"
            if language == "ja"
            else f"{MARK} Weekly schedule of the College, item {i + 1}"
        )
        items.append(
            (_date(rng, year), title, "デモデータです。" if language == "ja" else "Demo item.")
        )
    return sorted(items)


def _rss(name: str, items: list[tuple[str, str, str]], stem: str, language: str) -> str:
    rows = []
    for i, (day, title, text) in enumerate(items):
        y, m, d = (int(p) for p in day.split("-"))
        when = format_datetime(dt.datetime(y, m, d, 9, 0, tzinfo=dt.UTC))
        link = f"{HOST}/feeds/{stem}/item{i:04d}.html"
        rows.append(f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid>"
                    f"<description>{escape(text)}</description><pubDate>{when}</pubDate></item>")  # fmt: skip
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(name)}</title><link>{HOST}/feeds/</link><language>{language}</language>"
            f"<description>DEMO DATA: synthetic announcements for the built-in demo scan</description>"
            f"{''.join(rows)}</channel></rss>\n")  # fmt: skip


def _feeds(rng: random.Random, taxonomy: Taxonomy, out: Path) -> Iterator[dict[str, Any]]:
    for file, name, _, _, language, factor in FEEDS:
        items = _feed_items(rng, taxonomy, language, factor)
        _write(out / "feeds" / file, _rss(name, items, file.split(".")[0], language))
        yield _route(f"/feeds/{file}", f"feeds/{file}", "application/rss+xml; charset=utf-8")


# --- files -----------------------------------------------------------------------------------


def _leading(query: str, sep: str) -> str:
    """A pattern for queries starting with the same first alternative (terms may be added later)."""
    return re.escape(query.split(sep, 1)[0]) + f"(?:{re.escape(sep)}.*)?"


def _route(path: str, body: str, content_type: str, **match: Any) -> dict[str, Any]:
    route: dict[str, Any] = {"path": path}
    route.update({k: v for k, v in match.items() if v})
    route.update(status=200, headers={"Content-Type": content_type}, body=body)
    return route


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _sources_yaml() -> str:
    feeds = "".join(
        f'      - name: "{name}"\n        url: {HOST}/feeds/{file}\n        country: {country}\n'
        f"        sharing: {sharing}\n        language: {language}\n"
        for file, name, country, sharing, language, _ in FEEDS
    )
    common = "    sharing: CLEAR\n    max_records: 20000\n    rate_limit: 100\n    default_since: 2018-01-01\n"
    return (
        "# DEMO sources: the built-in demo corpus, served on loopback by crawlers.replay.\n"
        "# Base URLs are placeholders that `horizon scan --demo` replaces with the replay server.\n"
        'user_agent: "horizon-scan/0.1 (demo scan)"\ncontact: "mailto:horizon-scan@example.org"\nsources:\n'
        f"  papers_openalex:\n    base_url: {HOST}/openalex\n{common}    page_size: {OPENALEX_PAGE}\n"
        f"  patents_epo_ops:\n    base_url: {HOST}/epo/3.2\n{common}    page_size: {EPO_PAGE}\n"
        f"  policy_federal_register:\n    base_url: {HOST}/fr/api/v1\n{common}    page_size: {FR_PAGE}\n"
        f"  policy_feed:\n    base_url: {HOST}/feeds\n{common}    feeds:\n{feeds}"
    )


README = """# DEMO DATA — synthetic, not real

Everything in this folder is **invented demo data** for `horizon scan --demo`. It imitates the
response formats of OpenAlex (works pages, cursor paging), EPO OPS (biblio search XML, Range
paging), the Federal Register API (documents.json, next_page_url) and RSS feeds (a Japanese
ministry-style feed, a European Commission-style feed and an AMBER-labelled partner feed), so the
demo crawls the same spiders as a live scan, served on loopback by `crawlers.replay`.

No title, author, institution, patent, notice or announcement here is real: every title carries
`[DEMO]` / `【デモ】`, identifiers use reserved ranges (DOI prefix 10.5555, OpenAlex `W9…`, patent
numbers `9…`) and hosts are `demo.invalid`. Its structure is deliberate so scoring has something to
find: Japan strong in some domains and weak in others, foreign output growing fast in some and flat
in others, uneven policy attention. No date is after {as_of}, the day the demo is scanned
(`as_of` in manifest.json).

Generated by `python -m crawlers.demo` (`crawlers.demo.generate_demo_corpus`, seed {seed}) from
taxonomy version {version}. Do not edit by hand: regenerate, and commit the result.
"""


def generate_demo_corpus(out_dir: Path, taxonomy: Taxonomy, seed: int = 20260930) -> dict[str, Any]:
    """Write the demo corpus (bodies, manifest.json, sources.yaml, README.md); return its counts."""
    out_dir = Path(out_dir)
    for sub in ("openalex", "epo", "fr", "feeds"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    routes: list[dict[str, Any]] = []
    counts: dict[str, Any] = {}
    for source, make, salt in (("papers_openalex", _openalex, 1), ("patents_epo_ops", _epo, 2),
                               ("policy_federal_register", _fr, 3), ("policy_feed", _feeds, 4)):  # fmt: skip
        made = list(make(random.Random(seed * 10 + salt), taxonomy, out_dir))
        files = sorted({r["body"] for r in made})
        counts[source] = {
            "files": len(files),
            "bytes": sum((out_dir / f).stat().st_size for f in files),
        }
        routes.extend(made)
    manifest = {"demo": True, "as_of": DEMO_AS_OF.isoformat(), "routes": routes}
    _write(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    _write(out_dir / "sources.yaml", _sources_yaml())
    _write(
        out_dir / "README.md", README.format(seed=seed, version=taxonomy.version, as_of=DEMO_AS_OF)
    )
    counts["total_bytes"] = sum(c["bytes"] for c in counts.values() if isinstance(c, dict))
    counts["total_mb"] = math.floor(counts["total_bytes"] / 1e4) / 100
    return counts


def demo_base_urls(server_url: str, demo_dir: Path) -> dict[str, str]:
    """Each demo source's base URL on a replay server serving `demo_dir`."""
    from horizon.config import load_sources

    sources = load_sources(Path(demo_dir) / "sources.yaml")
    return {
        name: server_url.rstrip("/") + urlsplit(cfg.base_url).path
        for name, cfg in sources.sources.items()
    }


if __name__ == "__main__":
    import sys

    from horizon.config.taxonomy import load_taxonomy

    repo = Path(__file__).resolve().parents[1]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else repo / "data" / "demo"
    print(
        json.dumps(
            generate_demo_corpus(target, load_taxonomy(repo / "data" / "config" / "taxonomy.yaml")),
            indent=1,
        )
    )
