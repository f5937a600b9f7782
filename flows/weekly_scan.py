"""The weekly scan as a Prefect flow: crawl → normalize → extract → assign → score → brief."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE

import horizon
from flows import stages
from flows.stages import ScanContext
from horizon.config import config_hashes, load_sources
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = REPO / "data" / "config"
DEMO_DIR = REPO / "data" / "demo"
STAGES = ("crawl", "normalize", "extract", "assign", "score", "brief")

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
    return combine_task(ctx, plan, [f.result() for f in futures])


_STAGE_OF = {"entities": "extract", "assignments": "assign"}


@task(name="score", cache_policy=NONE)
def score_task(ctx: ScanContext) -> dict[str, Any]:
    """Score domains and check the invariants."""
    return stages.score(ctx)


@task(name="brief", cache_policy=NONE)
def brief_task(ctx: ScanContext, audience: str, languages: list[str]) -> list[str]:
    """Write the briefing folders for the default audience."""
    return [
        str(stages.brief(ctx, audience=audience, language=lang, run_by="weekly_scan"))
        for lang in languages
    ]


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
) -> dict[str, Any]:
    """One full scan; returns the scan id, status, counts and briefing paths."""
    ws = Workspace(Path(home)).ensure()
    store = ws.store()
    scan_id = scan_id or new_scan_id()
    with contextlib.ExitStack() as stack:
        if demo:
            sources_path, base_urls = stack.enter_context(demo_endpoints())
        else:
            sources_path, base_urls = Path(config_dir) / "sources.yaml", {}
        sources_cfg = load_sources(sources_path)
        chosen = list(sources or sources_cfg.enabled())
        unknown = [s for s in chosen if s not in sources_cfg.sources]
        if unknown:
            raise ValueError(
                f"unknown source {unknown[0]!r}; configured: {', '.join(sources_cfg.sources)}"
            )
        ctx = ScanContext(
            home=str(ws.home),
            config_dir=str(config_dir),
            scan_id=scan_id,
            demo=demo,
            as_of=as_of if as_of or demo else dt.datetime.now(dt.UTC).date().isoformat(),
        )
        store.begin_scan(
            scan_id,
            demo=demo,
            code_version=code_version(),
            config_sha256=config_hashes(Path(config_dir)),
            parameters={
                "sources": chosen,
                "since": since,
                "max_records": max_records,
                "demo": demo,
            },
        )
        counts: dict[str, Any] = {}
        try:
            progress("crawl", f"{len(chosen)} sources")
            futures = {
                s: crawl_task.submit(
                    ctx,
                    s,
                    base_urls.get(s),
                    since or _watermark(store, s),
                    max_records,
                    str(sources_path.parent if demo else config_dir),
                    _credentials(sources_cfg.sources[s].credentials_env),
                )
                for s in chosen
            }
            crawled = {s: f.result() for s, f in futures.items()}
            counts["sources"] = crawled
            failed = [s for s, c in crawled.items() if not c.get("finished", False)]
            store.update_counts(scan_id, counts)
            progress("normalize", "merging records")
            counts["normalize"] = normalize_task(ctx, chosen)
            store.update_counts(scan_id, counts)
            progress("extract", f"{counts['normalize']['records']} records")
            counts["extract"] = run_sharded(ctx, "entities", shard_size)
            counts["extract"].update(emerging_task(ctx))
            progress("assign", "domains")
            counts["assign"] = run_sharded(ctx, "assignments", shard_size)
            progress("score", "indicators, axes, uncertainty")
            counts["score"] = score_task(ctx)
            store.update_counts(scan_id, counts)
            progress("brief", f"audience {audience}")
            counts["briefings"] = brief_task(ctx, audience, list(languages))
        except BaseException as exc:
            store.finish_scan(scan_id, "failed", source_counts=counts, message=_one_line(exc))
            raise
        status = "partial" if failed else "completed"
        message = f"sources that did not finish: {', '.join(failed)}" if failed else None
        if not demo:
            for s in chosen:
                if s not in failed:
                    store.set_watermark(s, dt.datetime.now(dt.UTC).date(), scan_id)
        store.finish_scan(scan_id, status, source_counts=counts, message=message)
    return {"scan_id": scan_id, "status": status, "counts": counts, "message": message}


def _credentials(names: dict[str, str]) -> dict[str, str]:
    """Credential values from the environment variables a source names (never from files)."""
    return {key: os.environ[var] for key, var in names.items() if os.environ.get(var)}


def _watermark(store: Any, source: str) -> str | None:
    mark = store.watermark(source)
    return mark.isoformat() if mark else None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}"[:500]
