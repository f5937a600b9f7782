"""`horizon brief`: write a briefing folder for one scan, audience and language."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from flows.common import AllowFailedOpt, refuse_unfinished, writable_folder
from horizon.config import ConfigError, load_taxonomy, load_weights
from horizon.schemas import Sharing
from horizon.store import StoreError
from horizon.workspace import Workspace

AUDIENCES = ("clear", "green", "amber", "amber-strict", "red")
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[1] / "data" / "config"


def rescorer(
    home: Path, config_dir: Path, scan: dict[str, Any]
) -> Callable[[pd.DataFrame], Any] | None:
    """Re-scoring on the visible records as the scan flow does it, or None where it is not available."""
    try:
        from flows.rescore_seen import KeptRescore
        from flows.stages import ScanContext
    except ImportError:
        return None
    params = json.loads(scan.get("parameters") or "{}")
    as_of = (  # the scan's own reference date (a recorded scan's is its recordings' latest)
        params["reference_date"]
        if "reference_date" in params
        else None
        if scan.get("demo")
        else pd.Timestamp(scan["started_at"]).date().isoformat()
    )
    ctx = ScanContext(
        home=str(home),
        config_dir=str(config_dir),
        scan_id=scan["scan_id"],
        demo=bool(scan.get("demo")),
        as_of=as_of,
    )
    return KeptRescore(ctx)  # named, so next week's briefing finds it by digest


def summary(folder: Path) -> str:
    """One line from a briefing's manifest."""
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    counts = m["counts"]
    marked = " · figures include withheld material" if m.get("includes_withheld") else ""
    return (
        f"scan {m['scan_id']} · TLP:{m['audience']} · {m['language']} · {counts['priority_list']} domains · "
        f"{counts['evidence']} evidence rows · {m['withheld']['documents']} documents withheld · "
        f"{len(m['files']) + 1} files · {m['build_seconds']:.1f} s{marked}"
    )


def brief(
    audience: Annotated[
        str, typer.Option("--audience", help=f"Who receives it: {', '.join(AUDIENCES)}.")
    ],
    scan: Annotated[
        str | None, typer.Option("--scan", help="Scan id (default: the latest completed).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="ja or en.")] = "ja",
    out: Annotated[
        Path | None, typer.Option("--out", help="Briefings folder (default: <home>/briefings).")
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="HORIZON_HOME", help="Workspace folder (default: ./data/workspace)."
        ),
    ] = None,
    config_dir: Annotated[Path | None, typer.Option("--config-dir", help="Config folder.")] = None,
    mark_withheld: Annotated[
        bool,
        typer.Option(
            "--mark-withheld",
            help="Where figures cannot be recomputed without withheld documents, keep them, "
            "labelled so (the manifest lists what was kept).",
        ),
    ] = False,
    run_by: Annotated[
        str | None, typer.Option("--run-by", help="Name recorded in the audit table.")
    ] = None,
    allow_failed: AllowFailedOpt = False,
) -> None:
    """Write one briefing folder (Excel, CSV, Parquet, HTML, manifest) for an audience."""
    from flows.briefing import BriefingError, build_briefing
    from flows.briefing_checks import scan_sources

    err = typer.echo
    try:
        if audience.lower().replace("+", "-") not in AUDIENCES or lang not in ("ja", "en"):
            raise BriefingError(
                f"--audience must be one of {', '.join(AUDIENCES)} and --lang ja or en"
            )
        label = Sharing.parse(audience)
        if out:  # checked first: a wrong folder is said before anything is read
            writable_folder(out.resolve(), "--out")
        ws = Workspace(Path(home or "data/workspace").resolve())
        if not ws.warehouse.exists():  # reading never creates a store
            raise BriefingError(f"{ws.warehouse}: no store here yet; run `horizon scan` first")
        store = ws.store()
        store.check_schema()
        scan_id = scan or store.latest_scan()
        if not scan_id:
            raise BriefingError("no completed scan yet; run `horizon scan` first")
        scan_row = store.scan(scan_id)
        unfinished = refuse_unfinished(scan_row, allow_failed)
        if store.read("scores", scan_id).empty:  # stopped before scoring, or read no record
            raise BriefingError(
                f"scan {scan_id} has no scores to brief ({scan_row['status']}"
                + (f": {str(scan_row['message'])[:200]}" if scan_row.get("message") else "")
                + ")"
            )
        cfg = (config_dir or DEFAULT_CONFIG_DIR).resolve()
        taxonomy = (
            load_taxonomy(cfg / "taxonomy.yaml", require_japan_20=False)
            if (cfg / "taxonomy.yaml").exists()
            else None
        )
        weights = load_weights(cfg / "weights.yaml") if (cfg / "weights.yaml").exists() else None
        root = out.resolve() if out else ws.home / "briefings"
        folder = root / scan_id / f"{label.value.lower().replace('+', '-')}-{lang}"
        path = build_briefing(
            store,
            scan_id,
            audience=label,
            language=lang,
            out_dir=folder,
            taxonomy=taxonomy,
            weights=weights,
            rescore=rescorer(ws.home, cfg, scan_row),
            run_by=run_by or getpass.getuser(),
            mark_withheld=mark_withheld,
            sources=scan_sources(scan_row, cfg),
            unfinished=unfinished,
        )
    except (BriefingError, StoreError, ConfigError, ValueError) as exc:
        err(
            f"error: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}",
            err=True,
        )
        raise typer.Exit(2) from None
    typer.echo(str(path))
    typer.echo(summary(path))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("brief")(brief)
