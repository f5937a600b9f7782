"""`horizon scan --recorded DIR`: the weekly scan on real recorded responses served on loopback.

Every source with recordings in `DIR/fixtures` gets its own replay server; the scan crawls them
through the real spiders with the live settings, only the base URLs (and the feed list, one feed
per recorded snapshot) differ. The recordings are small, uneven samples of other people's
queries: the list they give is a demonstration on real documents, not a finding.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from flows.stages import ScanContext
from horizon.config import load_sources
from horizon.store import Store
from horizon.workspace import Workspace

if TYPE_CHECKING:  # the spiders (Scrapy) are imported only when a recorded scan runs
    from crawlers.recorded import RecordedPlan
    from crawlers.replay import ReplayServer


@dataclass
class RecordedEndpoints:
    """Where a recorded scan's sources are served, and what each server was asked."""

    sources_path: Path
    base_urls: dict[str, str]
    plan: RecordedPlan
    servers: dict[str, ReplayServer]

    @property
    def sources(self) -> list[str]:
        """The sources with recordings, in config order."""
        return list(self.plan.sources)

    def coverage(self) -> dict[str, Any]:
        """Per source: recordings served, not asked for and not offered; sources and folders
        without recordings or without a spider."""
        from crawlers.recorded import coverage

        per_source = {
            name: coverage(rec, [route.hits for route in self.servers[name].routes])
            for name, rec in self.plan.sources.items()
        }
        return {
            "sources": per_source,
            "skipped_sources": self.plan.skipped,
            "folders_no_spider_reads": self.plan.unread,
        }


def check_recordings(data_dir: Path) -> Path:
    """The data folder, resolved; ValueError when it holds no `fixtures/` folder."""
    data_dir = Path(data_dir).resolve()
    if not (data_dir / "fixtures").is_dir():
        raise ValueError(f"--recorded: no recordings at {data_dir} (expected {data_dir}/fixtures)")
    return data_dir


@contextlib.contextmanager
def recorded_endpoints(
    data_dir: Path, config_dir: Path, work_dir: Path
) -> Iterator[RecordedEndpoints]:
    """Serve every source's recordings on loopback, one server per source, for the block."""
    from crawlers.recorded import recorded_sources, recorded_sources_config
    from crawlers.replay import ReplayServer

    data_dir = check_recordings(data_dir)
    live = load_sources(Path(config_dir) / "sources.yaml")
    work_dir.mkdir(parents=True, exist_ok=True)
    plan = recorded_sources(data_dir, live, work_dir)
    sources_path = work_dir / "sources.yaml"
    sources_path.write_text(
        "# A recorded-data scan: the live settings, served recordings (crawlers.recorded).\n"
        + yaml.safe_dump(recorded_sources_config(plan, live), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    # the crawl reads the taxonomy beside sources.yaml (its feed filter): the scan's own
    shutil.copyfile(Path(config_dir) / "taxonomy.yaml", work_dir / "taxonomy.yaml")
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(ReplayServer(rec.routes))
            for name, rec in plan.sources.items()
        }
        yield RecordedEndpoints(
            sources_path, {name: s.url for name, s in servers.items()}, plan, servers
        )


@contextlib.contextmanager
def endpoints_in(ws: Workspace, recorded: str, config_dir: str) -> Iterator[RecordedEndpoints]:
    """The recordings served, from a work folder in the workspace removed afterwards."""
    check_recordings(Path(recorded))
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(tempfile.TemporaryDirectory(dir=ws.home, prefix=".recorded-"))
        yield stack.enter_context(recorded_endpoints(Path(recorded), Path(config_dir), Path(work)))


def recordings_as_of(published: pd.Series, started: dt.date) -> str | None:
    """The recordings' latest date: the newest publication date not after the scan started
    (a journal issue dated ahead is not a recording date)."""
    dates = pd.to_datetime(published, errors="coerce").dropna()
    dates = dates[dates.dt.date <= started]
    return dates.max().date().isoformat() if len(dates) else None


def set_reference_date(store: Store, scan_id: str, reference: str | None) -> None:
    """Record the scan's as-of date in its parameters (read by resumes and briefings)."""
    params = json.loads(store.scan(scan_id)["parameters"] or "{}")
    params["reference_date"] = reference
    with store.connect() as con:
        con.execute(
            "UPDATE scans SET parameters = ? WHERE scan_id = ?",
            [json.dumps(params, sort_keys=True, default=str), scan_id],
        )


def date_scan(ctx: ScanContext, store: Store) -> ScanContext:
    """A recorded scan's as-of date: the recordings' latest date, kept in its parameters."""
    started = pd.Timestamp(store.scan(ctx.scan_id)["started_at"]).date()
    dates = store.query("SELECT published_date FROM records WHERE scan_id = ?", [ctx.scan_id])
    reference = recordings_as_of(dates["published_date"], started)
    set_reference_date(store, ctx.scan_id, reference)
    return replace(ctx, as_of=reference)


def refuse_mixed(store: Store, *, recorded: bool) -> None:
    """ValueError when the workspace holds scans of the other kind (see mixed_workspace)."""
    why = mixed_workspace(store.scans(), recorded)
    if why:
        raise ValueError(why)


def mixed_workspace(scans: pd.DataFrame, recorded: bool) -> str | None:
    """Why a scan may not run in this workspace: recorded and other scans never share one (each
    scan's corpus is every record the workspace's earlier scans found)."""
    if scans.empty:
        return None
    kinds = scans["parameters"].map(lambda p: bool(json.loads(p or "{}").get("recorded")))
    other = scans.loc[kinds != recorded, "scan_id"]
    if other.empty:
        return None
    what = "live or demo" if recorded else "recorded-data"
    return (
        f"this workspace holds {what} scans (e.g. {other.iloc[0]}); a recorded-data scan and "
        "other scans never share a workspace: use --home DIR"
    )
