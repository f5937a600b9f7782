"""`horizon serve`: the weekly scan as a scheduled Prefect deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_scan import prefect_environment
from flows.common import HomeOpt, fail, resolve_home


def serve(
    cron: Annotated[str, typer.Option("--cron", help="Cron schedule of the scan.")] = "0 6 * * 1",
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone of the schedule.")
    ] = "Asia/Tokyo",
    name: Annotated[str, typer.Option("--name", help="Deployment name.")] = "weekly",
    sources: Annotated[
        str | None, typer.Option("--sources", help="Comma-separated spider names.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Serve scans of the demo corpus.")] = False,
    home: HomeOpt = None,
    config_dir: Annotated[Path | None, typer.Option("--config-dir", help="Config folder.")] = None,
) -> None:
    """Serve the weekly scan on a schedule (Prefect deployment; see runs in the Prefect UI)."""
    home_path = resolve_home(home)
    prefect_environment(home_path)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from prefect.schedules import Cron

    from flows.prefect_server import start_owned_server
    from flows.weekly_scan import DEFAULT_CONFIG_DIR, weekly_scan

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone: unknown time zone {timezone!r} (use an IANA name such as Asia/Tokyo)")
    try:
        schedule = Cron(cron, timezone=timezone)
    except ValueError as exc:
        fail(f"--cron: {str(exc).splitlines()[0]}")
    parameters = {
        "home": str(home_path),
        "config_dir": str((config_dir or DEFAULT_CONFIG_DIR).resolve()),
        "demo": demo,
        "sources": [s.strip() for s in sources.split(",")] if sources else None,
    }
    typer.echo(f"serving weekly_scan/{name} on '{cron}' ({timezone}); workspace {home_path}")
    start_owned_server()  # a local server, when no PREFECT_API_URL names one, ends with us
    weekly_scan.serve(name=name, schedules=[schedule], parameters=parameters)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
