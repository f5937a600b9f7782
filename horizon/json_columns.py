"""`json.dumps` of Arrow columns, byte for byte, by string kernels instead of a call per value.

Each encoder returns the JSON text and a mask of the rows it cannot write exactly as `json.dumps`
does with string kernels alone (a control character other than the five named escapes, non-ASCII
text where `ensure_ascii` holds): the caller writes those rows with `json.dumps` itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NAMED = [("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
          ("\x08", "\\b"), ("\x0c", "\\f")]  # fmt: skip
_UNNAMED_CONTROL = "[\\x00-\\x07\\x0b\\x0e-\\x1f]"


def flag(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array with nulls as False, as numpy."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool)


def quoted(values: pa.Array, *, ensure_ascii: bool) -> tuple[pa.Array, np.ndarray]:
    """Each string as a JSON string literal; rows needing `\\uXXXX` escapes flagged."""
    hard = np.zeros(len(values), dtype=bool)
    if ensure_ascii:
        hard |= ~flag(pc.string_is_ascii(values))
    special = flag(pc.match_substring_regex(values, '[\\x00-\\x1f\\\\"]'))
    if special.any():  # one pass finds the few rows that need escapes; only they are rewritten
        mask = pa.array(special)
        some = values.filter(mask)
        hard[special] |= flag(pc.match_substring_regex(some, _UNNAMED_CONTROL))
        for raw, escaped in _NAMED:
            some = pc.replace_substring(some, raw, escaped)
        values = pc.replace_with_mask(values, mask, some)
    return pc.binary_join_element_wise('"', values, '"', ""), hard


def string_lists(lists: pa.Array, *, ensure_ascii: bool) -> tuple[pa.Array, np.ndarray]:
    """Each list of strings as a JSON array (`json.dumps` separators)."""
    lists = _one_array(lists)
    flat = pc.list_flatten(lists)
    items, hard_items = quoted(flat, ensure_ascii=ensure_ascii)
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, items), ", ")
    hard = np.zeros(len(lists), dtype=bool)
    hard[pc.list_parent_indices(lists).to_numpy()[hard_items]] = True
    return pc.binary_join_element_wise("[", joined, "]", ""), hard


def countries(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Each list of {country, weight} as `json.dumps` writes it (codes are two capitals); rows
    with a weight of -0.0 flagged (distinct values are written once, and -0.0 == 0.0)."""
    lists = _one_array(lists)
    flat = pc.list_flatten(lists)
    weights = pc.struct_field(flat, "weight")
    values = weights.to_numpy(zero_copy_only=False)
    hard = np.zeros(len(lists), dtype=bool)
    hard[pc.list_parent_indices(lists).to_numpy()[np.signbit(values) & (values == 0)]] = True
    distinct = pc.unique(weights)
    reprs = pa.array([repr(float(w)) for w in distinct.to_pylist()], pa.string())
    written = pc.take(reprs, pc.index_in(weights, value_set=distinct))
    items = pc.binary_join_element_wise(
        '{"country": "', pc.struct_field(flat, "country"), '", "weight": ', written, "}", ""
    )
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, items), ", ")
    return pc.binary_join_element_wise("[", joined, "]", ""), hard


def struct_of_lists(
    fields: dict[str, pa.Array], *, ensure_ascii: bool
) -> tuple[pa.Array, np.ndarray]:
    """A JSON object of string lists, keys in the order given."""
    parts: list[pa.Array | str] = []
    hard = None
    for n, (name, values) in enumerate(fields.items()):
        text, flagged = string_lists(values, ensure_ascii=ensure_ascii)
        hard = flagged if hard is None else hard | flagged
        parts += [("{" if n == 0 else ", ") + f'"{name}": ', text]
    return pc.binary_join_element_wise(*parts, "}", ""), hard


def _one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
