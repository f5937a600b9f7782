"""Compare two workspaces scanned from the same input: every store table and every briefing file.

Used to show that a change of how the scan computes leaves what it computes as it was: scan the
same corpus with the code before and after (e.g. `python benchmarks/run.py` in two checkouts, or
`horizon scan --demo` twice each), then

    python benchmarks/compare_scans.py HOME_BEFORE HOME_AFTER

Scans are paired by start order, and the second workspace's scan ids read as the first's. What
differs by nature between two runs is left out: times a run was made (`started_at`,
`finished_at`, `created_at`, `fetched_at` of the scans, `build_seconds`), `code_version`,
export ids and output paths, and the workbook/HTML/Parquet bytes only as far as they carry the
briefing's creation time. Rows are compared as multisets (EXCEPT ALL both ways, in DuckDB: the
tables never pass through pandas). Exits 1 and names each difference when there is one.

Rows that differ only in the last bits of a float are reported apart ("up to float rounding"):
scoring sums in the order DuckDB returns the corpus, so two scans of the same corpus in one
workspace already differ so on main (the demo's second scan: 3 `fwci` indicator rows, 1 class
probability row), and a scan that copies an earlier scan's rows has that scan's bits.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import duckdb

#: Columns whose values are the time or place of a run, never a result of the scan.
VOLATILE = {
    "scans": {"started_at", "finished_at", "code_version"},
    "exports": {"export_id", "created_at", "out_dir", "files"},
    "records": {"fetched_at"},
    # the demo's and recordings' loopback server listens on a new port each run
    "raw_responses": {"fetched_at", "url", "path"},
    "schema_version": {"applied_at"},
}
#: Keys of a manifest (and of `scans.source_counts`) that hold run times or file bytes.
VOLATILE_KEYS = {
    "created_at", "build_seconds", "started_at", "finished_at", "code_version", "first_fetched",
    "last_fetched", "peak_rss_mb",
}  # fmt: skip
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?")


def scan_ids(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    """The scans of a workspace, oldest first."""
    return [r[0] for r in con.execute(f"SELECT scan_id FROM {db}.scans ORDER BY started_at, scan_id").fetchall()]  # fmt: skip


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = ? ORDER BY table_name, column_index",
        [db],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, col, kind in rows:
        out.setdefault(table, []).append((col, kind))
    return out


def _select(table: str, cols: list[tuple[str, str]], db: str, rename: dict[str, str]) -> str:
    """The comparable columns of a table, JSON as text, the scan ids mapped to the first's."""
    parts = []
    for col, kind in cols:
        if col in VOLATILE.get(table, ()):
            continue
        expr = f'"{col}"'
        if kind == "JSON":
            expr = f"{expr}::VARCHAR"
        if table == "scans" and col in ("source_counts", "parameters"):
            expr = f"{expr}::VARCHAR"
        if col == "scan_id" and rename:
            cases = " ".join(f"WHEN '{b}' THEN '{a}'" for b, a in rename.items())
            expr = f"CASE {expr} {cases} ELSE {expr} END"
        parts.append(f'{expr} AS "{col}"')
    return f"SELECT {', '.join(parts)} FROM {db}.{table}"


def compare_store(before: Path, after: Path) -> tuple[list[str], dict[str, str]]:
    """Differences between the two warehouses, table by table; and the scan id map (after → before)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")
    ids_a, ids_b = scan_ids(con, "a"), scan_ids(con, "b")
    problems: list[str] = []
    if len(ids_a) != len(ids_b):
        problems.append(f"scans: {len(ids_a)} before, {len(ids_b)} after")
    rename = {b: a for a, b in zip(ids_a, ids_b, strict=False) if a != b}
    ta, tb = _tables(con, "a"), _tables(con, "b")
    for table in sorted(set(ta) | set(tb)):
        if table not in ta or table not in tb:
            problems.append(f"{table}: only {'before' if table in ta else 'after'}")
            continue
        if ta[table] != tb[table]:
            problems.append(f"{table}: columns differ: {ta[table]} vs {tb[table]}")
            continue
        qa, qb = _select(table, ta[table], "a", {}), _select(table, tb[table], "b", rename)
        if table == "scans":
            problems += _compare_scans(con, qa, qb, rename)
            continue
        n_a = con.execute(f"SELECT count(*) FROM ({qa})").fetchone()[0]
        n_b = con.execute(f"SELECT count(*) FROM ({qb})").fetchone()[0]
        only_a = con.execute(f"SELECT count(*) FROM ({qa} EXCEPT ALL {qb})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM ({qb} EXCEPT ALL {qa})").fetchone()[0]
        status = "same" if (n_a, only_a, only_b) == (n_b, 0, 0) else "DIFFERENT"
        if status != "same" and n_a == n_b and only_a == only_b <= 100_000:
            rows_a = con.execute(f"{qa} EXCEPT ALL {qb}").fetchall()
            rows_b = con.execute(f"{qb} EXCEPT ALL {qa}").fetchall()
            if near_rows(rows_a, rows_b):
                status = f"same up to float rounding ({only_a} rows differ in the last bits)"
                ROUNDING[table] = only_a
        print(f"  {table:24s} {n_a:>10,} rows before, {n_b:>10,} after: {status}"
              + (f" ({only_a} rows only before, {only_b} only after)" if only_a or only_b else ""))  # fmt: skip
        if status == "DIFFERENT":
            problems.append(f"{table}: {only_a} rows only before, {only_b} only after")
    con.close()
    return problems, rename


def _compare_scans(con: duckdb.DuckDBPyConnection, qa: str, qb: str, rename: dict[str, str]) -> list[str]:  # fmt: skip
    """The scans table, with run times left out of its JSON columns too."""
    rows_a = con.execute(f"{qa} ORDER BY scan_id").fetchdf().to_dict("records")
    rows_b = con.execute(f"{qb} ORDER BY scan_id").fetchdf().to_dict("records")
    problems = []
    for ra, rb in zip(rows_a, rows_b, strict=False):
        ca, cb = _plain_row(ra, {}), _plain_row(rb, rename)
        if ca != cb:
            keys = sorted(k for k in ca if ca.get(k) != cb.get(k))
            problems.append(f"scans: scan {ra.get('scan_id')} differs in {keys}")
    print(f"  {'scans':24s} {len(rows_a):>10,} rows before, {len(rows_b):>10,} after: "
          + ("same" if not problems and len(rows_a) == len(rows_b) else "DIFFERENT"))  # fmt: skip
    return problems


def _plain_row(row: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, str) and v[:1] in "{[":
            with contextlib.suppress(ValueError):
                v = _drop_volatile(json.loads(_renamed(v, rename)))
        out[k] = v
    return out


def _drop_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_drop_volatile(v) for v in value]
    if isinstance(value, str) and "/briefings/" in value:  # an output path: the workspace's own
        return value.split("/briefings/", 1)[1]
    return value


def _differing(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ (paths like .checks.warnings[2])."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(set(a) | set(b)) for p in _differing(a.get(k), b.get(k), f"{path}.{k}")]  # fmt: skip
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _differing(x, y, f"{path}[{i}]")]  # fmt: skip
    return [] if a == b or (a != a and b != b) else [path or "."]


#: Differences found only in the last bits of floating-point values (table or file → rows).
ROUNDING: dict[str, int] = {}
REL_TOL = 1e-9


def near(a: Any, b: Any) -> bool:
    """Equal, or equal up to floating-point rounding (numbers, numeric text, JSON text, nested)."""
    if a == b:
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return (a != a and b != b) or math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str):
        for parse in (float, json.loads):
            try:
                return near(parse(a), parse(b))
            except (ValueError, TypeError):
                continue
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(near(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(near(a[k], b[k]) for k in a)
    return False


def _rounded(value: Any) -> Any:
    """A sort key that rounding does not move (floats to 9 significant digits)."""
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, str) and value[:1] in "{[":
        return re.sub(r"\d+\.\d+(e-?\d+)?", lambda m: f"{float(m.group()):.9g}", value)
    return str(value)


def near_rows(rows_a: list[Any], rows_b: list[Any]) -> bool:
    """Two multisets of rows equal up to floating-point rounding."""
    if len(rows_a) != len(rows_b):
        return False
    key = lambda r: [_rounded(v) for v in r]  # noqa: E731
    return all(near(list(x), list(y)) for x, y in zip(sorted(rows_a, key=key), sorted(rows_b, key=key), strict=True))  # fmt: skip


def _renamed(text: str, rename: dict[str, str]) -> str:
    if not rename:
        return text
    for b, a in rename.items():
        text = text.replace(b, a)
    return text


def compare_briefings(before: Path, after: Path, rename: dict[str, str]) -> list[str]:
    """Differences between the briefing folders of the two workspaces, file by file."""
    files_a = {p.relative_to(before).as_posix(): p for p in (before / "briefings").rglob("*") if p.is_file()}  # fmt: skip
    files_b = {_renamed(p.relative_to(after).as_posix(), rename): p
               for p in (after / "briefings").rglob("*") if p.is_file()}  # fmt: skip
    problems = [f"{name}: only before" for name in sorted(set(files_a) - set(files_b))]
    problems += [f"{name}: only after" for name in sorted(set(files_b) - set(files_a))]
    same = 0
    for name in sorted(set(files_a) & set(files_b)):
        why = _file_difference(files_a[name], files_b[name], rename)
        if why:
            problems.append(f"{name}: {why}")
        else:
            same += 1
    print(f"  briefing files: {same} of {len(set(files_a) | set(files_b))} the same")
    return problems


def _file_difference(a: Path, b: Path, rename: dict[str, str]) -> str | None:
    why = _exact_difference(a, b, rename)
    if why is None or why.startswith("manifest") or a.suffix not in (".csv", ".parquet", ".xlsx"):
        return why
    if a.suffix == ".csv":
        with a.open(encoding="utf-8") as fa, b.open(encoding="utf-8") as fb:
            rows_a = list(csv.reader(fa))
            rows_b = [[_renamed(v, rename) for v in r] for r in csv.reader(fb)]
    elif a.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows_a = [list(r.values()) for r in pq.read_table(a).to_pylist()]
        rows_b = [[_renamed(v, rename) if isinstance(v, str) else v for v in r.values()]
                  for r in pq.read_table(b).to_pylist()]  # fmt: skip
    else:
        rows_a = [(t, r) for t, rows in _workbook(a, {}) for r in rows]
        rows_b = [(t, r) for t, rows in _workbook(b, rename) for r in rows]
    if len(rows_a) == len(rows_b) and all(near(x, y) for x, y in zip(rows_a, rows_b, strict=True)):
        ROUNDING[str(a)] = sum(x != y for x, y in zip(rows_a, rows_b, strict=True))
        return None
    return why


def _exact_difference(a: Path, b: Path, rename: dict[str, str]) -> str | None:
    suffix = a.suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        ta, tb = pq.read_table(a), pq.read_table(b)
        if ta.schema.remove_metadata() != tb.schema.remove_metadata():
            return "Parquet schemas differ"
        rows_b = [{k: _renamed(v, rename) if isinstance(v, str) else v for k, v in r.items()}
                  for r in tb.to_pylist()]  # fmt: skip
        if _differing(ta.to_pylist(), rows_b):
            return "Parquet rows differ"
        ma = _meta_text(ta.schema.metadata, {})
        mb = _meta_text(pq.read_schema(b).metadata, rename)
        return None if ma == mb else "Parquet metadata differs"
    if suffix == ".xlsx":
        return None if _workbook(a, {}) == _workbook(b, rename) else "workbook cells differ"
    text_a = a.read_text("utf-8", errors="replace")
    text_b = _renamed(b.read_text("utf-8", errors="replace"), rename)
    if a.name == "manifest.json":
        ma, mb = json.loads(text_a), json.loads(text_b)
        for m in (ma, mb):
            m["files"] = sorted(f["path"] for f in m.get("files", []))  # each compared itself
        keys = _differing(_drop_volatile(ma), _drop_volatile(mb))
        return f"manifest differs at {', '.join(keys[:5])}" if keys else None
    return None if _STAMP.sub("<time>", text_a) == _STAMP.sub("<time>", text_b) else "text differs"


def _meta_text(meta: dict[bytes, bytes] | None, rename: dict[str, str]) -> str:
    if not meta:
        return ""
    return _STAMP.sub("<time>", _renamed(json.dumps({k.decode(): v.decode() for k, v in meta.items()}, sort_keys=True), rename))  # fmt: skip


def _workbook(path: Path, rename: dict[str, str]) -> list[Any]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    out = []
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple(_STAMP.sub("<time>", _renamed(v, rename)) if isinstance(v, str) else v for v in row))  # fmt: skip
        out.append((sheet.title, rows))
    book.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Compare two workspaces; exit 1 on any difference."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("before", type=Path, help="workspace scanned with the code before")
    ap.add_argument("after", type=Path, help="workspace scanned with the code after")
    args = ap.parse_args(argv)
    print(f"store: {args.before / 'warehouse.duckdb'} vs {args.after / 'warehouse.duckdb'}")
    problems, rename = compare_store(
        args.before / "warehouse.duckdb", args.after / "warehouse.duckdb"
    )
    problems += compare_briefings(args.before, args.after, rename)
    for p in problems:
        print(f"DIFFERENT {p}")
    for name, n in ROUNDING.items():
        print(f"up to float rounding only: {name} ({n} rows)")
    if problems:
        print(f"{len(problems)} differences")
    else:
        print("identical" + (" up to float rounding in the tables above" if ROUNDING else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
