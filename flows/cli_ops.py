"""`horizon serve`: the weekly scan as a scheduled Prefect deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_scan import prefect_environment
from flows.common import HomeOpt, fail, resolve_home, validate_config
from horizon.config import ConfigError


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

    from flows.weekly_scan import DEFAULT_CONFIG_DIR, weekly_scan

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone: unknown time zone {timezone!r} (use an IANA name such as Asia/Tokyo)")
    try:
        schedule = Cron(cron, timezone=timezone)
    except ValueError as exc:
        fail(f"--cron: {str(exc).splitlines()[0]}")
    api = prefect_api_url()
    if not api:
        fail(
            "horizon serve needs a Prefect server to schedule on (an ephemeral one never runs a "
            "schedule): run `prefect server start`, then "
            "PREFECT_API_URL=http://127.0.0.1:4200/api horizon serve ..."
        )
    if (problem := api_unreachable(api)) is not None:
        fail(f"PREFECT_API_URL={api}: {problem}; start it with `prefect server start`")
    try:
        validate_config((config_dir or DEFAULT_CONFIG_DIR).resolve(), sources=not demo)
    except ConfigError as exc:
        fail(str(exc).splitlines()[0])
    parameters = {
        "home": str(home_path),
        "config_dir": str((config_dir or DEFAULT_CONFIG_DIR).resolve()),
        "demo": demo,
        "sources": [s.strip() for s in sources.split(",")] if sources else None,
    }
    typer.echo(f"serving weekly_scan/{name} on '{cron}' ({timezone}); workspace {home_path}")
    weekly_scan.serve(name=name, schedules=[schedule], parameters=parameters)


def prefect_api_url() -> str | None:
    """The Prefect API the CLI talks to (PREFECT_API_URL or the active profile), else None."""
    import os

    from prefect.settings import get_current_settings

    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    return str(url) if url else None


def api_unreachable(url: str, timeout: float = 5.0) -> str | None:
    """None when the Prefect API answers its health check, else why it does not (one line)."""
    import httpx

    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
    except httpx.HTTPError as exc:
        return f"no Prefect server answers ({type(exc).__name__})"
    if response.status_code != 200:
        return f"the Prefect server answers HTTP {response.status_code} to /health"
    return None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
