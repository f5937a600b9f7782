"""One record per work: records that share any identifier are merged (union-find over `ids`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horizon.record_batch import ROW_SCHEMA, lists_ok, record_rows, rows_table
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


#: Rows made at once by `record_rows` (bounds the memory of one slice's JSON and hash payloads).
ROWS_AT_ONCE = 50_000


def _merged_alone_as_is(table: pa.Table) -> np.ndarray:
    """Per row: what `_merge_one` makes of it is the row itself, an empty url aside (one source
    name, no organization or code repeated)."""
    ok = pc.fill_null(pc.match_substring_regex(table["source"], "^[A-Za-z0-9_.-]+$"), False)
    ok = ok.to_numpy(zero_copy_only=False).astype(bool)
    ok &= lists_ok(table["organizations"], unique=True)
    for name in Codes.model_fields:
        ok &= lists_ok(pc.struct_field(table["codes"], name), unique=True)
    return ok


def _sharing_an_id(table: pa.Table, rows: np.ndarray, others: Sequence[Record]) -> np.ndarray:
    """Per row of `table`: it shares an identifier with another of `rows` or of `others`."""
    index = pa.array(np.flatnonzero(rows))
    ids = pc.take(table["ids"], index)
    other_keys = [(n, key) for n, r in enumerate(others, start=len(table)) for key in _keys(r)]
    row = np.concatenate(
        [
            index.to_numpy(),
            index.to_numpy()[pc.list_parent_indices(ids).to_numpy()],
            np.array([n for n, _ in other_keys], dtype=np.int64),
        ]
    )
    key = pa.chunked_array(
        [
            *pc.take(table["record_id"], index).chunks,
            *pc.list_flatten(ids).chunks,
            pa.array([k for _, k in other_keys], pa.string()),
        ],
        type=pa.string(),
    )
    pairs = pa.table({"row": row, "key": key})
    per_key = pairs.group_by("key").aggregate([("row", "count_distinct")])
    shared = per_key.filter(pc.greater(per_key["row_count_distinct"], 1))["key"]
    hit = pc.unique(pairs.filter(pc.is_in(pairs["key"], value_set=shared))["row"]).to_numpy()
    out = np.zeros(len(table), dtype=bool)
    out[hit[hit < len(table)]] = True
    return out


def merge_table(
    table: pa.Table,
    certain: np.ndarray,
    others: Sequence[Record],
    originals: Callable[[np.ndarray], list[Record]],
    *,
    demo: bool = False,
) -> pa.Table:
    """Rows of the `records` table for `merge_records` of the `certain` rows of `table` and
    `others`, sorted by record_id; works seen once are merged and made rows as a set.

    `certain` marks rows `Record` accepts as they are (`horizon.record_batch.certain_rows`);
    `originals(index)` gives the `Record`s of those rows from their original input, for the works
    seen in several rows, which go through `merge_records` itself.
    """
    alone = certain & _merged_alone_as_is(table) & ~_sharing_an_id(table, certain, others)
    rest = merge_records([*originals(np.flatnonzero(certain & ~alone)), *others])
    lone = table.filter(pa.array(alone))
    url = lone["url"]
    lone = lone.set_column(
        lone.schema.get_field_index("url"), "url",
        pc.if_else(pc.equal(url, ""), pa.scalar(None, pa.string()), url),
    )  # fmt: skip
    # in slices: a whole scan's texts in one string column could pass Arrow's 2 GB per column
    made = [record_rows(lone.slice(i, ROWS_AT_ONCE), demo=demo)
            for i in range(0, lone.num_rows, ROWS_AT_ONCE)]  # fmt: skip
    rows = pa.concat_tables([*made, rows_table([r.to_row(demo=demo) for r in rest])])
    if not rows.num_rows:
        return ROW_SCHEMA.empty_table()
    order = pc.sort_indices(rows["record_id"])
    return pa.concat_tables(
        [rows.take(order.slice(i, ROWS_AT_ONCE)) for i in range(0, len(order), ROWS_AT_ONCE)]
    )
