"""What a briefing reads and counts of the corpus an audience may see, in DuckDB: a record is
chosen by its label in the query, so the corpus's rows never pass through pandas whole, and the
counts per domain, year, country and source come back as rows in the order the frames gave them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from horizon.api import sum_by_country, sum_by_year
from horizon.schemas import Sharing
from horizon.store import Store

#: The corpus's records an audience may see (`?`: the labels at or below it, as written).
VISIBLE = "SELECT * FROM ({records}) WHERE list_contains(?, sharing)"
#: Their assignments whose own label (where set) the audience may see too, in `corpus` order.
_ASSIGNED = """
    WITH r AS ({visible})
    SELECT {columns} FROM assignments a JOIN r ON a.record_id = r.record_id AND a.scan_id = r.scan_id
    JOIN _order o ON o._k = a.rowid
    WHERE a.sharing IS NULL OR list_contains(?, a.sharing)
"""
#: The shape of a `countries` cell (braces doubled: the query is formatted once more).
_COUNTRY_ITEMS = '[{{"country": "VARCHAR", "weight": "DOUBLE"}}]'


def label_ok(value: Any, audience: Sharing) -> bool:
    """Whether a label is at or below the audience (an unreadable one is not)."""
    try:
        return Sharing.parse(str(value)).level <= audience.level
    except (ValueError, TypeError):
        return False


def visible_labels(store: Store, audience: Sharing) -> list[str]:
    """The labels of records and assignments, as written, at or below the audience (unknown ones
    are withheld)."""
    found = store.query(
        "SELECT sharing FROM records WHERE sharing IS NOT NULL"
        " UNION SELECT sharing FROM assignments WHERE sharing IS NOT NULL"
    )
    return sorted(v for v in found["sharing"] if label_ok(v, audience))


def visible_records(store: Store, scan_id: str, labels: list[str], columns: str) -> pd.DataFrame:
    """The `columns` of the records the labels allow, in `Store.corpus` order."""
    sql = f"SELECT {columns} FROM ({VISIBLE}) v JOIN _order o ON o._k = v._row ORDER BY o._p"
    return store.corpus_query(sql, scan_id, [labels], order_of="records")


def hidden_records(store: Store, scan_id: str, labels: list[str]) -> pd.DataFrame:
    """Id, title and label of the records the labels do not allow (unlabelled ones included)."""
    sql = """SELECT record_id, title, sharing FROM ({records})
             WHERE NOT coalesce(list_contains(?, sharing), false)"""
    return store.corpus_query(sql, scan_id, [labels])


def visible_assignments(
    store: Store, scan_id: str, labels: list[str], columns: str
) -> pd.DataFrame:
    """The assignment `columns` (of `a`) of the visible records, in `Store.corpus` order."""
    return _assigned(store, scan_id, labels, columns)


def _assigned(store: Store, scan_id: str, labels: list[str], columns: str) -> pd.DataFrame:
    sql = _ASSIGNED.format(visible=VISIBLE, columns=columns)
    return store.corpus_query(
        f"{sql} ORDER BY o._p", scan_id, [labels, labels], order_of="assignments"
    )


def yearly_counts(store: Store, scan_id: str, labels: list[str]) -> pd.DataFrame:
    """`horizon.api.yearly_counts` of the visible records and assignments (each (domain, year)
    summed in the order of the frames it was summed over, so to the same last bit)."""
    cols = "a.domain, year(r.published_date) AS year, coalesce(a.share, 0.0) AS share"
    rows = _assigned(store, scan_id, labels, cols)
    return sum_by_year(rows[rows["year"].notna()])


def country_counts(store: Store, scan_id: str, labels: list[str]) -> pd.DataFrame:
    """`horizon.api.country_counts` of the visible records and assignments, each record's
    countries parsed once by DuckDB's JSON reader instead of once per cell in Python."""
    items = f"""
        SELECT record_id, scan_id, _row, unnest(c) AS item, generate_subscripts(c, 1) AS i
        FROM (SELECT *, from_json(countries, '{_COUNTRY_ITEMS}') AS c FROM ({VISIBLE})
              WHERE json_valid(countries) AND json_type(countries) = 'ARRAY')
    """
    sql = f"""
        WITH x AS ({items})
        SELECT a.domain, x.item.country AS country,
               coalesce(x.item.weight, 0.0) * coalesce(a.share, 0.0) AS records
        FROM assignments a JOIN x ON a.record_id = x.record_id AND a.scan_id = x.scan_id
        JOIN _order o ON o._k = a.rowid
        WHERE (a.sharing IS NULL OR list_contains(?, a.sharing))
          AND x.item.country IS NOT NULL AND x.item.country <> ''
        ORDER BY o._p, x.i
    """
    rows = store.corpus_query(sql, scan_id, [labels, labels], order_of="assignments")
    return sum_by_country(rows)


def source_snapshots(store: Store, scan_id: str, labels: list[str]) -> dict[str, dict[str, Any]]:
    """Per source: visible records and the span of their fetch dates."""
    sql = f"""
        SELECT trim(s) AS source, count(*) AS n, min(fetched_at) AS first, max(fetched_at) AS last
        FROM ({VISIBLE}) r, unnest(string_split(r.source, ',')) AS u(s)
        GROUP BY ALL
    """
    rows = store.corpus_query(sql, scan_id, [labels])
    out = {}
    for row in sorted(rows.itertuples(index=False), key=lambda r: str(r.source)):
        out[str(row.source)] = {
            "records": int(row.n),
            "first_fetched": None if pd.isna(row.first) else row.first.isoformat(),
            "last_fetched": None if pd.isna(row.last) else row.last.isoformat(),
        }
    return out


def count_visible(store: Store, scan_id: str, labels: list[str]) -> int:
    """How many of the corpus's records the labels allow."""
    found = store.corpus_query(f"SELECT count(*) AS n FROM ({VISIBLE})", scan_id, [labels])
    return int(found["n"].iloc[0])
