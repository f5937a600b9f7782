"""Store reads go through Arrow and give the same frames as DuckDB's `.df()`."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from horizon.store import fetch_frame

TYPES = ["BIGINT", "BOOLEAN", "DATE", "DOUBLE", "INTEGER", "JSON", "TIMESTAMP", "VARCHAR"]
VALUES = {
    "BIGINT": "12345678901", "BOOLEAN": "true", "DATE": "DATE '2025-03-04'", "DOUBLE": "0.25",
    "INTEGER": "7", "JSON": "'{\"a\": [1, \"é\"]}'::JSON", "TIMESTAMP": "TIMESTAMP '2025-03-04 05:06:07'",
    "VARCHAR": "'量子 café'",
}  # fmt: skip


@pytest.mark.parametrize("nulls", ["none", "some", "all", "empty"])
def test_fetch_frame_equals_duckdb_df_for_every_column_type(nulls):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f"c{i} {t}" for i, t in enumerate(TYPES)) + ")")
    row = ", ".join(VALUES[t] for t in TYPES)
    null_row = ", ".join(["NULL"] * len(TYPES))
    rows = {"none": [row, row], "some": [row, null_row, row], "all": [null_row] * 2, "empty": []}
    for values in rows[nulls]:
        con.execute(f"INSERT INTO t VALUES ({values})")
    sql = "SELECT * FROM t WHERE c4 IS NULL OR c4 > ?"
    want = con.execute(sql, [0]).df()
    got = fetch_frame(con, sql, [0])
    pd.testing.assert_frame_equal(got, want)


def test_fetch_frame_names_repeated_columns_as_duckdb_does():
    con = duckdb.connect()
    sql = "SELECT 1 AS a, 'x' AS a"
    pd.testing.assert_frame_equal(fetch_frame(con, sql, []), con.execute(sql).df())
