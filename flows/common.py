"""What every command shares: where the repository, config and workspace are, and credentials.

flows/ is the only package that reads the environment; these helpers are where it does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

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


def writable_folder(path: Path, option: str) -> Path:
    """`path` created if needed and written to once; else a one-line error naming the option."""
    import tempfile

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        fail(
            f"{option} {path}: not a folder this user can write ({exc.strerror or exc}); choose another"
        )
    return path


def validate_config(config_dir: Path, *, sources: bool = True) -> None:
    """Load every configuration file a scan reads, before anything starts: the first problem is a
    one-line ConfigError naming the file and the key (taxonomy, weights, judgements, sources)."""
    from horizon.config import load_sources, load_taxonomy, load_weights
    from scoring.judgements import load_judgements

    cfg = Path(config_dir)
    taxonomy = load_taxonomy(cfg / "taxonomy.yaml")
    load_weights(cfg / "weights.yaml")
    if (cfg / "judgements.yaml").exists():
        load_judgements(cfg / "judgements.yaml", domains=taxonomy.slugs)
    if sources:
        load_sources(cfg / "sources.yaml")


def live_contact_refusal(config_dir: Path, env: Mapping[str, str] | None = None) -> str | None:
    """Why a live scan may not start with this contact (HORIZON_CONTACT overriding sources.yaml's
    `contact`), or None: a placeholder would be sent to every server in the User-Agent."""
    from horizon.config import load_sources
    from horizon.config.sources import CONTACT_ENV

    env = os.environ if env is None else env
    sources = load_sources(Path(config_dir) / "sources.yaml").with_contact(env.get(CONTACT_ENV))
    return sources.contact_refusal()


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error on stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


#: How a scan's list is marked, by the data it read (`scan_data`).
DATA_MARK = {
    "live": "",
    "demo": " (DEMO DATA)",
    "recorded": " (RECORDED DATA: small uneven samples of real documents; a demonstration, not a"
    " finding)",
}
#: The note every briefing of a recorded-data scan carries.
RECORDED_NOTE = {
    "en": "Recorded data: real documents recorded from the public sources, served as they were "
    "recorded. The samples are small and uneven, so this list is a demonstration on real "
    "documents, not a finding.",
    "ja": "記録データ: 公開ソースから記録された実在の文書を記録時のまま読み込んだ結果です。標本は小さく偏りがある"
    "ため、このリストは実文書による動作例であり、分析結果ではありません。",
}


#: Statuses of a scan whose tables are whole (a partial scan is whole for the sources it read).
FINISHED = ("completed", "partial")
#: The mark every output of an unfinished scan read with `--allow-failed` carries.
UNFINISHED_NOTE = {
    "en": "UNFINISHED SCAN ({status}): {reason}. Its tables may be missing records or stages; "
    "the figures are not a finding.",
    "ja": "未完了のスキャン({status}): {reason}。表に欠けている記録や段階がある可能性があり、"
    "数値は分析結果ではありません。",
}


def unfinished(scan: Mapping[str, Any]) -> str | None:
    """Why a scan's tables cannot be trusted as whole (None for a completed or partial scan)."""
    status = scan.get("status")
    if status in FINISHED:
        return None
    message = scan.get("message")
    reason = str(message).splitlines()[0] if isinstance(message, str) and message else ""
    if status == "running":
        return reason or "it has not finished (running, or its process ended)"
    return reason or "no reason recorded"


def refuse_unfinished(scan: Mapping[str, Any], allow: bool) -> str | None:
    """Exit 2 with one line when a scan did not finish and `allow` is off; else its reason."""
    reason = unfinished(scan)
    if reason and not allow:
        fail(
            f"scan {scan.get('scan_id')} is {scan.get('status')} ({reason[:300]}); "
            "pass --allow-failed to read it anyway, marked as unfinished"
        )
    return reason


AllowFailedOpt = Annotated[
    bool,
    typer.Option(
        "--allow-failed",
        help="Read a failed or unfinished scan; every output is marked as unfinished.",
    ),
]


def scan_data(scan: Mapping[str, Any]) -> str:
    """The data a scan read, from its manifest row: live, demo or recorded."""
    if scan.get("demo"):
        return "demo"
    try:
        params = json.loads(scan.get("parameters") or "{}")
    except (TypeError, ValueError):
        params = {}
    return "recorded" if params.get("recorded") else "live"
