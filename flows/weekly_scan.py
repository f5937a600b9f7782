"""The weekly scan as a Prefect flow: crawl → normalize → extract → assign → score → brief."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NONE

import horizon
from flows import recorded as recorded_scan
from flows import stages
from flows.common import DEFAULT_CONFIG_DIR, REPO, credentials_from_env, validate_config
from flows.stages import ScanContext
from horizon.config import config_hashes, load_sources
from horizon.store import Store, StoreError
from horizon.workspace import Workspace
from horizon.write_errors import WriteError, as_write_error, find_write_error

DEMO_DIR = REPO / "data" / "demo"
STAGES = ("crawl", "normalize", "extract", "assign", "score", "check", "brief")
#: Environment variable naming a stage point where a test wants the scan killed (see _arm_test_hook).
KILL_ENV = "HORIZON_TEST_KILL_AT"

#: Called as progress(stage, message) by the flow; the CLI sets it to drive its progress display.
progress: Callable[[str, str], None] = lambda stage, message: None  # noqa: E731


def new_scan_id(now: dt.datetime | None = None) -> str:
    """A sortable, unique scan id: UTC time plus a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def code_version() -> str:
    """Package version and, in a git checkout, the commit."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{horizon.__version__}+{sha}" if sha else horizon.__version__


@task(name="crawl", cache_policy=NONE)
def crawl_task(
    ctx: ScanContext,
    source: str,
    base_url: str | None,
    since: str | None,
    max_records: int | None,
    config_dir: str,
    credentials: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one spider in its own process; return its summary (credentials go by stdin)."""
    from crawlers.run import crawl_source

    progress("crawl", f"{source}…")
    try:
        summary = crawl_source(
            source,
            home=Path(ctx.home),
            out_dir=ctx.crawl_dir(source),
            base_url=base_url,
            since=dt.date.fromisoformat(since) if since else None,
            max_records=max_records,
            config_dir=Path(config_dir),
            demo=ctx.demo,
            credentials=credentials,
        )
    except Exception as exc:  # a source that fails makes the scan partial, never stops it
        if find_write_error(exc) is not None:  # ... but a full disk stops the scan
            raise
        summary = {"source": source, "finished": False, "errors": [_one_line(exc)]}
    progress(
        "crawl",
        f"{source}: {summary.get('records', 0)} records, {summary.get('quarantined', 0)} quarantined",
    )
    return summary


@task(name="normalize", cache_policy=NONE)
def normalize_task(ctx: ScanContext, sources: list[str]) -> dict[str, Any]:
    """Merge and store records."""
    return stages.normalize(ctx, sources)


@task(name="plan-shards", cache_policy=NONE)
def plan_task(ctx: ScanContext, table: str, shard_size: int) -> dict[str, Any]:
    """Set reusable rows aside and split the rest into shards."""
    return stages.plan_shards(ctx, table, shard_size)


@task(name="shard", cache_policy=NONE)
def shard_task(ctx: ScanContext, table: str, shard: str) -> str:
    """Extract or assign one shard (runs on the executor's workers)."""
    return stages.run_shard(ctx, table, shard)


@task(name="combine", cache_policy=NONE)
def combine_task(ctx: ScanContext, plan: dict[str, Any], outputs: list[str]) -> dict[str, Any]:
    """Store a stage's rows at once."""
    return stages.combine_shards(ctx, plan, outputs)


@task(name="emerging-terms", cache_policy=NONE)
def emerging_task(ctx: ScanContext) -> dict[str, Any]:
    """Find emerging terms."""
    return stages.emerging(ctx)


def run_sharded(ctx: ScanContext, table: str, shard_size: int) -> dict[str, Any]:
    """Plan, fan the shards out over the flow's task runner, combine."""
    plan = plan_task(ctx, table, shard_size)
    progress(
        _STAGE_OF[table],
        f"{plan['n_todo']} records in {len(plan['shards'])} shards, {plan['n_reused']} reused",
    )
    futures = [shard_task.submit(ctx, table, shard) for shard in plan["shards"]]
    outputs = [f.result() for f in futures]
    stages.on_reach(_STAGE_OF[table])
    return combine_task(ctx, plan, outputs)


_STAGE_OF = {"entities": "extract", "assignments": "assign"}


@task(name="score", cache_policy=NONE)
def score_task(ctx: ScanContext) -> dict[str, Any]:
    """Score domains and check the invariants."""
    return stages.score(ctx)


@task(name="check", cache_policy=NONE)
def check_task(
    ctx: ScanContext, recorded: dict[str, Any] | None, crawled: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check what the scan found (records, domains per kind and language, indicators, coverage)."""
    from flows.scan_checks import run_checks

    return run_checks(ctx, recorded, crawled)


@task(name="brief", cache_policy=NONE)
def brief_task(ctx: ScanContext, audience: str, languages: list[str]) -> list[str]:
    """Write the briefing folders for the default audience."""
    paths: list[str] = []
    shared: dict = {}  # the languages scope and check the scan once
    for lang in languages:
        folder = stages.brief(
            ctx, audience=audience, language=lang, run_by="weekly_scan", shared=shared
        )
        paths.append(str(folder))
        stages.on_reach("brief")
    return paths


@contextlib.contextmanager
def demo_endpoints(demo_dir: Path = DEMO_DIR) -> Iterator[tuple[Path, dict[str, str]]]:
    """Serve the demo corpus on loopback; yield its sources config and each source's base URL."""
    from crawlers.demo import demo_base_urls
    from crawlers.replay import serve

    with serve(demo_dir) as server_url:
        yield demo_dir / "sources.yaml", demo_base_urls(server_url, demo_dir)


@flow(name="weekly_scan", log_prints=False, validate_parameters=False)
def weekly_scan(
    home: str,
    config_dir: str = str(DEFAULT_CONFIG_DIR),
    demo: bool = False,
    sources: list[str] | None = None,
    since: str | None = None,
    max_records: int | None = None,
    scan_id: str | None = None,
    audience: str = "CLEAR",
    languages: tuple[str, ...] = ("ja", "en"),
    shard_size: int = 50_000,
    as_of: str | None = None,
    demo_dir: str | None = None,
    resume: str = "auto",
    recorded: str | None = None,
) -> dict[str, Any]:
    """One full scan; returns the scan id, status, counts and briefing paths.

    `recorded`: a `shared/data` folder whose recorded responses are served to the real spiders on
    loopback (see flows.recorded); the scan is marked as a recorded-data scan.

    `resume`: "auto" continues the newest interrupted scan (its process gone) that ran with the same
    parameters and config, "never" starts afresh, a scan id continues that scan. Interrupted scans
    not continued are marked failed. A continued scan skips the stages it had finished.
    """
    ws = Workspace(Path(home)).ensure()
    store = ws.store()
    keep_reserve(ws)
    _arm_test_hook()
    with contextlib.ExitStack() as stack:
        demo_path = Path(demo_dir) if demo_dir else DEMO_DIR
        endpoints = None
        recorded_scan.refuse_mixed(store, recorded=bool(recorded))
        if demo:
            sources_path, base_urls = stack.enter_context(demo_endpoints(demo_path))
        elif recorded:
            endpoints = stack.enter_context(recorded_scan.endpoints_in(ws, recorded, config_dir))
            sources_path, base_urls = endpoints.sources_path, endpoints.base_urls
        else:
            sources_path, base_urls = Path(config_dir) / "sources.yaml", {}
        sources_cfg = load_sources(sources_path)
        validate_config(Path(config_dir), sources=False)  # before a scan row exists
        chosen = list(sources or sources_cfg.enabled())
        unknown = [s for s in chosen if s not in sources_cfg.sources]
        if unknown:
            raise ValueError(
                f"unknown source {unknown[0]!r}; configured: {', '.join(sources_cfg.sources)}"
            )
        parameters = {
            "sources": chosen,
            "since": since,
            "max_records": max_records,
            "demo": demo,
            "demo_dir": str(demo_path.resolve()) if demo else None,
            "as_of": as_of,
            "audience": audience,
            "languages": list(languages),
            "recorded": str(Path(recorded).resolve()) if recorded else None,
        }
        config = config_hashes(Path(config_dir))
        claimed = claim_interrupted(ws, store, resume, parameters, config)
        counts: dict[str, Any] = {}
        if claimed is not None:
            lock, row = claimed
            stack.callback(lock.close)
            scan_id = row["scan_id"]
            counts = json.loads(row["source_counts"] or "{}")
            reference = json.loads(row["parameters"] or "{}").get("reference_date")
            progress("scan", f"continuing interrupted scan {scan_id}")
        else:
            scan_id = scan_id or new_scan_id()
            stack.callback(lock_scan(ws, scan_id).close)
            fixed = as_of or demo or recorded  # a recorded scan's date comes from its records
            reference = as_of if fixed else dt.datetime.now(dt.UTC).date().isoformat()
            store.begin_scan(
                scan_id,
                demo=demo,
                code_version=code_version(),
                config_sha256=config,
                parameters={**parameters, "reference_date": reference},
            )
        ctx = ScanContext(
            home=str(ws.home),
            config_dir=str(config_dir),
            scan_id=scan_id,
            demo=demo,
            as_of=reference,
        )
        try:
            if "normalize" not in counts:
                progress("crawl", f"{len(chosen)} sources")
                crawled = dict(counts.get("sources", {}))
                todo = [s for s in chosen if not crawled.get(s, {}).get("finished", False)]
                futures = {
                    s: crawl_task.submit(
                        ctx,
                        s,
                        base_urls.get(s),
                        since or (None if recorded else _watermark(store, s)),
                        max_records,
                        str(sources_path.parent if demo or recorded else config_dir),
                        credentials_from_env(sources_cfg.sources[s].credentials_env),
                    )
                    for s in todo
                }
                for s, future in futures.items():
                    crawled[s] = future.result()
                    stages.on_reach("crawl")
                counts["sources"] = {s: crawled[s] for s in chosen}
                if endpoints is not None:
                    counts["recorded"] = endpoints.coverage()
                store.update_counts(scan_id, counts, message=_partial_message(counts))
                progress("normalize", "merging records")
                counts["normalize"] = normalize_task(ctx, chosen)
                store.update_counts(scan_id, counts)
            if not counts["normalize"]["records"]:  # nothing to read: no stage after it runs
                raise _NoRecords()
            if recorded and ctx.as_of is None:
                ctx = recorded_scan.date_scan(ctx, store)
            if "extract" not in counts:
                progress("extract", f"{counts['normalize']['records']} records")
                extract = run_sharded(ctx, "entities", shard_size)
                extract.update(emerging_task(ctx))
                counts["extract"] = extract
                store.update_counts(scan_id, counts)
            if "assign" not in counts:
                progress("assign", "domains")
                counts["assign"] = run_sharded(ctx, "assignments", shard_size)
                store.update_counts(scan_id, counts)
            if "score" not in counts:
                progress("score", "indicators, axes, uncertainty")
                counts["score"] = score_task(ctx)
                store.update_counts(scan_id, counts)
            if "checks" not in counts:
                progress("check", "what the scan found")
                counts["checks"] = check_task(ctx, counts.get("recorded"), counts.get("sources"))
                store.update_counts(scan_id, counts)
            if "briefings" not in counts:
                progress("brief", f"audience {audience}")
                counts["briefings"] = brief_task(ctx, audience, list(languages))
                store.update_counts(scan_id, counts)
        except _NoRecords:
            pass
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                # Ctrl-C: the scan stays `running` with what it finished; once this process is
                # gone, the next plain `horizon scan` with the same options continues it.
                with contextlib.suppress(Exception):
                    store.update_counts(scan_id, counts)
                raise
            error = as_write_error(exc, ws.home)
            if error is None:
                store.finish_scan(scan_id, "failed", source_counts=counts, message=_one_line(exc))
                raise
            from crawlers.run import stop_crawls

            stop_crawls()  # the others would fill what the reserve frees
            release_reserve(ws)  # room to record why the scan stopped
            try:
                store.finish_scan(scan_id, "failed", source_counts=counts, message=str(error))
            except Exception:  # the warehouse cannot take it either: the lock file keeps it
                note_reason(ws, scan_id, str(error))
            raise WriteError(
                f"{error} — scan {scan_id} failed; free space, then "
                f"`horizon scan --resume {scan_id}` with the same options continues it"
            ) from None
        message = _partial_message(counts)
        if not counts["normalize"]["records"]:
            message = _no_records_message(counts, message)
        status = "partial" if message else "completed"
        if not demo and not recorded:
            started = pd.Timestamp(store.scan(scan_id)["started_at"]).date()
            for s in chosen:
                mark = watermark_after(counts["sources"][s], started)
                if mark is not None:
                    store.set_watermark(s, mark, scan_id)
        store.finish_scan(scan_id, status, source_counts=counts, message=message)
    return {"scan_id": scan_id, "status": status, "counts": counts, "message": message}


#: Bytes kept free in the workspace (`.reserve`), given up to record a scan a full disk stopped.
RESERVE_BYTES = 4 * 1024 * 1024


def keep_reserve(ws: Workspace) -> None:
    """Hold RESERVE_BYTES in `HOME/.reserve` (nothing when the disk has not that much to give)."""
    path = ws.home / ".reserve"
    if path.exists() and path.stat().st_size == RESERVE_BYTES:
        return
    try:
        with path.open("wb") as fh:
            fh.write(b"\0" * RESERVE_BYTES)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        path.unlink(missing_ok=True)


def release_reserve(ws: Workspace) -> None:
    """Give the reserve back to the disk."""
    (ws.home / ".reserve").unlink(missing_ok=True)


class _NoRecords(Exception):
    """No source gave a record: the scan ends after normalize, partial."""


def _no_records_message(counts: dict[str, Any], partial: str | None) -> str:
    """Why a scan has no list: no record from any source, and what each source said."""
    if partial:
        return f"no records, so no list: {partial}"[:1000]
    names = ", ".join(counts.get("sources", {})) or "none chosen"
    return f"no records, so no list: the sources finished with none ({names})"[:1000]


def _partial_message(counts: dict[str, Any]) -> str | None:
    """Why a scan is partial: the sources whose crawl did not finish, with their last error."""
    failed = {s: c for s, c in counts.get("sources", {}).items() if not c.get("finished", False)}
    if not failed:
        return None
    # each reason cut short, so every source is named within the message's 1,000 characters
    parts = [f"{s} ({_cut(_why_unfinished(c), 160)})" for s, c in failed.items()]
    return ("sources that did not finish: " + "; ".join(parts))[:1000]


def _arm_test_hook() -> None:
    """Fault injection for tests: HORIZON_TEST_KILL_AT=point kills this process there (kill -9).

    Unset (every normal run), nothing is armed.
    """
    point = os.environ.get(KILL_ENV)
    if not point:
        return

    def kill_at(reached: str) -> None:
        if reached == point:
            os.kill(os.getpid(), signal.SIGKILL)

    stages.on_reach = kill_at


# -- interrupted scans -----------------------------------------------------------------------
#: Parameters an interrupted scan must share with a new one to be continued by it.
RESUME_KEYS = (
    "sources",
    "since",
    "max_records",
    "demo",
    "demo_dir",
    "as_of",
    "audience",
    "languages",
    "recorded",
)
LOCK_FILE = "running.lock"


def lock_scan(ws: Workspace, scan_id: str) -> IO[str]:
    """Hold the scan's lock for as long as this process runs it (the OS drops it if we die)."""
    handle = _try_lock(ws, scan_id)
    if handle is None:
        raise StoreError(f"scan {scan_id} is running in another process")
    return handle


def scan_alive(ws: Workspace, scan_id: str) -> bool:
    """Whether a process still runs the scan (for listing a `running` scan as interrupted)."""
    handle = _try_lock(ws, scan_id, mark=False)
    if handle is not None:
        handle.close()
    return handle is None


def _try_lock(ws: Workspace, scan_id: str, *, mark: bool = True) -> IO[str] | None:
    path = ws.scan_dir(scan_id) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    if mark:  # who holds it, for a person looking
        handle.truncate(0)
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        handle.flush()
    return handle


def note_reason(ws: Workspace, scan_id: str, reason: str) -> None:
    """Keep why a scan stopped in its lock file, rewritten in place: it needs no new disk block
    on a full disk, where the warehouse could not record it. Read back by `lock_reason`."""
    data = json.dumps({"pid": os.getpid(), "reason": reason[:1000]}).encode()
    with contextlib.suppress(OSError), (ws.scan_dir(scan_id) / LOCK_FILE).open("r+b") as fh:
        fh.write(data[:3000])
        fh.truncate(min(len(data), 3000))


def lock_reason(ws: Workspace, scan_id: str) -> str | None:
    """Why a scan whose process is gone stopped, as its lock file keeps it (see note_reason)."""
    try:
        data = json.loads((ws.scan_dir(scan_id) / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    reason = data.get("reason") if isinstance(data, dict) else None
    return str(reason) if reason else None


def claim_interrupted(
    ws: Workspace,
    store: Store,
    resume: str,
    parameters: dict[str, Any],
    config: dict[str, str],
) -> tuple[IO[str], dict[str, Any]] | None:
    """Find `running` scans whose process is gone: continue one (locked, reopened), fail the rest.

    `resume` "auto" continues the newest such scan with the same parameters and config when no
    scan completed after it started; "never" continues none; a scan id continues that scan, which
    may also be a failed one.
    """
    explicit = resume not in ("auto", "never")
    scans = store.scans()
    done = scans.loc[scans["status"].isin(["completed", "partial"]), "started_at"]
    newest_done = done.max() if len(done) else None
    claimed = None
    for row in scans.to_dict("records"):
        mine = explicit and row["scan_id"] == resume
        if row["status"] != "running" and not (mine and row["status"] == "failed"):
            continue
        noted = lock_reason(ws, row["scan_id"])  # taking the lock rewrites the file
        handle = _try_lock(ws, row["scan_id"])
        if handle is None:  # its process still runs
            if mine:
                raise StoreError(f"scan {resume} is still running in another process")
            continue
        why = _differs(row, parameters, config)
        if mine and why:
            handle.close()
            raise StoreError(f"cannot continue scan {resume}: {why}")
        later = newest_done is not None and newest_done > row["started_at"]
        if mine or (resume == "auto" and claimed is None and not why and not later):
            claimed = (handle, store.reopen_scan(row["scan_id"]))
            continue
        if row["status"] == "running":
            store.finish_scan(
                row["scan_id"],
                "failed",
                message=noted
                or f"interrupted: its process ended before it finished "
                f"(found {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
            )
        handle.close()
    if explicit and claimed is None:
        raise StoreError(f"no interrupted or failed scan {resume!r}; `horizon scans` lists them")
    return claimed


def _differs(row: dict[str, Any], parameters: dict[str, Any], config: dict[str, str]) -> str:
    """What keeps a new scan from continuing an earlier one ('' when nothing)."""
    if json.loads(row["config_sha256"] or "{}") != config:
        return "the config files changed since it started"
    before = json.loads(row["parameters"] or "{}")
    diff = [k for k in RESUME_KEYS if before.get(k) != parameters.get(k)]
    return f"it ran with other parameters ({', '.join(diff)})" if diff else ""


def watermark_after(summary: dict[str, Any], started: dt.date) -> dt.date | None:
    """Where a source's watermark moves after its crawl: to the scan's start when the crawl
    finished; else to the day after the last day through which every date window of its queries
    was fetched completely (`complete_through`), never past the start; None: it stays."""
    if summary.get("finished", False):
        return started
    through = summary.get("complete_through")
    if not through:
        return None
    return min(started, dt.date.fromisoformat(through) + dt.timedelta(days=1))


def _watermark(store: Any, source: str) -> str | None:
    mark = store.watermark(source)
    return mark.isoformat() if mark else None


def _why_unfinished(summary: dict[str, Any]) -> str:
    """A crawl's last error, else how it stopped and how many of its queries it left unfinished."""
    if summary.get("errors"):
        return str(summary["errors"][-1])
    chains, done = summary.get("chains"), summary.get("chains_done")
    if summary.get("reason") and chains is not None and done is not None:
        return f"stopped ({summary['reason']}) with {chains - done} of {chains} queries unfinished"
    return "no reason given"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}"[:500]
