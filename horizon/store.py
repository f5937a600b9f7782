"""The embedded store: a DuckDB warehouse with migrations, and raw responses kept by content hash."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from horizon.raw_store import RawStore  # noqa: F401  (still importable from here)
from horizon.schemas import TABLES, Table
from horizon.write_errors import find_write_error

SCHEMA_VERSION = 4
STATUSES = ("running", "completed", "partial", "failed")


class StoreError(RuntimeError):
    """The store cannot be used; the message is one line saying why and what to do."""


def _migration_1(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        con.execute(table.ddl())


def _add_missing(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and add columns that the schemas gained since the store was made."""
    for table in TABLES.values():
        con.execute(table.ddl())
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table.name],
            ).fetchall()
        }
        for col in table.columns:
            if col.name not in have:
                con.execute(f'ALTER TABLE {table.name} ADD COLUMN "{col.name}" {col.type}')


#: v2: the scoring tables (sensitivity, judgements, network, exports, emerging terms) and new
#: score columns; later schema additions append migrations that call `_add_missing` again.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _migration_1,
    2: _add_missing,
    3: _add_missing,  # v3: class_probabilities
    4: _add_missing,  # v4: evidence.indicator and evidence.window
}


def utcnow() -> dt.datetime:
    """Timezone-naive UTC now (DuckDB TIMESTAMP)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Store:
    """The warehouse of one workspace. Connections are short-lived so readers can get in."""

    #: Seconds a connection waits for another process's lock (a scan's writes are brief).
    LOCK_WAIT = 600.0

    def __init__(
        self, path: Path, *, read_only: bool = False, lock_wait: float = LOCK_WAIT
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.lock_wait = lock_wait

    # -- connections --------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self, *, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection; waits up to `wait` seconds while another process holds the file's lock.

        DuckDB lets one process write, and no other process read, while a read-write connection is
        open; every connection here is short, so waiting out the holder is the way in.
        """
        if "?" in str(self.path):  # DuckDB reads "?" as the start of options: the WAL goes astray
            raise StoreError(
                f"{self.path}: DuckDB cannot keep a warehouse whose path holds '?'; "
                "choose a workspace path without it ([ ] * are fine)"
            )
        if self.read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no store here yet; run `horizon scan` first")
        if not _SIZE.fullmatch(DUCKDB_MEMORY):
            raise StoreError(
                f"HORIZON_DUCKDB_MEMORY={DUCKDB_MEMORY!r} is not a size; give one such as 4GB"
            )
        deadline = time.monotonic() + (self.lock_wait if wait is None else wait)
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only, config=_CONFIG)
                break
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock on file" in text.lower() or "conflicting lock" in text.lower():
                    if time.monotonic() < deadline:
                        time.sleep(delay * random.uniform(0.5, 1.5))
                        delay = min(delay * 1.5, 0.5)
                        continue
                    raise StoreError(
                        f"{self.path}: busy, another process holds it; try again when it is done"
                    ) from None
                raise StoreError(
                    f"{self.path}: not a horizon-scan store or it is damaged ({_why(self.path, text)})"
                ) from None
            except duckdb.Error as exc:
                raise StoreError(
                    f"{self.path}: not a horizon-scan store or it is damaged "
                    f"({_why(self.path, str(exc))})"
                ) from None
        try:
            yield con
        except duckdb.Error as exc:
            if not _damaged(exc) or find_write_error(exc) is not None:  # full is not damaged
                raise
            raise StoreError(
                f"{self.path}: the store is damaged ({_first_line(str(exc))}); "
                "restore it from a backup or start a new workspace"
            ) from None
        finally:
            con.close()

    def migrate(self) -> int:
        """Bring the store to SCHEMA_VERSION; returns the version found before."""
        with self.connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP)"
            )
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            before = int(row[0]) if row and row[0] is not None else 0
            if before > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: store schema v{before} is newer than this horizon-scan "
                    f"(v{SCHEMA_VERSION}); upgrade horizon-scan"
                )
            for version in range(before + 1, SCHEMA_VERSION + 1):
                con.execute("BEGIN TRANSACTION")
                MIGRATIONS[version](con)
                con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, utcnow()])
                con.execute("COMMIT")
            return before

    def schema_version(self) -> int:
        """Version the store is at (0 for an empty file)."""
        with self.connect() as con:
            try:
                row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            except duckdb.CatalogException:
                return 0
        return int(row[0]) if row and row[0] is not None else 0

    def check_schema(self) -> None:
        """Fail with one line when the file is not a store of this version."""
        version = self.schema_version()
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema v{version}, expected v{SCHEMA_VERSION}; "
                "run `horizon scan` to migrate it"
            )

    # -- scans --------------------------------------------------------------------------------
    def begin_scan(
        self,
        scan_id: str,
        *,
        demo: bool,
        code_version: str,
        config_sha256: dict[str, str],
        parameters: dict[str, Any],
    ) -> None:
        """Record a new running scan; refuses an id that exists."""
        with self.connect() as con:
            exists = con.execute("SELECT 1 FROM scans WHERE scan_id = ?", [scan_id]).fetchone()
            if exists:
                raise StoreError(f"scan {scan_id} exists already; a scan never overwrites another")
            con.execute(
                "INSERT INTO scans (scan_id, started_at, status, demo, code_version, config_sha256,"
                " source_counts, parameters) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                [
                    scan_id,
                    utcnow(),
                    demo,
                    code_version,
                    json.dumps(config_sha256, sort_keys=True),
                    "{}",
                    json.dumps(parameters, sort_keys=True, default=str),
                ],
            )

    def finish_scan(
        self,
        scan_id: str,
        status: str,
        *,
        source_counts: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        """Close a scan with its status and per-source counts."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with self.connect() as con:
            con.execute(
                "UPDATE scans SET status = ?, finished_at = ?, message = ?,"
                " source_counts = coalesce(?, source_counts) WHERE scan_id = ?",
                [
                    status,
                    utcnow(),
                    message,
                    json.dumps(source_counts, sort_keys=True)
                    if source_counts is not None
                    else None,
                    scan_id,
                ],
            )

    def update_counts(
        self, scan_id: str, source_counts: dict[str, Any], *, message: str | None = None
    ) -> None:
        """Store per-source and per-stage counts while the scan runs (and why it is partial)."""
        with self.connect() as con:
            con.execute(
                "UPDATE scans SET source_counts = ?, message = coalesce(?, message)"
                " WHERE scan_id = ?",
                [json.dumps(source_counts, sort_keys=True), message, scan_id],
            )

    def reopen_scan(self, scan_id: str) -> dict[str, Any]:
        """Set an interrupted or failed scan running again, keeping its counts; its manifest row."""
        with self.connect() as con:
            con.execute(
                "UPDATE scans SET status = 'running', finished_at = NULL, message = NULL"
                " WHERE scan_id = ? AND status IN ('running', 'failed')",
                [scan_id],
            )
        return self.scan(scan_id)

    def scans(self) -> pd.DataFrame:
        """Every scan, newest first."""
        with self.connect() as con:
            return con.execute("SELECT * FROM scans ORDER BY started_at DESC, scan_id DESC").df()

    def scan(self, scan_id: str) -> dict[str, Any]:
        """One scan's manifest row."""
        with self.connect() as con:
            df = con.execute("SELECT * FROM scans WHERE scan_id = ?", [scan_id]).df()
        if df.empty:
            raise StoreError(f"no scan {scan_id!r}; `horizon scans` lists them")
        return df.iloc[0].to_dict()

    def latest_scan(self, statuses: tuple[str, ...] = ("completed", "partial")) -> str | None:
        """Id of the newest scan with one of these statuses that found records (a scan that read
        none, every source down, has no list to read)."""
        marks = ", ".join("?" for _ in statuses)
        with self.connect() as con:
            row = con.execute(
                f"SELECT scan_id FROM scans WHERE status IN ({marks}) AND coalesce("
                "json_extract_string(source_counts, '$.normalize.records'), '') <> '0'"
                " ORDER BY started_at DESC, scan_id DESC LIMIT 1",
                list(statuses),
            ).fetchone()
        return row[0] if row else None

    # -- tables -------------------------------------------------------------------------------
    def replace_rows(self, table: str, scan_id: str, frame: pd.DataFrame | pa.Table) -> int:
        """Replace a scan's rows of `table` with `frame` atomically (re-runs are idempotent)."""
        schema = TABLES[table]
        frame = conform(_with_scan_id(frame, scan_id), schema)
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DELETE FROM {table} WHERE scan_id = ?", [scan_id])
                if len(frame):
                    con.register("incoming", frame)
                    cols = schema.quoted
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
                    con.unregister("incoming")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return len(frame)

    def append_rows(self, table: str, frame: pd.DataFrame | pa.Table) -> int:
        """Append rows (tables without a per-scan replace, e.g. raw_responses, quarantine)."""
        schema = TABLES[table]
        frame = conform(frame, schema)
        if not len(frame):
            return 0
        with self.connect() as con:
            con.register("incoming", frame)
            cols = schema.quoted
            key = schema.key
            if key:
                cond = " AND ".join(f't."{k}" = i."{k}"' for k in key)
                con.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming i"
                    f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {cond})"
                )
            else:
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            con.unregister("incoming")
        return len(frame)

    def read(
        self, table: str, scan_id: str | None = None, where: str = "", params: list | None = None
    ) -> pd.DataFrame:
        """Rows of a table, optionally of one scan and an extra SQL condition."""
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        clauses, args = [], []
        if scan_id is not None:
            clauses.append("scan_id = ?")
            args.append(scan_id)
        if where:
            clauses.append(f"({where})")
            args.extend(params or [])
        sql = f"SELECT {TABLES[table].quoted} FROM {table}" + (
            f" WHERE {' AND '.join(clauses)}" if clauses else ""
        )
        with self.connect() as con:
            return fetch_frame(con, sql, args)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a read query."""
        with self.connect() as con:
            return fetch_frame(con, sql, params or [])

    def corpus(self, table: str, scan_id: str, columns: str = "*", where: str = "") -> pd.DataFrame:
        """Rows of `table` for the corpus as of a scan: each record's newest version.

        A record's newest version is its row in the latest scan up to `scan_id` that completed (or
        this scan itself); rows of other record-keyed tables follow the version they were made from,
        so an incremental scan sees everything known so far without copying it. `where` is an
        extra SQL condition on the table's rows (a literal condition, no parameters).
        """
        with self.connect() as con:
            return fetch_frame(con, self._corpus_sql(table, columns, where), [scan_id, scan_id])

    def corpus_counts(self, table: str, scan_id: str, keys: list[str]) -> pd.DataFrame:
        """`corpus` rows counted (column `n`) by `keys` and by their record's `sharing` label
        (`record_sharing`; null where the record is not in the corpus), in DuckDB."""
        cols = ", ".join(f't."{k}"' for k in keys)
        inner = self._corpus_sql(table, f"{cols}, t.record_id AS _rid, t.scan_id AS _sid")
        sql = f"""
            SELECT r.sharing AS record_sharing, {", ".join(f'c."{k}"' for k in keys)},
                   count(*) AS n
            FROM ({inner}) c LEFT JOIN records r ON r.record_id = c._rid AND r.scan_id = c._sid
            GROUP BY ALL
        """
        with self.connect() as con:
            return fetch_frame(con, sql, [scan_id, scan_id])

    def corpus_query(
        self, sql: str, scan_id: str, params: list | None = None, *, order_of: str = ""
    ) -> pd.DataFrame:
        """`sql` with `{records}` standing for the corpus's records as of a scan (every column and
        `_row`, the row's rowid); `{records}` must come before the query's own `?` parameters.

        With `order_of` (a record-keyed table), the relation `_order(_k, _p)` gives each rowid of
        that table the place of its row in what `corpus(order_of)` returns: a query ordered by
        it returns rows as `corpus` does (no order of DuckDB's own), so sums over them add alike.
        """
        inner = self._corpus_sql("records", "t.*, t.rowid AS _row")
        with self.connect() as con:
            if order_of:
                sql_order = self._corpus_sql(order_of, "t.rowid AS _k")
                # through Arrow as `corpus` reads (DuckDB's numpy fetch returns another order)
                keys = fetch_frame(con, sql_order, [scan_id, scan_id])["_k"].to_numpy()
                order = pa.table({"_k": keys, "_p": np.arange(len(keys), dtype=np.int64)})
                con.register("_order", order)
            return fetch_frame(con, sql.format(records=inner), [scan_id, scan_id, *(params or [])])

    @staticmethod
    def _corpus_sql(table: str, columns: str = "*", where: str = "") -> str:
        if table not in TABLES or "record_id" not in TABLES[table].names:
            raise KeyError(f"{table!r} is not a record-keyed table")
        return f"""
            WITH target AS (SELECT started_at FROM scans WHERE scan_id = ?),
            eligible AS (
                SELECT s.scan_id, s.started_at FROM scans s, target
                WHERE (s.status IN ('completed', 'partial') OR s.scan_id = ?)
                  AND s.started_at <= target.started_at
            ),
            versions AS (
                SELECT r.record_id, r.scan_id, row_number() OVER (
                    PARTITION BY r.record_id ORDER BY e.started_at DESC, r.scan_id DESC) AS rn
                FROM records r JOIN eligible e USING (scan_id)
            )
            SELECT {columns} FROM {table} t
            WHERE EXISTS (SELECT 1 FROM versions v
                          WHERE v.rn = 1 AND v.record_id = t.record_id AND v.scan_id = t.scan_id)
            {f"AND ({where})" if where else ""}
        """

    # -- watermarks ---------------------------------------------------------------------------
    def watermark(self, source: str) -> dt.date | None:
        """Date the next crawl of `source` starts from."""
        with self.connect() as con:
            row = con.execute(
                "SELECT since_date FROM watermarks WHERE source = ?", [source]
            ).fetchone()
        return row[0] if row else None

    def set_watermark(self, source: str, since: dt.date, scan_id: str) -> None:
        """Move a source's watermark (only forwards)."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO watermarks VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET"
                " since_date = greatest(watermarks.since_date, excluded.since_date),"
                " scan_id = excluded.scan_id, updated_at = excluded.updated_at",
                [source, since, scan_id, utcnow()],
            )


def _with_scan_id(frame: pd.DataFrame | pa.Table, scan_id: str) -> pd.DataFrame | pa.Table:
    if isinstance(frame, pa.Table):
        frame = frame.drop_columns([c for c in ("scan_id",) if c in frame.column_names])
        return frame.append_column("scan_id", pa.array([scan_id] * frame.num_rows, pa.string()))
    return frame.assign(scan_id=scan_id)


def conform(frame: pd.DataFrame | pa.Table, schema: Table) -> pd.DataFrame | pa.Table:
    """Order and complete a frame's columns as the table has them; JSON columns as text.

    An Arrow table's JSON columns must already be text (`horizon.record_batch` makes them so).
    """
    names = frame.column_names if isinstance(frame, pa.Table) else frame.columns
    missing = [c.name for c in schema.columns if not c.nullable and c.name not in names]
    if missing and len(frame):  # no rows (a scan that found nothing) lack no value
        raise ValueError(f"{schema.name}: missing required columns {missing}")
    if isinstance(frame, pa.Table):
        return pa.table(
            {
                c.name: frame[c.name] if c.name in names else pa.nulls(len(frame), pa.string())
                for c in schema.columns
            }
        )
    out = pd.DataFrame(index=frame.index)
    for col in schema.columns:
        values = (
            frame[col.name]
            if col.name in frame.columns
            else pd.Series(None, index=frame.index, dtype=object)
        )
        if col.type == "JSON":
            values = values.map(
                lambda v: (
                    v
                    if (v is None or isinstance(v, str))
                    else json.dumps(v, ensure_ascii=False, default=str)
                )
            )
        out[col.name] = values
    return out.reset_index(drop=True)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


#: Opening a file never fetches or loads an extension (a SQLite file would make DuckDB download
#: its sqlite scanner and read the file as a database).
#: DuckDB's own memory (buffer pool, joins, sorts) is capped so a scan's peak stays bounded; past
#: it DuckDB spills to `<warehouse>.tmp`. `HORIZON_DUCKDB_MEMORY` overrides it (e.g. "4GB").
DUCKDB_MEMORY = os.environ.get("HORIZON_DUCKDB_MEMORY", "1GB").strip()
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "memory_limit": DUCKDB_MEMORY,
}
_FOREIGN = {b"SQLite format 3\x00": "a SQLite database", b"PK\x03\x04": "a zip archive"}


def _why(path: Path, text: str) -> str:
    """What the file is, when it is a known foreign format; else DuckDB's first line."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        head = b""
    kind = next((k for magic, k in _FOREIGN.items() if head.startswith(magic)), None)
    return f"it is {kind}" if kind else _first_line(text)


def _damaged(exc: BaseException) -> bool:
    """A DuckDB error that says the file cannot be read (I/O, checksums), not a query mistake."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException | duckdb.FatalException) or any(
        word in text for word in ("corrupt", "checksum", "could not read")
    )


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    """The query's rows as pandas, through Arrow: the frame `.df()` gives (same dtypes: nullable
    integers where a column has nulls, DATE as datetime64[us], all-null or empty text as objects),
    with less than half of its transient memory and in about half its time (BENCHMARKS.md)."""
    relation = con.sql(sql, params=params)
    if len(set(relation.columns)) < len(relation.columns):  # repeated names
        return relation.df()
    # one compact copy in Arrow's pool: DuckDB's own result buffers are then freed
    table = relation.to_arrow_table().combine_chunks()
    n = table.num_rows
    kinds = {f.name: (f.type, table.column(f.name).null_count) for f in table.schema}
    frame = table.to_pandas(self_destruct=True, split_blocks=True, date_as_object=False)
    del table
    for name, (kind, nulls) in kinds.items():
        if pa.types.is_integer(kind) and nulls:
            frame[name] = frame[name].astype(f"Int{kind.bit_width}")
        elif pa.types.is_boolean(kind) and nulls:
            frame[name] = frame[name].astype("boolean")
        elif pa.types.is_date(kind):
            frame[name] = frame[name].astype("datetime64[us]")
        elif nulls == n and (pa.types.is_null(kind) or pa.types.is_string(kind)):
            frame[name] = pd.Series([None] * n, index=frame.index, dtype=object)
    return frame
