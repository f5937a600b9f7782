"""OpenAlex `/works` cursor pages (or a single work) → paper records with fractional countries."""

from __future__ import annotations

from typing import Any

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import load_json, to_date
from crawlers.parsers.papers_arxiv import fold, normalize_arxiv_id, paper_ids
from horizon.schemas import fractional_weights

_OPENALEX = "https://openalex.org/"


def rebuild_abstract(inverted: dict[str, list[int]] | None) -> str:
    """The abstract text from OpenAlex's `abstract_inverted_index` (word → positions)."""
    if not isinstance(inverted, dict):
        return ""
    placed: dict[int, str] = {}
    for word, positions in inverted.items():
        for position in positions if isinstance(positions, list) else []:
            if isinstance(position, int):
                placed[position] = word
    return fold(" ".join(placed[i] for i in sorted(placed)))


def author_countries(work: dict[str, Any]) -> list[list[str]]:
    """Per authorship: its institutions' country codes, else the authorship's `countries`."""
    out = []
    for authorship in _dicts(work.get("authorships")):
        codes = [i.get("country_code") for i in _dicts(authorship.get("institutions"))]
        codes = [c for c in codes if isinstance(c, str) and c]
        if not codes:
            codes = [c for c in authorship.get("countries") or [] if isinstance(c, str) and c]
        out.append(codes)
    return out


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _short(openalex_id: str | None) -> str | None:
    if not isinstance(openalex_id, str) or not openalex_id:
        return None
    return openalex_id.removeprefix(_OPENALEX).rsplit("/", 1)[-1] or None


def _topics(work: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(topic, subfield and field names; topic ids), primary topic first."""
    names: list[str] = []
    topic_ids: list[str] = []
    topics = _dicts([work.get("primary_topic")]) + _dicts(work.get("topics"))
    for topic in topics:
        for part in (topic, topic.get("subfield"), topic.get("field")):
            if isinstance(part, dict) and isinstance(part.get("display_name"), str):
                names.append(part["display_name"])
        if short := _short(topic.get("id")):
            topic_ids.append(short)
    return list(dict.fromkeys(names)), list(dict.fromkeys(topic_ids))


def _arxiv_ids(work: dict[str, Any]) -> list[str]:
    """arXiv ids of the work's arXiv locations (landing pages on arxiv.org)."""
    found = []
    for location in _dicts(work.get("locations")) + _dicts([work.get("primary_location")]):
        url = location.get("landing_page_url") or ""
        if isinstance(url, str) and "arxiv.org/abs/" in url and (a := normalize_arxiv_id(url)):
            found.append(a)
    return found


def work_fields(work: dict[str, Any]) -> dict[str, Any]:
    """Record fields of one OpenAlex work."""
    work_id = _short(work.get("id"))
    if not work_id or not work_id.startswith("W"):
        raise ValueError(f"work id {str(work.get('id'))[:80]!r} is not an OpenAlex work id")
    ids_block = work.get("ids") if isinstance(work.get("ids"), dict) else {}
    others = [f"openalex:{work_id}"]
    if pmid := _short(ids_block.get("pmid")):
        others.append(f"pmid:{pmid}")
    record_id, ids = paper_ids([work.get("doi"), ids_block.get("doi")], _arxiv_ids(work), others)
    institutions = [
        i.get("display_name")
        for a in _dicts(work.get("authorships"))
        for i in _dicts(a.get("institutions"))
        if isinstance(i.get("display_name"), str)
    ]
    topics, topic_ids = _topics(work)
    primary = work.get("primary_location") if isinstance(work.get("primary_location"), dict) else {}
    source = primary.get("source") if isinstance(primary.get("source"), dict) else {}
    extra = {
        "fwci": work.get("fwci"),
        "type": work.get("type"),
        "container_title": source.get("display_name"),
        "topic_ids": topic_ids,
    }
    language = work.get("language")
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": fold(work.get("title") or work.get("display_name")),
        "text": rebuild_abstract(work.get("abstract_inverted_index")),
        "language": language if isinstance(language, str) and language else "und",
        "published_date": to_date(work.get("publication_date")),
        "countries": fractional_weights(author_countries(work)),
        "organizations": list(dict.fromkeys(fold(i) for i in institutions if fold(i))),
        "codes": {"topics": topics},
        "cited_by_count": work.get("cited_by_count"),
        "url": (f"https://doi.org/{ids[0][4:]}" if ids and ids[0].startswith("doi:") else None)
        or primary.get("landing_page_url")
        or f"{_OPENALEX}{work_id}",
        "extra": {k: v for k, v in extra.items() if v not in (None, [], "")},
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one OpenAlex works page (or a single work); the next page is `meta.next_cursor`."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    if "error" in data and "results" not in data:
        raise ParseError(
            f"OpenAlex error: {fold(str(data.get('error')))}: {fold(str(data.get('message', '')))}"
        )
    if "results" in data:
        results = data["results"]
        if not isinstance(results, list):
            raise ParseError("OpenAlex `results` is not a list")
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    elif str(data.get("id", "")).startswith(f"{_OPENALEX}W"):
        results, meta = [data], {}
    else:
        raise ParseError("not an OpenAlex works response (no `results`, not a work)")
    result = ParseResult(total=meta.get("count") if isinstance(meta.get("count"), int) else None)
    result.add_documents(
        results, ctx, work_fields, "result is a {type}, not a work object",
        errors=(ValueError, TypeError), item_key="id",
    )  # fmt: skip
    cursor = meta.get("next_cursor")
    result.next_page = cursor if results and isinstance(cursor, str) and cursor else None
    return result


parse_openalex_page = parse
