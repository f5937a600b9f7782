"""USPTO full-text bulk files (grant/application XML 4.x, 2001 pre-grant and ST.32 XML) → records.

A weekly bulk file is many XML documents concatenated, usually inside a zip: `iter_documents`
streams one document at a time and never holds the whole file.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import clean_text, load_xml, to_date
from crawlers.parsers.patent_common import (
    country_code,
    earliest,
    map_named_entities,
    normalise_symbol,
    party_weights,
    patent_id,
    strip_internal_subset,
    symbol_from_parts,
    unique,
)

#: One patent document larger than this is cut off (and then refused as truncated).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: Zip members: refuse absurd uncompressed sizes and compression ratios (zip bombs).
MAX_MEMBER_BYTES = 8 * 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
_LINE_CHUNK = 1024 * 1024
_DOCUMENT_SUFFIXES = (".xml", ".txt", ".sgm", ".sgml", ".dat")
_ZIP_MAGIC = b"PK\x03\x04"
_DECLARATION = re.compile(rb"<\?xml[\s?]")
_ROOT_TAG = re.compile(rb"<(?![!?])([A-Za-z_][\w.:-]*)[\s/>]")


# --- the Open Data Portal's product listing ------------------------------------------------------

#: The name of a weekly grant full-text file (`ipg260106.zip`).
WEEKLY_GRANT_FILE = re.compile(r"ipg\d{6}\.zip")


def parse_product_files(body: bytes) -> list[dict[str, Any]]:
    """The weekly grant files a product answer lists (`bulkDataProductBag[].productFileBag.
    fileDataBag[]`), oldest first: `name`, `date` (fileDataFromDate), `url` (fileDownloadURI),
    `size` (fileSize, or None). Field names as pyUSPTO's `FileData` reads them."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ParseError(f"product listing is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("bulkDataProductBag"), list):
        raise ParseError("product listing without bulkDataProductBag")
    files = []
    for product in data["bulkDataProductBag"]:
        bag = (product or {}).get("productFileBag") or {}
        for entry in bag.get("fileDataBag") or []:
            name, url = entry.get("fileName"), entry.get("fileDownloadURI")
            if not (isinstance(name, str) and WEEKLY_GRANT_FILE.fullmatch(name) and url):
                continue
            size = entry.get("fileSize")
            files.append({"name": name, "date": str(entry.get("fileDataFromDate") or ""),
                          "url": str(url), "size": size if isinstance(size, int) else None})  # fmt: skip
    return sorted({f["name"]: f for f in files}.values(), key=lambda f: (f["date"], f["name"]))


# --- streaming -----------------------------------------------------------------------------------


def _split_concatenated(stream: BinaryIO) -> Iterator[bytes]:
    """Yield the documents of a stream of concatenated XML documents, each from its `<?xml`.

    A declaration starts a new document at a line start or mid-line (a document cut short and
    the next one spliced on); content after a document's root element is yielded on its own, so
    a broken neighbour never takes a good document down with it.
    """
    parts: list[bytes] = []
    size = 0
    at_line_start = True
    while True:
        chunk = stream.readline(_LINE_CHUNK)
        if not chunk:
            break
        for piece, starts_document in _pieces(chunk, at_line_start):
            if starts_document and any(p.strip() for p in parts):
                yield from _without_trailing(b"".join(parts))
                parts, size = [], 0
            if size + len(piece) <= MAX_DOCUMENT_BYTES:
                parts.append(piece)
            size += len(piece)
        at_line_start = chunk.endswith(b"\n")
    if any(p.strip() for p in parts):
        yield from _without_trailing(b"".join(parts))


def _pieces(chunk: bytes, at_line_start: bool) -> Iterator[tuple[bytes, bool]]:
    """The chunk cut before each XML declaration, each piece flagged when it starts one."""
    cuts = [m.start() for m in _DECLARATION.finditer(chunk)]
    if cuts and cuts[0] > 0 and at_line_start and not chunk[: cuts[0]].strip():
        cuts[0] = 0  # indentation before a declaration at a line start
    bounds = [0, *[c for c in cuts if c > 0], len(chunk)]
    for begin, end in itertools.pairwise(bounds):
        if end > begin:
            yield chunk[begin:end], begin in cuts


def _without_trailing(doc: bytes) -> Iterator[bytes]:
    """The document up to the end of its root element, then any non-blank remainder on its own."""
    root = _ROOT_TAG.search(doc, 0, 1_048_576)
    if root is None:
        yield doc
        return
    close = doc.rfind(b"</" + root[1])
    end = doc.find(b">", close) + 1 if close != -1 else 0
    if not end or not doc[end:].strip():
        yield doc
        return
    yield doc[:end] + b"\n"
    yield doc[end:]


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
        raise ParseError(f"zip member with an unsafe path refused: {name[:120]!r}")
    if info.file_size > MAX_MEMBER_BYTES:
        raise ParseError(f"zip member {name[:120]!r} declares {info.file_size} bytes (refused)")
    if info.file_size > 1_000_000 and info.file_size > MAX_COMPRESSION_RATIO * max(
        info.compress_size, 1
    ):
        raise ParseError(f"zip member {name[:120]!r} has an absurd compression ratio (refused)")


def _iter_zip(stream: BinaryIO, refused: Callable[[str], None]) -> Iterator[bytes]:
    """Documents of every acceptable member; a refused or unreadable member is reported, skipped."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ParseError(f"bad zip archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(_DOCUMENT_SUFFIXES):
                continue
            try:
                _check_member(info)
            except ParseError as exc:
                refused(str(exc))
                continue
            try:
                with archive.open(info) as member:
                    yield from _split_concatenated(member)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
                refused(f"cannot read zip member {info.filename[:120]!r}: {exc}")


def iter_documents(
    stream: BinaryIO, refused: Callable[[str], None] | None = None
) -> Iterator[bytes]:
    """Yield each XML document of a bulk file (plain or zipped) without loading the whole file.

    A refused zip member (unsafe path, bomb, corrupt data) never stops the others: it is passed
    to `refused(reason)`, or, without a callback, raised as one ParseError after the last document.
    """
    reasons: list[str] = []
    if stream.seekable():
        start = stream.tell()
        magic = stream.read(4)
        stream.seek(start)
    else:
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
        magic = stream.peek(4)[:4]
    if magic == _ZIP_MAGIC:
        if not stream.seekable():
            raise ParseError("a zip archive needs a seekable stream")
        yield from _iter_zip(stream, refused or reasons.append)
    else:
        yield from _split_concatenated(stream)
    if reasons:
        raise ParseError("; ".join(reasons))


# --- one document --------------------------------------------------------------------------------


def _text(node: etree._Element | None) -> str:
    return clean_text("".join(node.itertext())) if node is not None else ""


def _first(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.xpath(path)
    return _text(found[0]) if found else ""


def _addressed_country(
    address: etree._Element | None, country_path: str, state_path: str
) -> str | None:
    """The party's country; a US state with no country means US."""
    if address is None:
        return None
    return country_code(_first(address, country_path)) or (
        "US" if _first(address, state_path) else None
    )


def _v4_fields(root: etree._Element) -> dict[str, Any]:
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        bib = root.find("us-bibliographic-data-application")
    if bib is None:
        raise ParseError("no us-bibliographic-data element")
    pub = bib.find("publication-reference/document-id")
    app = bib.find("application-reference/document-id")
    cpc = [
        symbol_from_parts(
            *(_first(c, t) for t in ("section", "class", "subclass", "main-group", "subgroup"))
        )
        for c in bib.xpath("classifications-cpc/*/classification-cpc")
    ]
    ipc = [
        symbol_from_parts(
            *(_first(c, t) for t in ("section", "class", "subclass", "main-group", "subgroup"))
        )
        for c in bib.xpath("classifications-ipcr/classification-ipcr")
    ]
    ipc += [
        normalise_symbol(_text(c))
        for c in bib.xpath(
            "classification-ipc/*[self::main-classification or self::further-classification]"
        )
    ]
    inventors = bib.xpath("us-parties/inventors/inventor | parties/inventors/inventor")
    if not inventors:
        inventors = bib.xpath(
            ".//applicant[@app-type='applicant-inventor'] | .//us-applicant[@app-type='applicant-inventor']"
        )
    assignees = bib.xpath("assignees/assignee")
    where = ("addressbook/address/country", "addressbook/address/state")
    return {
        "country": _first(pub, "country") or "US",
        "number": _first(pub, "doc-number"),
        "kind": _first(pub, "kind"),
        "publication_date": to_date(_first(pub, "date")),
        "application_number": _first(app, "doc-number"),
        "filing_date": to_date(_first(app, "date")),
        "priority_dates": [
            to_date(_first(p, "date")) for p in bib.xpath("priority-claims/priority-claim")
        ],
        "title": _first(bib, "invention-title"),
        "abstract": _first(root, "abstract"),
        "cpc": cpc,
        "ipc": ipc,
        "inventor_countries": [_addressed_country(p, *where) for p in inventors],
        "assignee_countries": [_addressed_country(a, *where) for a in assignees],
        "assignees": [_first(a, "addressbook/orgname") or _first(a, "orgname") for a in assignees],
    }


def _pap_fields(root: etree._Element) -> dict[str, Any]:
    bib = root.find("subdoc-bibliographic-information")
    if bib is None:
        raise ParseError("no subdoc-bibliographic-information element")
    inventors = bib.xpath("inventors/first-named-inventor | inventors/inventor")
    assignees = bib.xpath("assignee")
    return {
        "country": "US",
        "number": _first(bib, "document-id/doc-number"),
        "kind": _first(bib, "document-id/kind-code"),
        "publication_date": to_date(_first(bib, "document-id/document-date")),
        "application_number": _first(bib, "domestic-filing-data/application-number/doc-number"),
        "filing_date": to_date(_first(bib, "domestic-filing-data/filing-date")),
        "priority_dates": [
            to_date(_text(d)) for d in bib.xpath("foreign-priority-data/filing-date")
        ],
        "title": _first(bib, "technical-information/title-of-invention"),
        "abstract": _first(root, "subdoc-abstract"),
        "cpc": [],
        "ipc": [
            normalise_symbol(_text(i))
            for i in bib.xpath("technical-information/classification-ipc//ipc")
        ],
        "inventor_countries": [
            country_code(_first(p, "residence/residence-non-us/country-code"))
            or ("US" if p.find("residence/residence-us") is not None else None)
            for p in inventors
        ],
        "assignee_countries": [
            country_code(_first(a, ".//country-code")) or ("US" if _first(a, ".//state") else None)
            for a in assignees
        ],
        "assignees": [_first(a, "organization-name") for a in assignees],
    }


def _st32_fields(root: etree._Element) -> dict[str, Any]:
    bib = root.find("SDOBI")
    if bib is None:
        raise ParseError("no SDOBI element")
    inventors = bib.xpath("B700/B720/B721/PARTY-US")
    assignees = bib.xpath("B700/B730/B731/PARTY-US")
    where = ("ADR/CTRY", "ADR/STATE")
    return {
        "country": _first(bib, "B100/B190") or "US",
        "number": _first(bib, "B100/B110/DNUM"),
        "kind": _first(bib, "B100/B130"),
        "publication_date": to_date(_first(bib, "B100/B140/DATE")),
        "application_number": _first(bib, "B200/B210/DNUM"),
        "filing_date": to_date(_first(bib, "B200/B220/DATE")),
        "priority_dates": [to_date(_text(d)) for d in bib.xpath("B300/B320/DATE")],
        "title": _first(bib, "B500/B540"),
        "abstract": _first(root, "SDOAB"),
        "cpc": [],
        # ST.32 symbols are fixed-width (`B32B  302`): keep their spacing.
        "ipc": [
            normalise_symbol("".join(i.itertext()))
            for i in bib.xpath("B500/B510/B511 | B500/B510/B512")
        ],
        "inventor_countries": [_addressed_country(p, *where) for p in inventors],
        "assignee_countries": [_addressed_country(a, *where) for a in assignees],
        "assignees": [_first(a, "NAM/ONM") for a in assignees],
    }


_FORMATS = {
    "us-patent-grant": ("grant-xml-4", _v4_fields),
    "us-patent-application": ("application-xml-4", _v4_fields),
    "patent-application-publication": ("pre-grant-xml-2001", _pap_fields),
    "PATDOC": ("st32-grant-xml", _st32_fields),
}


def document_fields(doc: bytes) -> dict[str, Any]:
    """Record fields of one bulk document; raises ParseError with the reason when it cannot be read."""
    head = doc.lstrip()[:64]
    if head.startswith(b"PATN"):
        raise ParseError("APS green-book text format is not parsed")
    if not head.startswith(b"<"):
        raise ParseError("not an XML patent document (plain text)")
    body, unknown = map_named_entities(strip_internal_subset(doc))
    root = load_xml(body)
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag not in _FORMATS:
        raise ParseError(f"unsupported bulk document <{etree.QName(root).localname}>")
    fmt, extract = _FORMATS[tag]
    raw = extract(root)
    if not raw["number"]:
        raise ParseError(f"{fmt} document without a publication number")
    record_id = patent_id(raw["country"], raw["number"], raw["kind"])
    priority_date = earliest(raw["priority_dates"])
    pn = record_id.removeprefix("patent:")
    return {
        "record_id": record_id,
        "kind": "patent",
        "title": raw["title"],
        "text": raw["abstract"],
        "language": "en",
        "published_date": earliest([priority_date, raw["filing_date"]]) or raw["publication_date"],
        "countries": party_weights(raw["inventor_countries"], raw["assignee_countries"]),
        "organizations": unique(raw["assignees"]),
        "codes": {"cpc": unique(raw["cpc"]), "ipc": unique(raw["ipc"])},
        "url": f"https://patents.google.com/patent/{pn}",
        "ids": unique(
            [record_id, raw["application_number"] and f"application:US{raw['application_number']}"]
        ),
        "extra": {
            "format": fmt,
            "publication_date": raw["publication_date"] and raw["publication_date"].isoformat(),
            "filing_date": raw["filing_date"] and raw["filing_date"].isoformat(),
            "priority_date": priority_date and priority_date.isoformat(),
            "inventor_countries": unique(raw["inventor_countries"]),
            "assignee_countries": unique(raw["assignee_countries"]),
            "unknown_entities": unknown,
        },
    }


def _add_document(doc: bytes, ctx: ParseContext, result: ParseResult) -> str | None:
    """Add one document's record (or reject); return the reason when the document is unreadable."""
    try:
        fields = document_fields(doc)
    except ParseError as exc:
        result.reject(ctx, str(exc), item=clean_text(doc[:120].decode("utf-8", "replace")))
        return str(exc)
    if not fields["title"]:
        result.reject(ctx, "no invention title", item=fields["record_id"])
        return None
    result.add(fields, ctx)
    return None


def parse_stream(stream: BinaryIO, ctx: ParseContext) -> ParseResult:
    """Parse every document of a bulk file stream; unreadable documents become rejects."""
    result = ParseResult()
    refusals: list[str] = []
    count = 0
    failure = None
    for doc in iter_documents(stream, refusals.append):
        count += 1
        failure = _add_document(doc, ctx, result)
    if count == 0:
        raise ParseError(refusals[0] if refusals else "no patent documents in the body")
    if count == 1 and failure and not refusals:
        raise ParseError(failure)
    for reason in refusals:
        result.reject(ctx, reason)
    return result


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one bulk body: a single XML document, concatenated documents, or a zip of them."""
    return parse_stream(io.BytesIO(body), ctx)


parse_uspto_bulk = parse
