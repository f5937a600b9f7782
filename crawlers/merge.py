"""One record per work: records that share any identifier are merged (union-find over `ids`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from horizon.schemas import Codes, Record

#: Identifier schemes in the order a merged record takes its record_id from.
ID_PREFERENCE: tuple[str, ...] = ("doi", "arxiv", "openalex")
#: Sources in the order their countries, title and provenance are preferred.
SOURCE_PREFERENCE: tuple[str, ...] = (
    "papers_openalex",
    "papers_crossref",
    "papers_arxiv",
    "papers_arxiv_oai",
)


def _keys(record: Record) -> set[str]:
    return {record.record_id, *record.ids}


def group_records(records: Sequence[Record]) -> list[list[Record]]:
    """Groups of records linked by a shared identifier (transitively), in input order."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, record in enumerate(records):
        for key in _keys(record):
            if key in owner:
                a, b = find(owner[key]), find(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[key] = index
    groups: dict[int, list[Record]] = {}
    for index, record in enumerate(records):
        groups.setdefault(find(index), []).append(record)
    return list(groups.values())


def _sources(record: Record) -> list[str]:
    return [s for s in (part.strip() for part in record.source.split(",")) if s]


def _source_rank(name: str, preference: Sequence[str]) -> int:
    return preference.index(name) if name in preference else len(preference)


def _record_rank(record: Record, preference: Sequence[str]) -> int:
    return min((_source_rank(s, preference) for s in _sources(record)), default=len(preference))


def _id_rank(identifier: str, preference: Sequence[str]) -> int:
    scheme = identifier.split(":", 1)[0]
    return preference.index(scheme) if scheme in preference else len(preference)


def _union(lists: Iterable[Iterable[str]]) -> list[str]:
    return list(dict.fromkeys(item for values in lists for item in values))


def _dedupe(values: list[str]) -> list[str]:
    """`values` without repeats, the same list object when there is none (most records)."""
    return values if len(set(values)) == len(values) else list(dict.fromkeys(values))


def _merge_one(record: Record, source_preference: Sequence[str]) -> Record:
    """What `merge_group` makes of a work seen once, copying the record only where it changes.

    The same fields as the general path, normalised the same way: sources split, deduplicated and
    ranked; ids led by the record id; organizations and codes without repeats; an empty url None.
    """
    sources = sorted(set(_sources(record)), key=lambda s: (_source_rank(s, source_preference), s))
    update: dict[str, Any] = {}
    source = ",".join(sources)
    if source != record.source:
        update["source"] = source
    ids = list(dict.fromkeys([record.record_id, *record.ids]))
    if ids != record.ids:
        update["ids"] = ids
    organizations = _dedupe(record.organizations)
    if organizations is not record.organizations:
        update["organizations"] = organizations
    codes = {name: getattr(record.codes, name) for name in Codes.model_fields}
    deduped = {name: _dedupe(values) for name, values in codes.items()}
    if any(deduped[name] is not codes[name] for name in codes):
        update["codes"] = Codes(**deduped)
    if record.url is not None and not record.url:
        update["url"] = None
    return record.model_copy(update=update) if update else record


def merge_group(
    group: Sequence[Record],
    preference: Sequence[str] = ID_PREFERENCE,
    source_preference: Sequence[str] = SOURCE_PREFERENCE,
) -> Record:
    """Merge records of one work; the result does not depend on the order of `group`."""
    if len(group) == 1:
        return _merge_one(group[0], source_preference)
    return _merge_many(group, preference, source_preference)


def _merge_many(
    group: Sequence[Record], preference: Sequence[str], source_preference: Sequence[str]
) -> Record:
    """The general merge, for any number of records (the reference `_merge_one` agrees with)."""
    # A total order on the inputs: best id scheme, best source, then content as the tie-break
    # (a single record needs no order, and serialising it for the tie-break is the costly part).
    ranked = (
        list(group)
        if len(group) == 1
        else sorted(
            group,
            key=lambda r: (
                _id_rank(r.record_id, preference),
                _record_rank(r, source_preference),
                r.record_id,
                r.model_dump_json(),
            ),
        )
    )
    best = ranked[0]
    by_source = sorted(ranked, key=lambda r: _record_rank(r, source_preference))
    with_countries = next((r for r in by_source if r.countries), None)
    dates = [r.published_date for r in ranked if r.published_date is not None]
    cited = [r.cited_by_count for r in ranked if r.cited_by_count is not None]
    extra: dict[str, Any] = {}
    for record in reversed(ranked):
        extra.update(record.extra)
    sources = sorted(
        {s for r in ranked for s in _sources(r)},
        key=lambda s: (_source_rank(s, source_preference), s),
    )
    language = next((r.language for r in ranked if r.language != "und"), best.language)
    return best.model_copy(
        update={
            "source": ",".join(sources),
            "ids": _union([[r.record_id, *r.ids] for r in ranked]),
            "text": max((r.text for r in ranked), key=len),
            "language": language,
            "published_date": min(dates) if dates else None,
            "countries": list(with_countries.countries) if with_countries else [],
            "organizations": _union(r.organizations for r in ranked),
            "codes": Codes(
                **{
                    name: _union(getattr(r.codes, name) for r in ranked)
                    for name in Codes.model_fields
                }
            ),
            "cited_by_count": max(cited) if cited else None,
            "url": next((r.url for r in ranked if r.url), None),
            "sharing": max((r.sharing for r in ranked), key=lambda s: s.level),
            "extra": extra,
        }
    )


def merge_records(
    records: Iterable[Record],
    preference: Sequence[str] = ID_PREFERENCE,
    source_preference: Sequence[str] = SOURCE_PREFERENCE,
) -> list[Record]:
    """One record per work seen in several sources (or snapshots), sorted by record_id."""
    merged = [
        merge_group(group, preference, source_preference) for group in group_records(list(records))
    ]
    return sorted(merged, key=lambda r: r.record_id)
