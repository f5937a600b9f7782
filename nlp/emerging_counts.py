"""The counts emerging terms are ranked from, asked of the window's candidate rows ("hits").

`rank_window` (`nlp.emerging`) asks six questions of the hits (one row per phrase and record of
the window): the phrases in enough records, what is known of each phrase alone (`term_marks`),
the records of the phrases sharing modifiers, the documents per term, source, stream and week, per
term and domain hint, and the records of the top terms. Two answers give the same figures:

- `WindowHits`: a temporary table built from all candidate rows of the window's records (one
  computation from scratch);
- `KeptHits`: tables kept between scans in a DuckDB database (`window_changes`, `add_hits`): the
  window's records with their source, stream and week, a dictionary of phrases, the hit rows by
  integer ids and each phrase's marks; a scan adds the rows of records new to the window or
  changed (content, source, stream, week) and deletes those of records gone or changed, so a week
  pays for what changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from nlp.nesting import term_marks

#: Changes when the kept tables' meaning changes, so an older database is not read as current.
KEPT_FORMAT = "2"
#: The record attributes a hit row depends on: a record whose attributes differ from the kept
#: ones is removed and added again.
RECORD_KEY = ("record_id", "content_sha256", "source", "stream", "week")


@contextlib.contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> Iterator[None]:
    con.register(name, frame)
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)


def _ask(
    con: duckdb.DuckDBPyConnection, sql: str, numpy: bool = False, **frames: pd.DataFrame
) -> Any:
    """The rows of `sql` (a frame, or numpy arrays) with `frames` registered under their names."""
    with contextlib.ExitStack() as stack:
        for name, frame in frames.items():
            stack.enter_context(_registered(con, name, frame))
        result = con.execute(sql)
        return result.fetchnumpy() if numpy else result.df()


class WindowHits:
    """The counts over a temporary `hits` table built from the candidate rows `candidates` (SQL)
    whose record id and content hash match a record of `recs` (`window_records`)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        candidates: str,
        recs: pd.DataFrame,
        first_week: dt.date,
    ) -> None:
        self.con = con
        with _registered(con, "window_recs", recs):
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE hits AS
                SELECT c.term, c.language, r.record_id, r.source, r.stream,
                       (date_diff('day', ?::DATE, date_trunc('week', r.day)::DATE) // 7)::INTEGER
                           AS week,
                       coalesce(bool_or(c.keyphrase), false) AS keyphrase,
                       coalesce(bool_or(c.countable), false) AS countable
                FROM ({candidates}) c JOIN window_recs r
                  ON c.record_id = r.record_id AND coalesce(c.content_sha256, '') = r.content_sha256
                WHERE c.term <> ''
                GROUP BY ALL
                """,
                [first_week],
            )
        self.recs = recs

    def eligible(self, min_records: int, min_sources: int) -> pd.DataFrame:
        """term, language, n (records), about (keyphrase records), counted (countable records) of
        the phrases in `min_records` records and `min_sources` sources, by term and language."""
        return self.con.execute(
            """
            SELECT term, language, count(DISTINCT record_id) AS n,
                   count(*) FILTER (WHERE keyphrase) AS about,
                   count(*) FILTER (WHERE countable) AS counted
            FROM hits GROUP BY term, language
            HAVING count(DISTINCT record_id) >= ? AND count(DISTINCT source) >= ?
            ORDER BY term, language
            """,
            [min_records, min_sources],
        ).df()

    def term_marks(self, eligible: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
        """`nlp.nesting.term_marks` of the eligible phrases, in their order."""
        return term_marks(eligible["term"], eligible["language"], taxonomy)

    def modifier_totals(self, mods: pd.Series) -> pd.DataFrame:
        """mods, n: the records of all English phrases with these words before the head."""
        # one hits row per phrase and record: the records of all phrases with these modifiers
        return _ask(
            self.con,
            "SELECT mods, count(*) AS n FROM (SELECT regexp_replace(term, ' [^ ]+$', '') AS mods"
            " FROM hits WHERE language = 'en') JOIN selective_mods USING (mods) GROUP BY mods",
            selective_mods=pd.DataFrame({"mods": mods}),
        )

    def cells(self, terms: pd.DataFrame) -> pd.DataFrame:
        """k, source, stream, week, n: documents of each term (`terms`: k, term, language)."""
        return _ask(
            self.con,
            "SELECT e.k, h.source, h.stream, h.week, count(*) AS n FROM hits h"
            " JOIN eligible_terms e USING (term, language) GROUP BY e.k, h.source, h.stream, h.week",
            eligible_terms=terms[["k", "term", "language"]],
        )

    def domain_pairs(self, terms: pd.DataFrame, hints: pd.DataFrame) -> dict[str, np.ndarray]:
        """k, d, n: documents of each term per domain code (`hints`: record_id, d)."""
        return _ask(
            self.con,
            "SELECT e.k, t.d, count(*) AS n FROM hits h JOIN eligible_terms e USING (term, language)"
            " JOIN term_hints t USING (record_id) GROUP BY e.k, t.d",
            numpy=True,
            eligible_terms=terms[["k", "term", "language"]],
            term_hints=hints,
        )

    def detail(self, top: pd.DataFrame) -> pd.DataFrame:
        """k, record_id, week, day, source, sharing of each top term's records."""
        return _ask(
            self.con,
            "SELECT t.k, h.record_id, h.week, r.day, r.source, r.sharing"
            " FROM hits h JOIN top_terms t USING (term, language) JOIN window_recs r USING (record_id)"
            " ORDER BY t.k, r.day, h.record_id",
            window_recs=self.recs,
            top_terms=top[["k", "term", "language"]],
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept_format (format VARCHAR);
CREATE TABLE IF NOT EXISTS recs (rid BIGINT, record_id VARCHAR, content_sha256 VARCHAR,
    source VARCHAR, stream VARCHAR, week DATE);
CREATE TABLE IF NOT EXISTS terms (tid BIGINT, term VARCHAR, language VARCHAR, mods VARCHAR);
CREATE TABLE IF NOT EXISTS hits (tid BIGINT, rid BIGINT, keyphrase BOOLEAN, countable BOOLEAN);
CREATE TABLE IF NOT EXISTS cached (record_id VARCHAR, content_sha256 VARCHAR, part VARCHAR);
CREATE TABLE IF NOT EXISTS parts (part VARCHAR);
CREATE TABLE IF NOT EXISTS marks (tid BIGINT, known BOOLEAN, length DOUBLE, pieces VARCHAR[],
    head VARCHAR, labelled BOOLEAN, mods VARCHAR, variant VARCHAR);
CREATE TABLE IF NOT EXISTS marks_taxonomy (digest VARCHAR);
"""
_TABLES = ("recs", "terms", "hits", "cached", "parts", "marks", "marks_taxonomy")


def open_kept(con: duckdb.DuckDBPyConnection) -> None:
    """Create the kept tables where missing; anew when they were kept in another format."""
    con.execute("CREATE TABLE IF NOT EXISTS kept_format (format VARCHAR)")
    if con.execute("SELECT format FROM kept_format").fetchall() != [(KEPT_FORMAT,)]:
        for table in ("kept_format", *_TABLES):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(_SCHEMA)
        con.execute("INSERT INTO kept_format VALUES (?)", [KEPT_FORMAT])


def window_changes(con: duckdb.DuckDBPyConnection, recs: pd.DataFrame) -> pd.DataFrame:
    """Delete the kept rows of records no longer in `recs` as they were kept (gone, or changed
    content, source, stream or week); return the records of `recs` to add (`RECORD_KEY`, rid)."""
    cols = recs[["record_id", "content_sha256", "source", "stream", "day"]]
    on = " AND ".join(f"k.{c} = c.{c}" for c in RECORD_KEY)
    with _registered(con, "window_recs", cols):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cur AS SELECT record_id, content_sha256, source, stream,"
            " date_trunc('week', day)::DATE AS week FROM window_recs"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE gone AS SELECT k.rid FROM recs k ANTI JOIN cur c ON {on}"
    )
    con.execute("DELETE FROM hits WHERE rid IN (SELECT rid FROM gone)")
    con.execute("DELETE FROM recs WHERE rid IN (SELECT rid FROM gone)")
    added = con.execute(
        f"""
        SELECT c.*, (SELECT coalesce(max(rid), 0) FROM recs) + row_number() OVER () AS rid
        FROM cur c ANTI JOIN recs k ON {on}
        """
    ).df()
    con.execute("DROP TABLE cur")
    con.execute("DROP TABLE gone")
    return added


def index_parts(
    con: duckdb.DuckDBPyConnection, files: list[Path], sql_path: Callable[[Path], str]
) -> None:
    """Bring the kept index of which candidate part holds which record content up to `files`."""
    names = {p.name: p for p in files}
    known = set(con.execute("SELECT part FROM parts").df()["part"])
    for gone in known - set(names):
        con.execute("DELETE FROM cached WHERE part = ?", [gone])
        con.execute("DELETE FROM parts WHERE part = ?", [gone])
    for name in sorted(set(names) - known):
        con.execute(
            "INSERT INTO cached SELECT DISTINCT record_id, coalesce(content_sha256, ''), ?"
            f" FROM read_parquet('{sql_path(names[name])}')",
            [name],
        )
        con.execute("INSERT INTO parts VALUES (?)", [name])


def uncached(con: duckdb.DuckDBPyConnection, added: pd.DataFrame) -> pd.DataFrame:
    """The (record_id, content_sha256) pairs of `added` without candidate phrases in any part."""
    with _registered(con, "added", added[["record_id", "content_sha256"]]):
        return con.execute(
            "SELECT DISTINCT record_id, content_sha256 FROM added"
            " ANTI JOIN cached USING (record_id, content_sha256)"
        ).df()


def add_hits(
    con: duckdb.DuckDBPyConnection,
    added: pd.DataFrame,
    files: list[Path],
    sql_path: Callable[[Path], str],
) -> None:
    """Add the records `added` (from `window_changes`) and their candidate rows, read from the
    parts (`files`) that hold them, to the kept tables."""
    if added.empty:
        return
    with _registered(con, "added", added):
        holding = set(
            con.execute(
                "SELECT DISTINCT part FROM cached JOIN added USING (record_id, content_sha256)"
            ).df()["part"]
        )
        parts = [p for p in files if p.name in holding]
        if parts:
            listed = "[" + ", ".join(f"'{sql_path(p)}'" for p in parts) + "]"
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE new_hits AS
                SELECT c.term, c.language, a.rid,
                       coalesce(bool_or(c.keyphrase), false) AS keyphrase,
                       coalesce(bool_or(c.countable), false) AS countable
                FROM read_parquet({listed}) c JOIN added a
                  ON c.record_id = a.record_id AND coalesce(c.content_sha256, '') = a.content_sha256
                WHERE c.term <> ''
                GROUP BY ALL
                """
            )
            con.execute(
                """
                INSERT INTO terms
                SELECT (SELECT coalesce(max(tid), 0) FROM terms) + row_number() OVER (), term,
                       language, CASE WHEN language = 'en'
                                 THEN regexp_replace(term, ' [^ ]+$', '') END
                FROM (SELECT DISTINCT term, language FROM new_hits) n
                ANTI JOIN terms t USING (term, language)
                """
            )
            con.execute(
                "INSERT INTO hits SELECT t.tid, n.rid, n.keyphrase, n.countable"
                " FROM new_hits n JOIN terms t USING (term, language)"
            )
            con.execute("DROP TABLE new_hits")
        con.execute(f"INSERT INTO recs SELECT rid, {', '.join(RECORD_KEY)} FROM added")


class KeptHits:
    """The counts over the kept tables (`window_changes` and `add_hits` brought them up to
    `recs`); `code` names the code that marks phrases (`term_marks`), so marks kept by other code
    are made again."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, recs: pd.DataFrame, first_week: dt.date, code: str
    ) -> None:
        self.con, self.recs, self.first_week, self.code = con, recs, first_week, code

    def eligible(self, min_records: int, min_sources: int) -> pd.DataFrame:
        """As `WindowHits.eligible` (one hit row per phrase and record: count(*) is the records)."""
        sources = (
            " AND tid IN (SELECT tid FROM hits JOIN recs USING (rid) GROUP BY tid"
            " HAVING count(DISTINCT source) >= ?)"
            if min_sources > 1
            else ""
        )
        return self.con.execute(
            f"""
            SELECT t.term, t.language, h.n, h.about, h.counted, h.tid
            FROM (SELECT tid, count(*) AS n, count(*) FILTER (WHERE keyphrase) AS about,
                         count(*) FILTER (WHERE countable) AS counted
                  FROM hits GROUP BY tid HAVING count(*) >= ?) h
            JOIN terms t USING (tid)
            WHERE true{sources}
            ORDER BY t.term, t.language
            """,
            [min_records, min_sources] if sources else [min_records],
        ).df()

    def term_marks(self, eligible: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
        """As `WindowHits.term_marks`, kept per phrase for the taxonomy and code they were made
        with: only phrases eligible for the first time since (or since either changed) are
        marked."""
        digest = hashlib.sha256((self.code + taxonomy.model_dump_json()).encode()).hexdigest()
        if self.con.execute("SELECT digest FROM marks_taxonomy").fetchall() != [(digest,)]:
            self.con.execute("DELETE FROM marks")
            self.con.execute("DELETE FROM marks_taxonomy")
            self.con.execute("INSERT INTO marks_taxonomy VALUES (?)", [digest])
        cols = "tid, known, length, pieces, head, labelled, mods, variant"
        found = _ask(
            self.con, f"SELECT {cols} FROM marks JOIN wanted USING (tid)", wanted=eligible[["tid"]]
        )
        new = eligible[~eligible["tid"].isin(found["tid"])]
        if not new.empty:
            made = term_marks(new["term"], new["language"], taxonomy)
            made.insert(0, "tid", new["tid"].to_numpy())
            with _registered(self.con, "made", made):
                self.con.execute(f"INSERT INTO marks SELECT {cols} FROM made")
            found = pd.concat([found, made], ignore_index=True)
        return found.set_index("tid").loc[eligible["tid"].to_numpy()].reset_index(drop=True)

    def modifier_totals(self, mods: pd.Series) -> pd.DataFrame:
        """As `WindowHits.modifier_totals`."""
        return _ask(
            self.con,
            "SELECT t.mods, count(*) AS n FROM hits h JOIN terms t USING (tid)"
            " JOIN selective_mods s ON s.mods = t.mods WHERE t.language = 'en' GROUP BY t.mods",
            selective_mods=pd.DataFrame({"mods": mods}),
        )

    def _week(self) -> str:
        return f"(date_diff('day', DATE '{self.first_week.isoformat()}', r.week) // 7)::INTEGER"

    def cells(self, terms: pd.DataFrame) -> pd.DataFrame:
        """As `WindowHits.cells` (`terms` also holds tid)."""
        return _ask(
            self.con,
            f"SELECT e.k, r.source, r.stream, {self._week()} AS week, count(*) AS n FROM hits h"
            " JOIN eligible_terms e USING (tid) JOIN recs r USING (rid) GROUP BY ALL",
            eligible_terms=terms[["k", "tid"]],
        )

    def domain_pairs(self, terms: pd.DataFrame, hints: pd.DataFrame) -> dict[str, np.ndarray]:
        """As `WindowHits.domain_pairs`."""
        return _ask(
            self.con,
            "SELECT e.k, t.d, count(*) AS n FROM hits h JOIN eligible_terms e USING (tid)"
            " JOIN recs r USING (rid) JOIN term_hints t ON t.record_id = r.record_id"
            " GROUP BY e.k, t.d",
            numpy=True,
            eligible_terms=terms[["k", "tid"]],
            term_hints=hints,
        )

    def detail(self, top: pd.DataFrame) -> pd.DataFrame:
        """As `WindowHits.detail`."""
        return _ask(
            self.con,
            f"SELECT t.k, r.record_id, {self._week()} AS week, w.day, w.source, w.sharing"
            " FROM hits h JOIN top_terms t USING (tid) JOIN recs r USING (rid)"
            " JOIN window_recs w ON w.record_id = r.record_id ORDER BY t.k, w.day, r.record_id",
            window_recs=self.recs,
            top_terms=top[["k", "tid"]],
        )
