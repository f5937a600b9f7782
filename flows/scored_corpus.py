"""What scoring reads of the corpus's assignments and entities, chosen in DuckDB.

Scoring uses three columns of an assignment (record, domain, share) and, when it scores the
records an audience may see, only the rows of those records. Reading every column of every row
into pandas and filtering there held the corpus's rows and their filtered copy at once (at a
million records, 1.9M assignments and 3.2M entities): here the columns and the records are
chosen in the query, and the rows come back in the order `Store.corpus` returns the table (a
query's own order is not that), so every sum over them adds in the same order as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from horizon.store import Store, fetch_frame

#: The assignment columns scoring reads (`scoring.inputs.prepare`, `scoring.check_invariants`).
SCORED_ASSIGNMENTS = ('"record_id", "domain", "share"', "")


def scored_rows(
    store: Store,
    scan_id: str,
    table: str,
    read: tuple[str, str],
    ids: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """`Store.corpus(table, scan_id, *read)`, only the rows of the records `ids` when given,
    in the order `corpus` returns them (a `RangeIndex`)."""
    columns, where = read
    keys = store.corpus(table, scan_id, "t.rowid AS _k", where)["_k"].to_numpy()
    order = pa.table({"_k": keys, "_p": np.arange(len(keys), dtype=np.int64)})
    del keys
    chosen = ""
    with store.connect() as con:
        con.register("_order", order)
        if ids is not None:
            wanted = pa.table({"record_id": pa.array(list(ids), type=pa.string())})
            con.register("_ids", wanted)
            chosen = "WHERE t.record_id IN (SELECT record_id FROM _ids)"
        cols = ", ".join(f"t.{c.strip()}" for c in columns.split(","))
        sql = f"SELECT {cols} FROM {table} t JOIN _order o ON o._k = t.rowid {chosen} ORDER BY o._p"
        return fetch_frame(con, sql, [])
