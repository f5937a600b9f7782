"""Emerging terms of a set of records: candidate phrases cached by content, counts kept by scan.

Candidate phrases are computed only for records whose content has no cached phrases yet (new or
changed records) and written as Parquet parts in the workspace. The window's counts are kept
between scans in a DuckDB database beside the parts (`nlp.emerging_counts`): a scan adds the
phrases of the records new to the window or changed, deletes those of records gone, and ranks
from the kept counts, the same terms a computation from scratch finds.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

if TYPE_CHECKING:
    from flows.stages import ScanContext

log = logging.getLogger(__name__)

#: Records whose candidate phrases are computed and written as one Parquet part.
CANDIDATE_BATCH = 20_000


def emerging_terms(
    ctx: ScanContext,
    meta: pd.DataFrame,
    hints: Callable[[list[str]], dict[str, str]] | None = None,
    kept: str | None = None,
    recs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, int, int]:
    """Emerging terms of the records `meta` alone (record_id, content_sha256, published_date,
    source, sharing, codes): the terms, how many records' phrases were computed, records in
    the window.

    Every count, minimum, burst baseline and the window's end come from these records only, so
    the terms of an audience's records say nothing of the records it may not see. `kept` names
    the counts kept between calls (one name per set of records that changes a little each week:
    the scan's, an audience's); without it the counts are made from scratch. `recs`: the
    records' `window_records`, where already made.
    """
    from flows.stages import _as_of, _hints_once
    from nlp.emerging import window_records
    from nlp.taxonomy_edit import rejected_terms

    store = ctx.workspace.store()
    as_of = _as_of(meta, ctx.as_of)
    recs = window_records(meta, as_of) if recs is None else recs
    del meta
    cache = ctx.workspace.candidates_dir
    cache.mkdir(parents=True, exist_ok=True)
    spill = ctx.workspace.scan_dir(ctx.scan_id) / "work" / "emerging"
    spill.mkdir(parents=True, exist_ok=True)
    options = {
        "as_of": as_of,
        "hints": hints or _hints_once(store, ctx.scan_id),
        "rejected": rejected_terms(Path(ctx.config_dir) / "rejected_terms.jsonl"),
    }
    return _window_terms(ctx, recs, options, kept)


def _window_terms(
    ctx: ScanContext, recs: pd.DataFrame, options: dict, kept: str | None
) -> tuple[pd.DataFrame, int, int]:
    """`emerging_terms` of the window's records `recs` (`window_records`)."""
    from flows import reuse
    from horizon.store import DUCKDB_MEMORY
    from nlp.emerging import EMERGING_COLUMNS, aggregate_emerging, first_week_of, rank_window
    from nlp.emerging_counts import KeptHits

    cache = ctx.workspace.candidates_dir
    spill = ctx.workspace.scan_dir(ctx.scan_id) / "work" / "emerging"
    if recs["record_id"].duplicated().any():  # one kept row per record: count these from scratch
        kept = None
    con = _connect(cache / "counts", kept)
    try:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")  # the store's cap; spills past it
        con.execute("SET temp_directory = ?", [str(spill)])
        con.execute("SET preserve_insertion_order = false")
        if kept is None:
            computed = _compute_missing(ctx, con, cache, _uncached(con, cache, recs))
            parts = f"read_parquet({_parts(cache)})" if _part_files(cache) else None
            candidates = (
                f"SELECT record_id, content_sha256, term, language, keyphrase, countable"
                f" FROM {parts}"
                if parts
                else "SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS content_sha256,"
                " NULL::VARCHAR AS term, NULL::VARCHAR AS language, NULL::BOOLEAN AS keyphrase,"
                " NULL::BOOLEAN AS countable WHERE false"
            )
            terms = aggregate_emerging(con, candidates, recs, ctx.taxonomy(), **options)
            return terms, computed, len(recs)
        try:
            computed = _update_kept(ctx, con, cache, recs)
        except duckdb.TransactionException:  # another writer in this process: count from scratch
            log.warning("kept emerging-term counts %s busy; counted from scratch", kept)
            con.close()
            return _window_terms(ctx, recs, options, None)
        if recs.empty:
            return pd.DataFrame(columns=EMERGING_COLUMNS), computed, 0
        counts = KeptHits(con, recs, first_week_of(recs), reuse.code_digest("nlp"))
        return rank_window(counts, recs, ctx.taxonomy(), **options), computed, len(recs)
    finally:
        con.close()


def _connect(folder: Path, kept: str | None) -> duckdb.DuckDBPyConnection:
    """The database of the counts kept under `kept`; in memory (empty) without a name or when the
    file cannot be opened (another process holds it, or it is unreadable)."""
    if kept is None:
        return duckdb.connect()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(folder / f"{kept}.duckdb"))
    except duckdb.Error as exc:
        log.warning("kept emerging-term counts %s not opened (%s); counted from scratch", kept, exc)
        return duckdb.connect()


def _update_kept(
    ctx: ScanContext, con: duckdb.DuckDBPyConnection, cache: Path, recs: pd.DataFrame
) -> int:
    """Bring the kept counts up to the window `recs`, computing the phrases of records without
    cached ones; how many records' phrases were computed."""
    from flows.stages import _sql_path
    from nlp.emerging_counts import add_hits, index_parts, open_kept, uncached, window_changes

    open_kept(con)
    con.execute("BEGIN TRANSACTION")
    try:
        index_parts(con, _part_files(cache), _sql_path)
        added = window_changes(con, recs)
        computed = _compute_missing(ctx, con, cache, uncached(con, added))
        files = _part_files(cache)
        index_parts(con, files, _sql_path)
        add_hits(con, added, files, _sql_path)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return computed


def _compute_missing(
    ctx: ScanContext, con: duckdb.DuckDBPyConnection, cache: Path, missing: pd.DataFrame
) -> int:
    """Compute and write the candidate phrases of the records `missing` (record_id,
    content_sha256); how many."""
    from nlp.candidates import record_candidates

    store = ctx.workspace.store()
    for start in range(0, len(missing), CANDIDATE_BATCH):
        batch = missing.iloc[start : start + CANDIDATE_BATCH]
        with store.connect() as scon:
            scon.register("wanted", batch)
            texts = scon.execute(
                "SELECT DISTINCT ON (r.record_id) r.record_id, r.content_sha256, r.title, r.text"
                " FROM records r JOIN wanted w USING (record_id, content_sha256)"
            ).df()
            scon.unregister("wanted")
        cands = record_candidates(texts)
        bare = texts.loc[~texts["record_id"].isin(set(cands["record_id"]))]
        bare = bare[["record_id", "content_sha256"]].assign(
            term="", language="", keyphrase=False, countable=False
        )
        _write_part(cache, ctx.scan_id, start, pd.concat([cands, bare], ignore_index=True))
    return len(missing)


def _part_files(cache: Path) -> list[Path]:
    """The cache's parts, listed by name: the folder's own path may hold glob characters."""
    if not cache.is_dir():
        return []
    return sorted(
        p for p in cache.iterdir() if p.name.startswith("part-") and p.name.endswith(".parquet")
    )


def _parts(cache: Path) -> str:
    """The parts as a DuckDB list of file names (each read as named, never as a pattern)."""
    from flows.stages import _sql_path

    return "[" + ", ".join(f"'{_sql_path(p)}'" for p in _part_files(cache)) + "]"


def _uncached(con: duckdb.DuckDBPyConnection, cache: Path, recs: pd.DataFrame) -> pd.DataFrame:
    """The (record_id, content_sha256) pairs of `recs` without cached candidate phrases."""
    wanted = recs[["record_id", "content_sha256"]]
    if not _part_files(cache):
        return wanted.drop_duplicates().reset_index(drop=True)
    con.register("wanted", wanted)
    try:
        return con.execute(
            "SELECT DISTINCT record_id, content_sha256 FROM wanted EXCEPT"
            f" SELECT record_id, content_sha256 FROM read_parquet({_parts(cache)})"
        ).df()
    finally:
        con.unregister("wanted")


def _write_part(cache: Path, scan_id: str, start: int, frame: pd.DataFrame) -> None:
    """Write one part atomically (a killed scan leaves no half-written part behind).

    A record without any candidate phrase gets one row with an empty term, so it is not
    recomputed next week; empty terms are never counted.
    """
    name = f"part-{scan_id}-{start:09d}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = cache / f".{name}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, cache / name)
