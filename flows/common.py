"""What every command shares: where the repository, config and workspace are, and credentials.

flows/ is the only package that reads the environment; these helpers are where it does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = REPO / "data" / "config"
DEFAULT_TAXONOMY = DEFAULT_CONFIG_DIR / "taxonomy.yaml"

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (default: $HORIZON_HOME or ./data/workspace)."),
]


def resolve_home(home: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """--home, else $HORIZON_HOME, else ./data/workspace."""
    env = os.environ if environ is None else environ
    return Path(home or env.get("HORIZON_HOME") or "data/workspace").resolve()


def credentials_from_env(
    credentials_env: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Credential values from the environment variables a source names (missing ones skipped)."""
    env = os.environ if environ is None else environ
    return {key: env[var] for key, var in credentials_env.items() if env.get(var)}


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error on stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
