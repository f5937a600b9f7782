"""How each source's recorded responses become replay routes (see crawlers.recorded).

A source's builder adds to its `SourceRecordings` the routes that answer its spider's requests
with recorded bodies, the recordings it does not offer (with why) and what it had to make up.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlers.spiders.patents_uspto_ppubs import SEARCH_PATH, SESSION_PATH
from horizon.config.sources import SourcesConfig

JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
#: Host of the feed URLs of a recorded scan (rebased onto the replay server by the spider).
RECORDED_HOST = "https://recorded.invalid"
#: The empty answer of each source: what its API says when a query has nothing more.
END_PAGES = {
    "papers_openalex": '{"meta": {"next_cursor": null}, "results": []}',
    "papers_arxiv": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"><title>arXiv Query</title>'
        "<opensearch:totalResults>0</opensearch:totalResults></feed>"
    ),
    "papers_arxiv_oai": (
        '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        '<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
        '<error code="noRecordsMatch">nothing more was recorded</error></OAI-PMH>'
    ),
    "papers_crossref": '{"status": "ok", "message-type": "work-list", "message": {"items": []}}',
    "papers_jstage": (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<result><status>ERR_001</status><message>nothing more was recorded</message></result>"
        "<servicecd>3</servicecd></feed>"
    ),
    "papers_cinii": (
        '{"@type": "channel", "opensearch:totalResults": 0, "opensearch:startIndex": 1, "items": []}'
    ),
    "patents_epo_ops": (
        '<?xml version="1.0" encoding="UTF-8"?><ops:world-patent-data xmlns:ops="http://ops.epo.org">'
        '<ops:biblio-search total-result-count="0"><ops:search-result/></ops:biblio-search>'
        "</ops:world-patent-data>"
    ),
    "patents_uspto_ppubs": '{"numFound": 0, "totalResults": 0, "patents": []}',
    "policy_federal_register": '{"count": 0, "results": []}',
    "policy_govuk": '{"results": [], "total": 0, "start": 0}',
}


@dataclass
class SourceRecordings:
    """What one source's spider is served, and the recordings it is not offered (with why)."""

    source: str
    root: Path
    routes: list[dict[str, Any]] = field(default_factory=list)
    unused: dict[str, str] = field(default_factory=dict)
    synthetic: list[str] = field(default_factory=list)
    #: policy_feed: one feed entry per recorded snapshot, for its sources.yaml
    feeds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recordings(self) -> list[str]:
        """Every recording a route serves, relative to the data folder."""
        return [self.rel(r) for route in self.routes for r in route.get("recordings", ())]

    def rel(self, path: Path | str) -> str:
        """A recording's path relative to the data folder."""
        return Path(path).relative_to(self.root).as_posix()


@dataclass(frozen=True)
class Page:
    """A recorded page of a paged endpoint: the pointer it was asked with and the one it gives."""

    recording: Path
    pointer: str | None
    next: str | None
    body: Path | None = None
    text: str | None = None
    status: int = 200


def route(path: str, body: Path | str, headers: dict[str, str], *, recordings: Iterable[Path | str] = (),
          first: bool = False, times: int | None = 1, **keys: Any) -> dict[str, Any]:  # fmt: skip
    """A replay route serving a file (a Path) or literal text, naming the recordings behind it."""
    out: dict[str, Any] = {"path": path, **{k: v for k, v in keys.items() if v is not None}}
    out.update(headers=headers, times=times, first=first, recordings=[str(r) for r in recordings])
    out["body" if isinstance(body, Path) else "text"] = str(body)
    return out


def end_route(source: str, path: str, headers: dict[str, str], **keys: Any) -> dict[str, Any]:
    """The catch-all answer after every recording: the source's empty page, as often as asked."""
    return route(path, END_PAGES[source], headers, times=None, **keys)


def chain_routes(path: str, pages: list[Page], param: str, first: dict[str, Any], headers: dict[str, str],
                 key: Callable[[int], dict[str, Any]] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Routes for recorded pages: served at their pointer when another page hands it out, else as
    first pages (`first` matched, plus `key(i)` for the i-th first page when given)."""
    handed = {p.next for p in pages if p.next}
    routes, n = [], 0
    for page in pages:
        body = page.body if page.body is not None else (page.text or "")
        if page.pointer is not None and page.pointer in handed:
            match = {param: page.pointer}
            is_first = False
        else:
            match, is_first, n = {**first, **(key(n) if key else {})}, True, n + 1
        routes.append(route(path, body, headers, recordings=[page.recording], first=is_first,
                            match=match, status=page.status))  # fmt: skip
    return routes


def read_json(path: Path) -> Any:
    """A recording's JSON, or None where it is not JSON (served as it is, the parser says why)."""
    try:
        return json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None


def _field(data: Any, *keys: str) -> Any:
    """`data[k1][k2]…` where each level is a dict, else None."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


# --- papers --------------------------------------------------------------------------------------


def openalex_pages(folder: Path) -> list[Page]:
    """OpenAlex `/works` list pages; a `page2_empty` file is asked with its page 1's cursor."""
    pages = []
    for path in sorted(folder.glob("works_*.json")):
        pointer = None
        page1 = path.with_name(path.name.replace("page2_empty", "page1"))
        if "page2_empty" in path.name and page1.exists():
            pointer = _field(read_json(page1), "meta", "next_cursor")
        pages.append(Page(path, pointer, _field(read_json(path), "meta", "next_cursor"), body=path))
    return pages


def _openalex(root: Path, rec: SourceRecordings) -> None:
    folder = root / "fixtures/openalex"
    pages = openalex_pages(folder / "api_list_pages")
    rec.routes += chain_routes("/works", pages, "cursor", {"cursor": "*"}, JSON)
    for path in sorted((folder / "single_entities").glob("*.json")):
        rec.unused[rec.rel(path)] = (
            "a single entity (/works/{id}, /authors/{id} …); the spider asks /works lists"
        )
    rec.routes.append(end_route(rec.source, "/works", JSON))


_ENTRY = re.compile(rb"<entry[\s>]")
_START = re.compile(rb"<opensearch:startIndex[^>]*>\s*(\d+)\s*<")


def arxiv_page(recording: Path, body: str, status: int = 200) -> Page:
    """An arXiv API Atom page: asked with its startIndex, giving start + its number of entries."""
    raw = body.encode("utf-8")
    found = _START.search(raw)
    start = int(found.group(1)) if found else 0
    entries = len(_ENTRY.findall(raw))
    return Page(recording, str(start) if start else None, str(start + entries) if entries else None,
                text=body, status=status)  # fmt: skip


def _arxiv(root: Path, rec: SourceRecordings) -> None:
    folder = root / "fixtures/arxiv_api"
    pages = []
    for path in sorted(folder.glob("json_recorded/*.json")):  # {url, status_code, body}
        data = read_json(path)
        url, body = _field(data, "url"), _field(data, "body")
        if not isinstance(url, str) or not isinstance(body, str):
            pages.append(Page(path, None, None, body=path))  # unreadable: the parser says why
        elif parse_qs(urlsplit(url).query).get("id_list", [""])[0]:
            rec.unused[rec.rel(path)] = "an id_list look-up; the spider asks search_query"
        else:
            pages.append(arxiv_page(path, body, int(data.get("status_code") or 200)))
    for path in sorted(folder.glob("raw_atom_2016/*.xml")):
        if path.name.startswith("id_list="):
            rec.unused[rec.rel(path)] = "an id_list look-up; the spider asks search_query"
            continue
        pages.append(arxiv_page(path, path.read_text(encoding="utf-8")))
    rec.routes += chain_routes("/api/query", pages, "start", {"start": "0"}, ATOM)
    rec.routes.append(end_route(rec.source, "/api/query", ATOM))


_OAI_REQUEST = re.compile(rb"<request([^>]*)>")
_OAI_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def _arxiv_oai(root: Path, rec: SourceRecordings) -> None:
    pages = []
    for path in sorted((root / "fixtures/arxiv_oai_pmh").glob("*.xml")):
        head = path.read_bytes()
        request = _OAI_REQUEST.search(head[:4096])
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', request.group(1))) if request else {}
        verb = attrs.get(b"verb", b"").decode()
        if verb != "ListRecords":
            rec.unused[rec.rel(path)] = f"verb {verb or '?'}; the spider harvests with ListRecords"
            continue
        token = attrs.get(b"resumptionToken")
        nxt = _OAI_TOKEN.search(head)
        pages.append(Page(path, token.decode() if token else None,
                          nxt.group(1).decode().strip() if nxt else None, body=path))  # fmt: skip
    first = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    rec.routes += chain_routes("/", pages, "resumptionToken", first, XML)
    rec.routes.append(end_route(rec.source, "/", XML))


def _crossref(root: Path, rec: SourceRecordings) -> None:
    folder = root / "fixtures/crossref/decoded"
    pages = []
    for meta_path in sorted(folder.glob("*.meta.json")):
        body, uri, status = _described(rec, meta_path)
        if body is None:
            continue
        if uri.path != "/works" or status != 200:
            why = f"recorded from {uri.path} (HTTP {status}); the spider asks /works lists"
            rec.unused[rec.rel(body)] = why
            continue
        cursor = parse_qs(uri.query).get("cursor", [None])[0]
        pages.append(Page(body, None if cursor in (None, "*") else cursor,
                          _field(read_json(body), "message", "next-cursor"), body=body))  # fmt: skip
    rec.routes += chain_routes("/works", pages, "cursor", {"cursor": "*"}, JSON)
    for path in sorted((root / "fixtures/crossref/cassettes_raw").rglob("*.yaml")):
        rec.unused[rec.rel(path)] = "vcrpy cassette; its bodies are served from decoded/"
    rec.routes.append(end_route(rec.source, "/works", JSON))


def _described(rec: SourceRecordings, meta_path: Path) -> tuple[Path | None, Any, int]:
    """The body a `.meta.json` describes, its request URI and status; an unreadable description
    is named with the reason (its body is then not offered)."""
    meta = read_json(meta_path)
    body_file, uri = _field(meta, "body_file"), _field(meta, "uri")
    if not isinstance(body_file, str) or not isinstance(uri, str):
        rec.unused[rec.rel(meta_path)] = "unreadable description (no body_file or uri)"
        return None, None, 0
    return meta_path.parent / body_file, urlsplit(uri), int(_field(meta, "status") or 200)


JSTAGE_FOLDER = "fixtures/jp_research_metadata/jstage_webapi"
CINII_FOLDER = "fixtures/jp_research_metadata/cinii_opensearch"


def _jstage(root: Path, rec: SourceRecordings) -> None:
    """Article searches (service=3) answer the spider's first queries; the manual's samples are
    not responses."""
    pages = []
    for path in sorted((root / JSTAGE_FOLDER).glob("*.xml")):
        if "manual_sample" in path.name:
            rec.unused[rec.rel(path)] = (
                "not a recorded response: a sample printed in the J-STAGE WebAPI manual "
                "(placeholder host)"
            )
        elif "service3" not in path.name:
            rec.unused[rec.rel(path)] = "not an article search (service=3); the spider asks those"
        else:
            pages.append(arxiv_page(path, path.read_text(encoding="utf-8")))
    first = {"service": "3", "start": "1"}
    rec.routes += chain_routes("/searchapi/do", pages, "start", first, ATOM)
    rec.routes.append(end_route(rec.source, "/searchapi/do", ATOM))


def _cinii(root: Path, rec: SourceRecordings) -> None:
    """The legacy CiNii Articles and Dissertations answers (2018; no CiNii Research answer was
    recorded) answer the spider's first articles and dissertations searches; books are not asked."""
    folder = root / CINII_FOLDER
    for kind in ("articles", "dissertations"):
        path = folder / f"cinii_{kind}_opensearch.json"
        if path.exists():
            rec.routes.append(route(f"/opensearch/{kind}", path, JSON, recordings=[path],
                                    first=True, match={"start": "1"}))  # fmt: skip
            rec.synthetic.append(f"legacy CiNii {kind} answer served at CiNii Research's path")
        rec.routes.append(end_route(rec.source, f"/opensearch/{kind}", JSON))
    for path in sorted(folder.glob("*.json")):
        if rec.rel(path) not in rec.recordings:
            rec.unused[rec.rel(path)] = (
                "CiNii Books answer: books are not papers; the spider asks articles and "
                "dissertations"
                if "books" in path.name
                else "not an articles or dissertations search answer"
            )


# --- patents -------------------------------------------------------------------------------------

EPO_SEARCH = "/rest-services/published-data/search/biblio"


def _epo(root: Path, rec: SourceRecordings) -> None:
    """Bibliographic answers (retrievals, full cycles) answer the spider's biblio searches: they hold
    the same exchange documents. Search hits without them, families and legal events do not."""
    folder = root / "fixtures/patents/epo_ops"
    answers = []
    for meta_path in sorted((folder / "decoded_cassettes").glob("*.meta.json")):
        body, uri, _ = _described(rec, meta_path)
        if body is not None and uri.path.endswith("/biblio"):
            answers.append(body)
        elif body is not None:
            rec.unused[rec.rel(body)] = f"recorded from {uri.path}: no bibliographic documents"
    for path in sorted((folder / "xml").glob("*.xml")):
        if path.name.startswith("published__") and (
            "biblio" in path.name or "full_cycle" in path.name
        ):
            answers.append(path)
        else:
            rec.unused[rec.rel(path)] = (
                "not a bibliographic answer (family, legal, claims, search hits)"
            )
    for body in answers:
        rec.routes.append(route(EPO_SEARCH, body, XML, recordings=[body], first=True,
                                match_re={"Range": r"1-\d+"}))  # fmt: skip
    rec.routes.append(end_route(rec.source, EPO_SEARCH, XML))


def ppubs_session() -> dict[str, Any]:
    """The session answer ppubs gives before a search (synthetic: its token was not recorded)."""
    headers = {**JSON, "X-Access-Token": "recorded-session"}
    return route(SESSION_PATH, '{"userCase": {"caseId": 7}}', headers, method="POST", times=None)


def _ppubs(root: Path, rec: SourceRecordings) -> None:
    folder = root / "fixtures/patents/uspto_ppubs"
    rec.routes.append(ppubs_session())
    rec.synthetic.append("ppubs session answer")
    for path in sorted(folder.glob("ppubs_search_*.json")):
        if not path.name.endswith(".meta.json"):
            rec.routes.append(route(SEARCH_PATH, path, JSON, recordings=[path], first=True,
                                    method="POST", match_body={"start": 0}))  # fmt: skip
    for path in sorted(folder.glob("ppubs_documents_*.json")):
        rec.unused[rec.rel(path)] = (
            "full documents (the documents endpoint); the spider reads searches"
        )
    rec.routes.append(end_route(rec.source, SEARCH_PATH, JSON, method="POST"))


#: Member suffixes a weekly bulk file's reader opens (others are not documents).
BULK_SUFFIXES = (".xml", ".txt", ".sgm", ".sgml", ".dat")


def bulk_zip(members: dict[str, bytes]) -> bytes:
    """A bulk file as USPTO publishes it: a zip archive of document members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def uspto_bulk_listing(files: list[tuple[str, str, str]]) -> str:
    """An ODP product answer for PTGRXML listing weekly files (name, date, download URL)
    (synthetic: no listing was recorded; the field names are those pyUSPTO's FileData reads)."""
    bag = [{"fileName": name, "fileSize": None, "fileDataFromDate": day, "fileDataToDate": day,
            "fileTypeText": "Data", "fileDownloadURI": url} for name, day, url in files]  # fmt: skip
    product = {"productIdentifier": "PTGRXML", "productFrequencyText": "WEEKLY",
               "productFileBag": {"count": len(bag), "fileDataBag": bag}}  # fmt: skip
    return json.dumps({"count": 1, "bulkDataProductBag": [product]})


def _bulk(root: Path, rec: SourceRecordings, work_dir: Path) -> None:
    """Every recorded document, unchanged, as one member each of a weekly file, the one file the
    (synthetic) product listing names; served in ranged parts as a file host does."""
    members = {}
    for path in sorted((root / "fixtures/patents/uspto_bulk_xml").glob("*")):
        if path.suffix.lower() in BULK_SUFFIXES:
            members[path] = path.read_bytes()
        else:
            rec.unused[rec.rel(path)] = (
                f"{path.suffix} file; weekly files carry XML or text members"
            )
    if not members:
        return
    archive = work_dir / "uspto_bulk_week.zip"
    archive.write_bytes(bulk_zip({p.name: data for p, data in members.items()}))
    rec.synthetic.append("weekly zip around the recorded documents")
    rec.synthetic.append("ODP product listing naming the weekly zip")
    listing = uspto_bulk_listing(
        [("ipg260106.zip", "2026-01-06", "https://api.uspto.gov/files/ipg260106.zip")]
    )
    rec.routes.append(route("/api/v1/datasets/products/PTGRXML", listing, JSON, times=None))
    rec.routes.append(route("/files/ipg260106.zip", archive, {"Content-Type": "application/zip"},
                            recordings=list(members), times=None, ranges=True))  # fmt: skip


# --- policy --------------------------------------------------------------------------------------


def _federal_register(root: Path, rec: SourceRecordings) -> None:
    for path in sorted((root / "fixtures/policy/us_federal_register").glob("*.json")):
        rec.routes.append(route("/documents.json", path, JSON, recordings=[path], first=True,
                                match={"page": None}))  # fmt: skip
    rec.routes.append(end_route(rec.source, "/documents.json", JSON))


def govuk_routes(items: Iterable[Path]) -> tuple[list[dict[str, Any]], dict[Path, str]]:
    """Content-item routes, one per page, and the search answer listing them (synthetic: no search
    was recorded; its hits are the items' own paths, titles and dates); items not served, with why."""
    paths: dict[str, tuple[Path, dict[str, Any]]] = {}
    unused = {}
    for item in items:
        data = read_json(item)
        base = _field(data, "base_path")
        if not isinstance(base, str):
            unused[item] = "not JSON or no base_path: not a page a search can list"
        elif base in paths:
            unused[item] = f"same page as {paths[base][0].name}"
        else:
            paths[base] = (item, data)
    hits = [{"link": p, "title": d.get("title") or p, "description": "search summary",
             "public_timestamp": d.get("public_updated_at")} for p, (_, d) in paths.items()]  # fmt: skip
    search = json.dumps({"results": hits, "total": len(hits), "start": 0})
    routes = [route("/api/search.json", search, JSON, first=True)]
    routes += [route(f"/api/content{p}", f, JSON, recordings=[f]) for p, (f, _) in paths.items()]
    return routes, unused


def _govuk(root: Path, rec: SourceRecordings) -> None:
    items = sorted((root / "fixtures/policy/uk_govuk_content_api").glob("*.json"))
    if not items:
        return
    routes, unused = govuk_routes(items)
    rec.routes += routes
    rec.unused.update({rec.rel(p): why for p, why in unused.items()})
    rec.synthetic.append("GOV.UK search answer listing the recorded content items")
    rec.routes.append(end_route(rec.source, "/api/search.json", JSON))


#: Recorded feed snapshots: folder, file pattern, the live feed's host (its country, language,
#: encoding and label are used), and the settings of a feed the live config does not list.
FEED_FOLDERS = (
    ("policy/us_whitehouse_briefings_rss_scraped", "*.xml", "www.whitehouse.gov",
     {"name": "The White House — Briefings & Statements", "country": "US", "language": "en"}),
    ("policy/jp_gov_online_info_rss/rss_snapshots", "*.xml", "www.gov-online.go.jp",
     {"name": "政府広報オンライン 各府省の新着情報", "country": "JP", "language": "ja"}),
    ("policy/jp_soumu_news_rdf", "*.rdf", "www.soumu.go.jp",
     {"name": "総務省 新着情報", "country": "JP", "language": "ja", "encoding": "cp932"}),
)  # fmt: skip


def _feeds(root: Path, rec: SourceRecordings, live: SourcesConfig) -> None:
    """One feed per recorded snapshot; articles are not fetched (no article page was recorded)."""
    cfg = live.sources.get("policy_feed")
    known = {urlsplit(f.url).netloc: f for f in (cfg.feeds if cfg else ())}
    for folder, pattern, host, fallback in FEED_FOLDERS:
        feed = known.get(host)
        base = feed.model_dump(mode="json", exclude={"url"}) if feed else dict(fallback)
        for path in sorted((root / "fixtures" / folder).glob(pattern)):
            url_path = f"/{folder}/{path.name}"
            name = f"{base['name']} ({path.stem.split('.')[0]})"
            rec.feeds.append(
                {**base, "name": name, "url": RECORDED_HOST + url_path, "fetch_articles": False}
            )
            rec.routes.append(route(url_path, path, {"Content-Type": "application/xml"},
                                    recordings=[path], first=True))  # fmt: skip
    for path in sorted((root / "fixtures/policy/jp_gov_online_info_rss").glob("*")):
        if path.is_file():
            rec.unused[rec.rel(path)] = "derived item list, not a feed response"
    for path in sorted(
        (root / "fixtures/policy/jp_gov_online_info_rss/html_page_fixture").glob("*")
    ):
        rec.unused[rec.rel(path)] = "the HTML list page; the spider reads feeds"


BUILDERS: dict[str, Callable[..., None]] = {
    "papers_openalex": _openalex, "papers_arxiv": _arxiv, "papers_arxiv_oai": _arxiv_oai,
    "papers_crossref": _crossref, "papers_jstage": _jstage, "papers_cinii": _cinii,
    "patents_epo_ops": _epo, "patents_uspto_bulk": _bulk,
    "patents_uspto_ppubs": _ppubs, "policy_federal_register": _federal_register,
    "policy_govuk": _govuk, "policy_feed": _feeds,
}  # fmt: skip
