"""JSON text written by string kernels is `json.dumps`'s, byte for byte, wherever it is not flagged."""

from __future__ import annotations

import json

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from horizon import json_columns as jc

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(deadline=None)  # the first call loads Arrow's kernels
@given(st.lists(TEXT, max_size=20), st.booleans())
def test_quoted_is_json_dumps_where_not_flagged(values, ensure_ascii):
    out, hard = jc.quoted(pa.array(values, pa.string()), ensure_ascii=ensure_ascii)
    for value, text, flagged in zip(values, out.to_pylist(), hard, strict=True):
        if not flagged:
            assert text == json.dumps(value, ensure_ascii=ensure_ascii)
        else:  # flagged only for what kernels leave to json.dumps
            assert any(ord(c) < 0x20 for c in value) or (ensure_ascii and not value.isascii())


@settings(deadline=None)  # the first call loads Arrow's kernels
@given(st.lists(st.lists(TEXT, max_size=4), max_size=10), st.booleans())
def test_string_lists_are_json_dumps_where_not_flagged(lists, ensure_ascii):
    out, hard = jc.string_lists(pa.array(lists, pa.list_(pa.string())), ensure_ascii=ensure_ascii)
    for value, text, flagged in zip(lists, out.to_pylist(), hard, strict=True):
        if not flagged:
            assert text == json.dumps(value, ensure_ascii=ensure_ascii)


@settings(deadline=None)  # the first call loads Arrow's kernels
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["JP", "US", "DE"]),
                st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
            ),
            max_size=3,
        ),
        max_size=10,
    )
)
def test_countries_are_json_dumps_where_not_flagged(lists):
    rows = [[{"country": c, "weight": w} for c, w in items] for items in lists]
    array = pa.array(
        rows, pa.list_(pa.struct([("country", pa.string()), ("weight", pa.float64())]))
    )
    out, hard = jc.countries(array)
    for value, text, flagged in zip(rows, out.to_pylist(), hard, strict=True):
        if not flagged:
            assert text == json.dumps(value)


def test_codes_keep_the_order_given():
    fields = {"cpc": pa.array([["H01L"], []]), "arxiv": pa.array([[], ['a"b']])}
    out, hard = jc.struct_of_lists(fields, ensure_ascii=False)
    assert out.to_pylist() == [
        json.dumps({"cpc": ["H01L"], "arxiv": []}),
        json.dumps({"cpc": [], "arxiv": ['a"b']}),
    ]
    assert not hard.any()
