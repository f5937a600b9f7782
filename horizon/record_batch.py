"""Records validated and turned into rows as a set (Arrow), with `Record` as the reference.

`certain_rows` marks the rows of a table that `Record` is certain to accept with exactly the
values the table holds (the title aside, which it normalises the same way); the caller sends
every other row through `Record` itself, which accepts or refuses it with its own reason. The
checks are stricter than the schema wherever matching it exactly would cost a per-record pass
(a lowercase country code, a weight sum within 1e-6 but not 5e-7 of 1, a missing optional
field): such rows are not refused here, only left to the reference. `record_rows` computes
`Record.to_row` for such rows column by column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from horizon import json_columns as jc
from horizon.schemas import RECORD_ID_RE, Codes, Kind, Record, Sharing

COUNTRY_TYPE = pa.struct([("country", pa.string()), ("weight", pa.float64())])
CODES_TYPE = pa.struct([(name, pa.list_(pa.string())) for name in Codes.model_fields])
_TEXT_FIELDS = [
    (name, pa.string()) for name in ("record_id", "kind", "source", "title", "text", "language")
]
#: The record as JSON Lines holds it (dates as ISO text); `extra` is left to inference.
RECORD_JSON_SCHEMA = pa.schema(
    [
        *_TEXT_FIELDS,
        ("published_date", pa.string()),
        ("countries", pa.list_(COUNTRY_TYPE)),
        ("organizations", pa.list_(pa.string())),
        ("codes", CODES_TYPE),
        ("cited_by_count", pa.int64()),
        ("url", pa.string()),
        ("sharing", pa.string()),
        ("raw_sha256", pa.string()),
        ("fetched_at", pa.string()),
        ("ids", pa.list_(pa.string())),
    ]
)
FIELDS = frozenset(Record.model_fields)

#: Characters Python's `\S` may match that RE2's `[^\s]` would treat differently are left out:
#: every control character and every character `str.isspace` calls whitespace.
_SPACE_LIKE = "".join(
    f"\\x{{{c:x}}}" for c in range(0x3001) if chr(c).isspace() or c < 0x21 or 0x7F <= c <= 0xA0
)
#: The id schemes, read from the schema's own pattern (one list of them).
_ID_PREFIXES = RECORD_ID_RE.pattern.split("(", 1)[1].split(")", 1)[0]
_RECORD_ID_RE2 = f"^({_ID_PREFIXES}):[^{_SPACE_LIKE}]+$"
_DATE_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: ISO datetimes whose value pydantic reads as UTC or naive: no other offset, no leap second.
_DATETIME_RE2 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]{1,6})?(Z|\+00:00)?$"
)
#: Weight sums this close to 1 are within the schema's 1e-6 whatever order they are summed in
#: (half the schema's tolerance, far above float rounding; not read off any figure).
_SUM_SLACK = 5e-7


_flag = jc.flag


def lists_ok(lists: pa.ChunkedArray | pa.Array, *, unique: bool = False) -> np.ndarray:
    """Per row: the list is present, holds no null, and (if `unique`) no repeat."""
    ok = _flag(pc.is_valid(lists))
    flat = pc.list_flatten(lists)
    if len(flat) == 0:
        return ok
    parents = pc.list_parent_indices(lists).to_numpy()
    ok[parents[~_flag(pc.is_valid(flat))]] = False
    if unique:
        ok[_repeated(parents, flat)] = False
    return ok


def _countries_ok(countries: pa.ChunkedArray) -> np.ndarray:
    """Per row: countries present, upper-case alpha-2, weights in [0, 1] summing to 1, no repeat."""
    ok = _flag(pc.is_valid(countries))
    flat = pc.list_flatten(countries)
    if len(flat) == 0:
        return ok
    parents = pc.list_parent_indices(countries).to_numpy()
    code, weight = pc.struct_field(flat, "country"), pc.struct_field(flat, "weight")
    item_ok = _flag(
        pc.and_(
            pc.and_(pc.is_valid(flat), pc.match_substring_regex(code, "^[A-Z]{2}$")),
            pc.and_(pc.greater_equal(weight, 0.0), pc.less_equal(weight, 1.0)),
        )
    )
    ok[parents[~item_ok]] = False
    sums = np.bincount(parents, weights=np.nan_to_num(weight.to_numpy(zero_copy_only=False)),
                       minlength=len(ok))  # fmt: skip
    has = np.bincount(parents, minlength=len(ok)) > 0
    ok &= ~has | (np.abs(sums - 1.0) <= _SUM_SLACK)
    ok[_repeated(parents, code)] = False
    return ok


def _repeated(parents: np.ndarray, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Rows (by parent index) in which a value occurs twice."""
    counts = (
        pa.table({"row": parents, "value": values})
        .group_by(["row", "value"])
        .aggregate([("row", "count")])
    )
    return counts["row"].to_numpy()[counts["row_count"].to_numpy() > 1]


def _in(values: pa.ChunkedArray, allowed: list[str]) -> np.ndarray:
    return _flag(pc.is_in(values, value_set=pa.array(allowed)))


def _required_str(table: pa.Table, name: str) -> np.ndarray:
    return _flag(pc.is_valid(table[name]))


def certain_rows(table: pa.Table) -> np.ndarray:
    """Per row: True when `Record` accepts it with these values (the title normalised).

    `table` has the columns of `RECORD_JSON_SCHEMA` (dates as ISO text, or as Arrow dates and
    naive UTC timestamps), optionally `extra`; any other column makes every row uncertain.
    """
    n = table.num_rows
    if not _typed_as_expected(table.schema):
        return np.zeros(n, dtype=bool)
    ok = np.ones(n, dtype=bool)
    for name in ("source", "text", "language", "title"):
        ok &= _required_str(table, name)
    ok &= _flag(pc.match_substring_regex(table["record_id"], _RECORD_ID_RE2))
    ok &= _in(table["kind"], [k.value for k in Kind])
    ok &= _in(table["sharing"], [s.value for s in Sharing])
    ok &= _flag(pc.match_substring_regex(table["raw_sha256"], "^[0-9a-f]{64}$"))
    ok &= _flag(pc.or_kleene(pc.is_null(table["cited_by_count"]),
                       pc.greater_equal(table["cited_by_count"], 0)))  # fmt: skip
    ok &= _dates_ok(table)
    ok &= _countries_ok(table["countries"])
    ok &= lists_ok(table["organizations"])
    ok &= lists_ok(table["ids"])
    ok &= _flag(pc.is_valid(table["codes"]))
    for name in Codes.model_fields:
        ok &= lists_ok(pc.struct_field(table["codes"], name))
    if "extra" in table.column_names:
        extra = table["extra"]
        ok &= _flag(pc.is_valid(extra)) if pa.types.is_struct(extra.type) else False
    titles = table["title"].to_pylist()
    ok &= np.array([bool(t) and not t.isspace() for t in map(_or_empty, titles)], dtype=bool)
    return ok


def _typed_as_expected(schema: pa.Schema) -> bool:
    """The columns are the record's fields with the types of `RECORD_JSON_SCHEMA` (dates may be
    Arrow dates and timestamps instead of text); nested structs with no field of their own."""
    if set(schema.names) - FIELDS or set(RECORD_JSON_SCHEMA.names) - set(schema.names):
        return False
    for expected in RECORD_JSON_SCHEMA:
        got = schema.field(expected.name).type
        if got == expected.type:
            continue
        if expected.name == "published_date" and got == pa.date32():
            continue
        if expected.name == "fetched_at" and pa.types.is_timestamp(got):
            continue
        return False
    return True


def _or_empty(value: str | None) -> str:
    return value or ""


def _dates_ok(table: pa.Table) -> np.ndarray:
    """Per row: published_date absent or a real ISO date; fetched_at a UTC or naive datetime."""
    ok = np.ones(table.num_rows, dtype=bool)
    published, fetched = table["published_date"], table["fetched_at"]
    if pa.types.is_string(published.type):
        parsed = pc.strptime(published, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2024-02-30 over to March: a date is real when it prints back the same
        same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), published)
        good = pc.and_(pc.match_substring_regex(published, _DATE_RE2), same)
        ok &= _flag(pc.or_kleene(pc.is_null(published), good))
        ok &= _flag(pc.or_kleene(pc.is_null(published),
                           pc.greater_equal(pc.year(parsed), 1)))  # fmt: skip
    if pa.types.is_string(fetched.type):
        stamps = _timestamps(fetched)
        ok &= _flag(pc.match_substring_regex(fetched, _DATETIME_RE2))
        ok &= _flag(pc.greater_equal(pc.year(stamps), 1))
    else:
        ok &= _flag(pc.is_valid(fetched))
    return ok


def _timestamps(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO datetime text (UTC or naive) as naive microsecond timestamps; unreadable as null."""
    bare = pc.replace_substring_regex(values, r"(Z|\+00:00)$", "")
    head = pc.utf8_slice_codeunits(bare, 0, 19)
    whole = pc.strptime(head, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
    # strptime rolls an impossible day or hour over: real when it prints back the same
    same = pc.equal(pc.strftime(whole, format="%Y-%m-%dT%H:%M:%S"), head)
    whole = pc.cast(pc.if_else(same, whole, pa.scalar(None, whole.type)), pa.timestamp("us"))
    digits = pc.utf8_rpad(pc.utf8_slice_codeunits(bare, 20, 26), width=6, padding="0")
    fraction = pc.cast(pc.if_else(pc.match_substring_regex(digits, "^[0-9]{6}$"), digits, "0"),
                       pa.int64())  # fmt: skip
    return pc.add(whole, pc.cast(fraction, pa.duration("us")))


def typed_dates(table: pa.Table) -> tuple[list[dt.date | None], pa.Array]:
    """published_date as Python dates and fetched_at as naive UTC timestamps (certain rows)."""
    published, fetched = table["published_date"], table["fetched_at"]
    if pa.types.is_string(published.type):
        published = pc.cast(pc.strptime(published, format="%Y-%m-%d", unit="s"), pa.date32())
    if pa.types.is_string(fetched.type):
        fetched = _timestamps(fetched)
    elif fetched.type.tz is not None:
        fetched = pc.cast(fetched, pa.timestamp(fetched.type.unit))
    return published.to_pylist(), fetched


#: The `records` table's columns as `Record.to_row` gives them (scan_id aside).
ROW_SCHEMA = pa.schema(
    [
        *_TEXT_FIELDS,
        ("published_date", pa.date32()),
        ("countries", pa.string()),
        ("organizations", pa.string()),
        ("codes", pa.string()),
        ("cited_by_count", pa.int64()),
        ("url", pa.string()),
        ("sharing", pa.string()),
        ("raw_sha256", pa.string()),
        ("fetched_at", pa.timestamp("us")),
        ("ids", pa.string()),
        ("content_sha256", pa.string()),
        ("demo", pa.bool_()),
    ]
)


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """`Record.to_row` dicts as a table of `ROW_SCHEMA`."""
    return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)


def record_rows(table: pa.Table, *, demo: bool = False) -> pa.Table:
    """`Record.to_row` of every row of a table of certain rows, computed column by column.

    The JSON text and the content hash's payload are written by string kernels exactly as
    `json.dumps` writes them (`horizon.json_columns`); the rare rows those cannot write (an
    unnamed control character, a non-ASCII id) are written by `json.dumps` itself.
    """
    table = table.combine_chunks()
    titles = pa.array([" ".join(t.split()) for t in table["title"].to_pylist()], pa.string())
    published, fetched = typed_dates(table)
    published = pa.array(published, pa.date32())
    codes = {name: pc.struct_field(table["codes"], name) for name in Codes.model_fields}
    countries, hard = jc.countries(table["countries"])
    organizations, hard_orgs = jc.string_lists(table["organizations"], ensure_ascii=False)
    codes_text, hard_codes = jc.struct_of_lists(codes, ensure_ascii=False)
    ids_text, hard_ids = _ids_json(table)
    sorted_codes, _ = jc.struct_of_lists(dict(sorted(codes.items())), ensure_ascii=False)
    title_text, hard_title = jc.quoted(titles, ensure_ascii=False)
    text_text, hard_text = jc.quoted(table["text"].combine_chunks(), ensure_ascii=False)
    lang_text, hard_lang = jc.quoted(table["language"].combine_chunks(), ensure_ascii=False)
    years = pc.fill_null(pc.year(published), 2000).to_numpy(zero_copy_only=False)
    date_text = pc.fill_null(pc.cast(published, pa.string()), "None")
    payload = pc.binary_join_element_wise(
        "[", title_text, ", ", text_text, ", ", lang_text, ', "', date_text, '", ', sorted_codes,
        ", ", countries, ', "', table["kind"].combine_chunks(), '"]', "",
    )  # fmt: skip
    content = _sha256_hex(payload)
    hard |= hard_orgs | hard_codes | hard_ids | hard_title | hard_text | hard_lang | (years < 1000)
    columns = {
        "record_id": table["record_id"],
        "kind": table["kind"],
        "source": table["source"],
        "title": titles,
        "text": table["text"],
        "language": table["language"],
        "published_date": published,
        "countries": countries,
        "organizations": organizations,
        "codes": codes_text,
        "cited_by_count": table["cited_by_count"],
        "url": table["url"],
        "sharing": table["sharing"],
        "raw_sha256": table["raw_sha256"],
        "fetched_at": fetched,
        "ids": ids_text,
        "content_sha256": content,
        "demo": pa.array(np.full(table.num_rows, demo)),
    }
    rows = pa.table([_one(columns[f.name], f.type) for f in ROW_SCHEMA], schema=ROW_SCHEMA)
    if hard.any():
        rows = _rewrite(rows, table, np.flatnonzero(hard))
    return rows


def _one(values: pa.Array | pa.ChunkedArray, type_: pa.DataType) -> pa.Array:
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values.cast(type_)


def _ids_json(table: pa.Table) -> tuple[pa.Array, np.ndarray]:
    """`json.dumps(sorted({record_id, *ids}))`: by kernels for rows without ids (most), with
    `json.dumps` flagged for the rest."""
    quoted, hard = jc.quoted(table["record_id"].combine_chunks(), ensure_ascii=True)
    hard |= _flag(pc.greater(pc.list_value_length(table["ids"]), 0))
    return pc.binary_join_element_wise("[", quoted, "]", ""), hard


def _sha256_hex(texts: pa.Array) -> pa.Array:
    """sha256 hex digest of each string's UTF-8 bytes (read straight from the Arrow buffers)."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)
    offsets = offsets[texts.offset : texts.offset + len(texts) + 1]
    data = memoryview(texts.buffers()[2])
    sha = hashlib.sha256
    return pa.array(
        [
            sha(data[a:b]).hexdigest()
            for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        ],
        pa.string(),
    )


def _rewrite(rows: pa.Table, table: pa.Table, index: np.ndarray) -> pa.Table:
    """Replace the given rows by `Record.to_row`'s own serialisation of them."""
    done = [_to_row(item) for item in table.take(pa.array(index)).to_pylist()]
    fixed = pa.Table.from_pylist(done, schema=ROW_SCHEMA)
    mask = np.zeros(rows.num_rows, dtype=bool)
    mask[index] = True
    for name in ("countries", "organizations", "codes", "ids", "content_sha256"):
        column = rows[name].combine_chunks()
        rows = rows.set_column(
            rows.schema.get_field_index(name),
            name,
            pc.replace_with_mask(column, pa.array(mask), fixed[name].combine_chunks()),
        )
    return rows


def _to_row(item: dict[str, Any]) -> dict[str, Any]:
    """`Record.to_row`'s JSON columns and content hash of a certain row (its values as read)."""
    dumps = json.dumps
    title = " ".join(item["title"].split())
    published = item["published_date"]
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    codes, countries = item["codes"], item["countries"]
    payload = [
        title,
        item["text"],
        item["language"],
        str(published),
        codes,
        countries,
        item["kind"],
    ]
    return {
        "countries": dumps(countries),
        "organizations": dumps(item["organizations"], ensure_ascii=False),
        "codes": dumps(codes, ensure_ascii=False),
        "ids": dumps(sorted({item["record_id"], *item["ids"]})),
        "content_sha256": hashlib.sha256(
            dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest(),
    }


#: Control characters: a line holding one (raw) may read differently in Arrow and Python.
_CONTROL = bytes([*range(0x0A), *range(0x0B, 0x20)])


class JsonLines:
    """The non-blank lines of a JSON Lines text, decoded one at a time when asked for."""

    def __init__(self, data: bytes) -> None:
        arr = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(arr == 0x0A)
        starts = np.concatenate([[0], breaks + 1])
        ends = np.concatenate([breaks, [len(arr)]])
        # a line is blank when empty or all spaces (no other whitespace gets past Arrow's reader)
        maybe_blank = np.flatnonzero(
            (ends == starts) | (arr[np.minimum(starts, len(arr) - 1)] == 0x20)
        )
        blank = [i for i in maybe_blank.tolist() if not data[starts[i] : ends[i]].strip()]
        keep = np.ones(len(starts), dtype=bool)
        keep[blank] = False
        self.data, self.starts, self.ends = data, starts[keep], ends[keep]

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> str:
        return self.data[self.starts[i] : self.ends[i]].decode("utf-8")


def read_records_jsonl(data: bytes) -> tuple[pa.Table, JsonLines] | None:
    """Records JSON Lines as a table, and its non-blank lines (row i is line i); None when the
    text is one Arrow's strict reader and Python's `json` might read differently (a control
    character, a carriage return, bytes that are not UTF-8, a torn or malformed line...)."""
    if not data or data.isspace() or len(data.translate(None, _CONTROL)) != len(data):
        return None
    try:
        pa.array([data], pa.large_binary()).cast(pa.large_string())  # valid UTF-8, or raises
        options = pj.ParseOptions(
            explicit_schema=RECORD_JSON_SCHEMA, unexpected_field_behavior="infer"
        )
        table = pj.read_json(io.BytesIO(data), parse_options=options)
    except pa.ArrowException:
        return None
    lines = JsonLines(data)
    if len(lines) != table.num_rows or not _typed_as_expected(table.schema):
        return None
    return table, lines
