"""The scan's stages as thin shells: read from the store, call the pure function, write back.

Each stage takes ids and paths and returns a small dict of counts, so it can run as a Prefect task
without passing frames between tasks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from horizon.config import Taxonomy, Weights, load_taxonomy, load_weights
from horizon.schemas import TABLES
from horizon.workspace import Workspace


@dataclass(frozen=True)
class ScanContext:
    """What every stage needs to find its inputs: small, serialisable."""

    home: str
    config_dir: str
    scan_id: str
    demo: bool = False
    #: Reference date of the indicators (ISO); None → the newest publication date in the corpus.
    as_of: str | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace."""
        return Workspace(Path(self.home))

    def crawl_dir(self, source: str) -> Path:
        """Where a source's crawl output lands for this scan."""
        return self.workspace.scan_dir(self.scan_id) / "crawl" / source

    def taxonomy(self) -> Taxonomy:
        """The taxonomy in force."""
        return load_taxonomy(Path(self.config_dir) / "taxonomy.yaml")

    def weights(self) -> Weights:
        """The scoring weights in force."""
        return load_weights(Path(self.config_dir) / "weights.yaml")


#: Called as on_reach(point) at points inside stages; the flow arms it for fault-injection tests.
on_reach: Callable[[str], None] = lambda point: None  # noqa: E731


def normalize(ctx: ScanContext, sources: list[str]) -> dict[str, Any]:
    """Load each source's crawl output, merge works found in several sources, write `records`.

    Validation and merging run as a set (`flows.crawl_output`), with the schema's own refusals.
    """
    from flows.crawl_output import read_crawl_output

    store = ctx.workspace.store()
    crawl = read_crawl_output({s: ctx.crawl_dir(s) for s in sources}, demo=ctx.demo)
    store.replace_rows("records", ctx.scan_id, crawl.rows)
    on_reach("normalize")
    if crawl.rejects:
        store.replace_rows("quarantine", ctx.scan_id, pd.DataFrame(crawl.rejects))
    n_responses = 0
    if crawl.responses:  # a resumed crawl may have fetched its last page twice: keep it once
        resp = pd.DataFrame(crawl.responses).drop_duplicates(subset=["raw_sha256", "url"])
        n_responses = store.replace_rows("raw_responses", ctx.scan_id, resp)
    return {
        "records": crawl.rows.num_rows,
        "parsed": crawl.parsed,
        "quarantined": len(crawl.rejects),
        "responses": n_responses,
        "per_source": crawl.per_source,
    }


SHARDED = ("entities", "assignments")


def plan_shards(ctx: ScanContext, table: str, shard_size: int = 50_000) -> dict[str, Any]:
    """Split the records that need work for `table` into Parquet shards; keep reusable rows aside.

    Records whose content and config are unchanged since an earlier scan reuse that scan's rows.
    Everything is copied by DuckDB from the store to Parquet: the corpus never passes through
    Python objects here.
    """
    if table not in SHARDED:
        raise ValueError(f"{table!r} is not a sharded stage")
    store = ctx.workspace.store()
    work = ctx.workspace.scan_dir(ctx.scan_id) / "work" / table
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("in-*.parquet"):  # a resumed stage plans again from the store
        old.unlink()
    reused_path = work / "reused.parquet"
    cte, params = _previous_versions(ctx.scan_id)
    cols = ", ".join(
        f'"{c.name}"::VARCHAR AS "{c.name}"' if c.type == "JSON" else f'"{c.name}"'
        for c in TABLES["records"].columns
    )
    out_cols = ", ".join(_reused_column(c) for c in TABLES[table].columns)
    shards = []
    with store.connect() as con:
        con.execute(
            f"COPY ({cte} SELECT {out_cols} FROM {table} t JOIN prev USING (scan_id, record_id))"
            f" TO '{_sql_path(reused_path)}' (FORMAT parquet)",
            [*params, ctx.scan_id],
        )
        con.execute(
            f"CREATE TEMP TABLE todo AS {cte} SELECT {cols},"
            " row_number() OVER (ORDER BY record_id) - 1 AS shard_row FROM records"
            " WHERE scan_id = ? AND record_id NOT IN (SELECT record_id FROM prev)",
            [*params, ctx.scan_id],
        )
        n_todo = con.execute("SELECT count(*) FROM todo").fetchone()[0]
        n_records = con.execute(
            "SELECT count(*) FROM records WHERE scan_id = ?", [ctx.scan_id]
        ).fetchone()[0]
        for i, start in enumerate(range(0, n_todo, max(1, shard_size))):
            path = work / f"in-{i:05d}.parquet"
            con.execute(
                f"COPY (SELECT * EXCLUDE (shard_row) FROM todo WHERE shard_row >= ? AND"
                f" shard_row < ? ORDER BY shard_row) TO '{_sql_path(path)}' (FORMAT parquet)",
                [start, start + shard_size],
            )
            shards.append(str(path))
    if table == "assignments" and shards:
        from nlp.training import load_or_train, saved_is_current

        # train once (weak labels from the codes of the corpus so far), shards load it; the
        # corpus is read only when there is no usable model
        if not saved_is_current(ctx.workspace.models_dir, ctx.taxonomy()):
            load_or_train(
                ctx.workspace.models_dir,
                ctx.taxonomy(),
                records=store.corpus("records", ctx.scan_id),
                retrain=True,
            )
    return {
        "table": table,
        "reused": str(reused_path),
        "shards": shards,
        "n_reused": n_records - n_todo,
        "n_todo": n_todo,
        "n_records": n_records,
    }


def _reused_column(col: Any) -> str:
    """A column of the reused rows: this scan's id, the record's current label, JSON as text."""
    if col.name == "scan_id":
        return "?::VARCHAR AS scan_id"
    if col.name == "sharing":
        return "prev.sharing AS sharing"
    cast = "::VARCHAR" if col.type == "JSON" else ""
    return f't."{col.name}"{cast} AS "{col.name}"'


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def run_shard(ctx: ScanContext, table: str, shard: str) -> str:
    """Extract entities from, or assign domains to, one shard; write its rows beside it."""
    import nlp

    records = pd.read_parquet(shard)
    taxonomy = ctx.taxonomy()
    if table == "entities":
        rows = nlp.extract_entities(records, taxonomy)
    else:
        ids = list(records["record_id"])
        entities = ctx.workspace.store(read_only=True).read(
            "entities",
            ctx.scan_id,
            "record_id IN (SELECT unnest(?))",
            [ids],  # a hash semi-join
        )
        classifier = nlp.load_or_train(ctx.workspace.models_dir, taxonomy)
        rows = nlp.assign_domains(records, entities, taxonomy, classifier)
    out = shard.replace("/in-", "/out-")
    rows.to_parquet(out, index=False)
    return out


def combine_shards(ctx: ScanContext, plan: dict[str, Any], outputs: list[str]) -> dict[str, Any]:
    """Write the reused rows and every shard's rows as this scan's rows of the table, at once.

    DuckDB reads the Parquet files itself, in one transaction: a killed combine leaves the
    table as it was.
    """
    table = plan["table"]
    schema = TABLES[table]
    files = [f for f in (plan["reused"], *outputs) if Path(f).exists()]
    store = ctx.workspace.store()
    n = 0
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM {table} WHERE scan_id = ?", [ctx.scan_id])
            for f in files:
                have = {r[0] for r in con.execute(
                    f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(Path(f))}')").fetchall()}  # fmt: skip
                select = ", ".join(
                    "?" if c.name == "scan_id" else (f'"{c.name}"' if c.name in have else "NULL")
                    for c in schema.columns
                )
                con.execute(
                    f"INSERT INTO {table} ({schema.quoted}) SELECT {select}"
                    f" FROM read_parquet('{_sql_path(Path(f))}')",
                    [ctx.scan_id],
                )
            n = con.execute(
                f"SELECT count(*) FROM {table} WHERE scan_id = ?", [ctx.scan_id]
            ).fetchone()[0]
            assigned = (
                con.execute(
                    "SELECT count(DISTINCT record_id) FROM assignments WHERE scan_id = ?",
                    [ctx.scan_id],
                ).fetchone()[0]
                if table == "assignments"
                else None
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    out = {table: n, "processed": plan["n_todo"], "reused": plan["n_reused"]}
    if table == "assignments":
        out["records_assigned"] = int(assigned)
    return out


def run_stage(ctx: ScanContext, table: str, shard_size: int = 50_000) -> dict[str, Any]:
    """Plan, run every shard here, and combine (the flow spreads shards over an executor)."""
    plan = plan_shards(ctx, table, shard_size)
    return combine_shards(ctx, plan, [run_shard(ctx, table, s) for s in plan["shards"]])


def emerging(ctx: ScanContext) -> dict[str, Any]:
    """Candidate technology terms not in the taxonomy, with growth and bursts.

    Candidate phrases are computed only for records of the window whose content has no cached
    phrases yet (new or changed records); the window's counts are kept between scans, so a week
    counts the records that changed (`flows.emerging_terms`).
    """
    from flows import reuse
    from flows.emerging_terms import emerging_terms
    from nlp.emerging import window_records

    store = ctx.workspace.store()
    meta = store.corpus(
        "records", ctx.scan_id, "record_id, content_sha256, published_date, source, sharing, codes"
    )
    folder = ctx.workspace.home / "cache" / "emerging"
    hints = _hints_once(store, ctx.scan_id)  # the key and the counting ask for the same window
    as_of = _as_of(meta, ctx.as_of)
    recs = window_records(meta, as_of)
    key = _emerging_key(ctx, meta, recs, as_of, hints)
    donor = reuse.find_donor(folder, key, store, ctx.scan_id)
    if donor is not None:  # the same records, hints and config: the same terms
        reuse.copy_rows(store, donor["scan_id"], ctx.scan_id, ["emerging_terms"])
        return {**donor["counts"], "candidates_computed": 0, "window_records": donor["window"]}
    terms, computed, window = emerging_terms(ctx, meta, hints, kept="scan", recs=recs)
    counts = {"emerging_terms": store.replace_rows("emerging_terms", ctx.scan_id, terms)}
    reuse.remember(folder, key, ctx.scan_id, counts, window=window)
    return {**counts, "candidates_computed": computed, "window_records": window}


def _emerging_key(
    ctx: ScanContext,
    meta: pd.DataFrame,
    recs: pd.DataFrame,
    as_of: dt.date,
    hints: Callable[[list[str]], dict[str, str]],
) -> str:
    """The fingerprint of what emerging terms are found from: every value of the records'
    dates, sources, labels and content hashes (a phrase is a function of the content), each
    window record's (`recs`) domain hint, the config (rejected terms included), the date `as_of`,
    the code."""
    from flows import reuse
    from horizon.config import config_hashes

    frame = meta[sorted(meta.columns)].reset_index(drop=True)
    try:
        rows = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    except TypeError:  # unhashable cells: hash their text
        rows = np.sort(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy())
    hinted = sorted(hints(list(recs["record_id"])).items())
    return reuse.stage_key(
        [
            "emerging",
            as_of.isoformat(),
            config_hashes(Path(ctx.config_dir)),
            reuse.code_digest("nlp"),
            hashlib.sha256(rows.tobytes()).hexdigest(),
            hashlib.sha256(json.dumps(hinted).encode()).hexdigest(),
        ]
    )


def _hints_once(store: Any, scan_id: str) -> Callable[[list[str]], dict[str, str]]:
    """`_domain_hints` of a scan, remembered for the last list of ids asked."""
    last: dict[str, Any] = {}

    def hints(ids: list[str]) -> dict[str, str]:
        if last.get("ids") != ids:
            last["ids"], last["hints"] = list(ids), _domain_hints(store, scan_id, ids)
        return last["hints"]

    return hints


def _domain_hints(store: Any, scan_id: str, ids: list[str]) -> dict[str, str]:
    """Each record's most frequent taxonomy domain, from the entities of its version in the scan."""
    if not ids:
        return {}
    # counted in DuckDB: a record's mode, ties to the first domain in order (as Series.mode)
    rows = store.query(
        """
        WITH target AS (SELECT started_at FROM scans WHERE scan_id = ?),
        latest AS (
            SELECT e.record_id, e.domain FROM entities e JOIN scans s USING (scan_id), target
            WHERE e.label = 'TECH' AND e.domain IS NOT NULL AND e.record_id IN (SELECT unnest(?))
              AND (s.status IN ('completed', 'partial') OR s.scan_id = ?)
              AND s.started_at <= target.started_at
            QUALIFY s.started_at = max(s.started_at) OVER (PARTITION BY e.record_id)
        ),
        counted AS (SELECT record_id, domain, count(*) AS n FROM latest GROUP BY record_id, domain)
        SELECT record_id, domain FROM counted
        QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY n DESC, domain) = 1
        """,
        [scan_id, ids, scan_id],
    )
    return dict(zip(rows["record_id"], rows["domain"], strict=True))


def _previous_versions(scan_id: str) -> tuple[str, list[Any]]:
    """A `WITH … prev AS (…)` clause: this scan's records whose content is unchanged since an
    earlier completed scan under the same config, with that scan's id and this scan's label
    (a relabelled record passes its new label on), and its parameters."""
    cte = """
        WITH me AS (SELECT config_sha256 FROM scans WHERE scan_id = ?),
        cur AS (SELECT record_id, content_sha256, sharing FROM records WHERE scan_id = ?),
        donors AS (
            SELECT s.scan_id FROM scans s, me
            WHERE s.status IN ('completed', 'partial') AND s.scan_id <> ?
              AND s.config_sha256::VARCHAR = me.config_sha256::VARCHAR
        ),
        prev AS (
            SELECT r.record_id, r.scan_id, cur.sharing FROM records r
            JOIN cur ON r.record_id = cur.record_id AND r.content_sha256 = cur.content_sha256
            WHERE r.scan_id IN (SELECT scan_id FROM donors)
            QUALIFY row_number() OVER (PARTITION BY r.record_id ORDER BY r.scan_id DESC) = 1
        )
    """
    return cte, [scan_id, scan_id, scan_id]


#: The entities scoring reads: TECH (the network) and MONEY (announced funding), their columns.
SCORED_ENTITIES = (
    "record_id, label, subtech, domain, value, currency, sharing",
    "label IN ('TECH', 'MONEY')",
)


def load_corpus(ctx: ScanContext) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Records (the columns scoring uses), assignments and entities of the corpus as of this scan."""
    from flows.briefing_scope import RECORD_COLUMNS
    from flows.scored_corpus import SCORED_ASSIGNMENTS, scored_rows

    store = ctx.workspace.store()
    return (
        store.corpus("records", ctx.scan_id, RECORD_COLUMNS),
        scored_rows(store, ctx.scan_id, "assignments", SCORED_ASSIGNMENTS),
        store.corpus("entities", ctx.scan_id, *SCORED_ENTITIES),
    )


#: The tables the score stage writes, in the order it writes them.
SCORE_TABLES = (
    "indicators",
    "scores",
    "evidence",
    "network_nodes",
    "network_edges",
    "judgements",
    "class_probabilities",
)


def _score_key(ctx: ScanContext) -> str:
    """The fingerprint of everything the score stage reads: the corpus as of the scan (every
    value of the columns it reads, in DuckDB), the config, the reference date, the code."""
    from flows import reuse
    from flows.briefing_scope import RECORD_COLUMNS
    from horizon.config import config_hashes

    scored = [c for c in RECORD_COLUMNS.split(", ") if c.strip('"') not in UNSCORED_COLUMNS]
    assigned = ", ".join(f'"{c}"' for c in TABLES["assignments"].names if c != "scan_id")
    digest = reuse.corpus_digest(
        ctx.workspace.store(),
        ctx.scan_id,
        {
            "records": (", ".join(scored), ""),
            "assignments": (assigned, ""),
            "entities": SCORED_ENTITIES,
        },
    )
    config = config_hashes(Path(ctx.config_dir))
    return reuse.stage_key(["score", ctx.as_of, config, reuse.code_digest(), digest])


def score(ctx: ScanContext) -> dict[str, Any]:
    """Compute indicators, axes, the composite with its bands, classes and evidence.

    A scan whose inputs are those of an earlier finished scan (an unchanged week) copies that
    scan's rows instead: the same inputs give the same rows.
    """
    import scoring
    from flows import reuse

    store = ctx.workspace.store()
    folder = ctx.workspace.home / "cache" / "score"
    key = _score_key(ctx)
    donor = reuse.find_donor(folder, key, store, ctx.scan_id)
    if donor is not None:
        reuse.copy_rows(store, donor["scan_id"], ctx.scan_id, list(donor["counts"]))
        on_reach("score")
        return dict(donor["counts"])
    records, assignments, entities = load_corpus(ctx)
    tables = scoring.score_domains(
        records,
        assignments,
        entities,
        ctx.taxonomy(),
        ctx.weights(),
        as_of=_as_of(records, ctx.as_of),
        judgements=_judgements(ctx),
    )
    counts: dict[str, Any] = {}
    for name in SCORE_TABLES:
        frame = getattr(tables, name, None)
        if frame is not None and name in TABLES:
            counts[name] = store.replace_rows(name, ctx.scan_id, frame)
            on_reach("score")
    problems = scoring.check_invariants(tables, records, assignments)
    if problems:
        raise ScanCheckFailed(
            "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
        )
    reuse.remember(folder, key, ctx.scan_id, counts)  # checked: a later scan may copy them
    return counts


#: Record columns no scoring or emerging-term function reads (left out of the re-scoring's key).
UNSCORED_COLUMNS = frozenset({"fetched_at"})

#: Changes when what a re-scoring holds changes (2: the audience's emerging terms), so a result
#: kept by an earlier version is not read as a complete one.
RESCORE_FORMAT = "2"


def rescore_prefix(ctx: ScanContext) -> list[str]:
    """What fixes a re-scoring besides its records: the format, date, config and classifier."""
    from horizon.config import config_hashes

    model = ctx.workspace.models_dir / "domain_classifier.json"
    return [
        RESCORE_FORMAT,
        ctx.as_of or "",
        json.dumps(config_hashes(Path(ctx.config_dir)), sort_keys=True),
        model.read_text("utf-8") if model.exists() else "",
    ]


def rescore_path(ctx: ScanContext, records: pd.DataFrame) -> Path:
    """Where the re-scoring of `records` is kept: a hash of every value of every row (in any row
    order) and of `rescore_prefix`."""
    key = hashlib.sha256()
    for part in rescore_prefix(ctx):
        key.update(part.encode() + b"\0")
    # every column scoring reads: the time a record was fetched is none of them, so a week that
    # fetched the same records again finds its re-scoring here
    keyed = [c for c in records.columns if c not in UNSCORED_COLUMNS]
    key.update(",".join(sorted(map(str, keyed))).encode() + b"\0")
    frame = records[sorted(keyed, key=str)].reset_index(drop=True)
    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except TypeError:  # unhashable cells (lists): hash their text
        rows = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    key.update(np.sort(rows).tobytes())  # every value of every row, in any row order
    return ctx.workspace.home / "cache" / "rescore" / f"{key.hexdigest()}.pkl"


def rescore_visible(
    ctx: ScanContext, records: pd.DataFrame, cached: Path | None = None
) -> dict[str, pd.DataFrame]:
    """Score again, and find the emerging terms again, on the records an audience may see (for
    briefings below the top label): table name → frame, `emerging_terms` included.

    The result is kept in the workspace under a hash of the records (every value of every row),
    the config and the classifier, which together fix every input of the scoring: the briefings
    of one audience in both languages, a resumed scan, and next week's comparison with this scan
    score it only once. `cached`: `rescore_path(ctx, records)`, when the caller has it.
    """
    import pickle

    import scoring
    from flows.scored_corpus import SCORED_ASSIGNMENTS, scored_rows

    cached = cached or rescore_path(ctx, records)
    if cached.exists():
        try:
            with cached.open("rb") as fh:
                result = pickle.load(fh)  # written below, by this workspace
            os.utime(cached)  # in use: kept by the pruning below
            return result
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError):
            pass
    store = ctx.workspace.store()
    ids = records["record_id"].dropna().unique()  # only the rows of these records are read
    result = scoring.score_domains(
        records,
        scored_rows(store, ctx.scan_id, "assignments", SCORED_ASSIGNMENTS, ids),
        scored_rows(store, ctx.scan_id, "entities", SCORED_ENTITIES, ids),
        ctx.taxonomy(),
        ctx.weights(),
        as_of=_as_of(records, ctx.as_of),
        judgements=_judgements(ctx),
    )
    frames = result.frames() if hasattr(result, "frames") else dict(result)
    result = {**frames, "emerging_terms": _visible_terms(ctx, records)}
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cached)
    prune_files(cached.parent, "*.pkl", RESCORE_KEEP_DAYS)
    return result


def _visible_terms(ctx: ScanContext, records: pd.DataFrame) -> pd.DataFrame:
    """The emerging terms of `records` alone (with the scan's own minimums), counts kept per set of
    labels the records carry (an audience's records change a little each week, as the scan's)."""
    from flows.emerging_terms import emerging_terms

    cols = ["record_id", "content_sha256", "published_date", "source", "sharing"]
    labels = sorted({str(s) for s in records["sharing"]}) if "sharing" in records else []
    kept = "visible-" + hashlib.sha256("\0".join(labels).encode()).hexdigest()[:16]
    return emerging_terms(ctx, records.reindex(columns=cols), kept=kept)[0]


#: Re-scorings unused for this long are deleted (a weekly scan uses this week's and last week's).
RESCORE_KEEP_DAYS = 35


def prune_files(folder: Path, pattern: str, days: float) -> None:
    """Delete the `pattern` files of `folder` not written or read for `days` (they are
    recomputed if asked)."""
    cutoff = dt.datetime.now().timestamp() - days * 86_400
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def brief(
    ctx: ScanContext,
    *,
    audience: str,
    language: str,
    run_by: str,
    out_dir: Path | None = None,
    shared: dict[Any, Any] | None = None,
) -> Path:
    """Write one briefing folder for an audience and language (`shared`: one dict passed to
    the briefings of every language, which then scope and check the scan once)."""
    from flows.briefing import build_briefing
    from flows.briefing_checks import scan_sources
    from flows.rescore_seen import KeptRescore
    from horizon.schemas import Sharing

    ws = ctx.workspace
    label = Sharing.parse(audience)
    _forget_exports(ws.store(), ctx.scan_id, label.value, language, run_by)
    sources = scan_sources(ws.store().scan(ctx.scan_id), Path(ctx.config_dir))
    return build_briefing(
        ws.store(),
        ctx.scan_id,
        audience=label,
        language=language,
        out_dir=out_dir or ws.briefing_dir(ctx.scan_id, label.value, language),
        taxonomy=ctx.taxonomy(),
        weights=ctx.weights(),
        rescore=KeptRescore(ctx),
        run_by=run_by,
        sources=sources,
        shared=shared,
    )


def _forget_exports(store: Any, scan_id: str, audience: str, language: str, run_by: str) -> None:
    """Drop the export rows of a briefing about to be rebuilt (a resumed scan lists it once)."""
    with store.connect() as con:
        con.execute(TABLES["exports"].ddl())
        con.execute(
            "DELETE FROM exports WHERE scan_id = ? AND audience = ? AND language = ? AND run_by = ?",
            [scan_id, audience, language, run_by],
        )


class ScanCheckFailed(RuntimeError):
    """An invariant of the scan's output tables does not hold."""


def _judgements(ctx: ScanContext) -> Any:
    path = Path(ctx.config_dir) / "judgements.yaml"
    if not path.exists():
        return None
    from scoring import load_judgements

    return load_judgements(path)


def _as_of(records: pd.DataFrame, fixed: str | None = None) -> dt.date:
    """The scan's reference date: fixed, else the newest publication date in the corpus, else today."""
    if fixed:
        return dt.date.fromisoformat(fixed)
    if len(records) and "published_date" in records:
        latest = pd.to_datetime(records["published_date"], errors="coerce").max()
        if pd.notna(latest):
            return latest.date()
    return dt.datetime.now(dt.UTC).date()
