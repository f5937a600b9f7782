"""`horizon scan`, `scans`, `show` and `diff`: run the weekly scan and read its list."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from flows.common import (
    DATA_MARK,
    AllowFailedOpt,
    HomeOpt,
    fail,
    live_contact_refusal,
    refuse_unfinished,
    resolve_home,
    scan_data,
    validate_config,
    writable_folder,
)
from flows.scan_checks import coverage_summary, print_checks
from flows.scan_checks import summary as checks_summary
from horizon.config import ConfigError
from horizon.store import StoreError
from horizon.workspace import Workspace
from horizon.write_errors import WriteError, find_write_error

console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

ScanOpt = Annotated[
    str | None, typer.Option("--scan", help="Scan id (default: the latest completed).")
]
CLASS_STYLE = {"protect": "bold red", "nurture": "bold green", "monitor": "dim"}


def prefect_environment(home: Path) -> None:
    """Local Prefect with no server to set up, no analytics, state kept in the workspace."""
    writable_folder(home, "--home")
    (home / ".prefect").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home / ".prefect"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    # a failed scan says why in one line of its own; Prefect's tracebacks of it would bury that
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
    # Prefect's queue services log under their class names, outside the `prefect` logger that
    # PREFECT_LOGGING_LEVEL sets: "Still processing items" at exit would follow a scan's one line.
    for name in ("EventsWorker", "APILogWorker"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_INTERNAL_LOGGING_LEVEL", "CRITICAL")
    # a loaded 2-core machine can take longer than Prefect's default 20 s to start its local API
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _reader(home: Path | None) -> Any:
    ws = Workspace(resolve_home(home))
    store = ws.store(read_only=True)
    store.check_schema()
    return store


def _latest(store: Any, scan: str | None) -> str:
    scan_id = scan or store.latest_scan()
    if not scan_id:
        fail("no completed scan yet; run `horizon scan --demo` or `horizon scan`")
    return scan_id


def scan(
    demo: Annotated[
        bool, typer.Option("--demo", help="Scan the built-in demo corpus (offline).")
    ] = False,
    recorded: Annotated[
        Path | None,
        typer.Option(
            "--recorded",
            help="Scan the real responses recorded in a shared/data folder (offline, loopback).",
        ),
    ] = None,
    sources: Annotated[
        str | None, typer.Option("--sources", help="Comma-separated spider names.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Ask sources from this date (YYYY-MM-DD).")
    ] = None,
    max_records: Annotated[
        int | None, typer.Option("--max-records", help="Cap per source.")
    ] = None,
    home: HomeOpt = None,
    config_dir: Annotated[Path | None, typer.Option("--config-dir", help="Config folder.")] = None,
    executor: Annotated[
        str,
        typer.Option("--executor", help="local, or dask (extraction and assignment over shards)."),
    ] = "local",
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address", help="tcp://… of a Dask scheduler (default: a LocalCluster)."
        ),
    ] = None,
    shard_size: Annotated[int, typer.Option("--shard-size", help="Records per shard.")] = 50_000,
    resume: Annotated[
        str,
        typer.Option(
            "--resume",
            help="auto: continue an interrupted scan with the same parameters; never; or a scan id.",
        ),
    ] = "auto",
) -> None:
    """Run the weekly scan end to end and print the prioritised list."""
    home_path = resolve_home(home)
    prefect_environment(home_path)
    from flows import weekly_scan as ws_mod
    from flows.prefect_server import start_owned_server

    cfg = (config_dir or ws_mod.DEFAULT_CONFIG_DIR).resolve()
    if demo and recorded:
        fail("--demo and --recorded: choose one")
    try:  # every file checked before a server starts or a source is asked
        validate_config(cfg, sources=not demo)
    except ConfigError as exc:
        fail(str(exc).splitlines()[0])
    if not (demo or recorded):
        refusal = live_contact_refusal(cfg)
        if refusal:
            fail(refusal)
    if since:
        try:
            pd.Timestamp(since)
        except ValueError:
            fail(f"--since: not a date: {since!r} (use YYYY-MM-DD)")
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[stage]:<9}[/] {task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        # Until the flow reports its first stage, Prefect is starting its local API (seconds to
        # half a minute on a loaded machine): say so rather than a bare "starting".
        starting = (
            "starting Prefect's local API"
            if not os.environ.get("PREFECT_API_URL")
            else (f"connecting to {os.environ['PREFECT_API_URL']}")
        )
        job = bar.add_task(starting, stage="prefect", total=None)
        ws_mod.progress = lambda stage, message: bar.update(job, stage=stage, description=message)
        try:
            start_owned_server()  # it ends with this command, even on kill -9
            flow = ws_mod.weekly_scan.with_options(task_runner=task_runner(executor, dask_address))
            result = flow(
                shard_size=shard_size,
                resume=resume,
                home=str(home_path),
                config_dir=str(cfg),
                demo=demo,
                sources=[s.strip() for s in sources.split(",")] if sources else None,
                since=since,
                max_records=max_records,
                recorded=str(recorded.resolve()) if recorded else None,
            )
        except (ConfigError, StoreError, ValueError, WriteError) as exc:
            fail(str(exc).splitlines()[0])
        except Exception as exc:  # Prefect's own error about a full disk hides the scan's
            error = find_write_error(exc)
            if error is None:
                raise
            fail(str(error).splitlines()[0])
        except KeyboardInterrupt:
            bar.stop()
            fail(interrupted_line(home_path), code=130)
        finally:
            ws_mod.progress = lambda stage, message: None
        bar.update(job, stage="done", description=f"scan {result['scan_id']} {result['status']}")
    store = Workspace(home_path).store(read_only=True)
    if "score" in result["counts"]:  # a scan that found no record has no list
        _print_list(store, result["scan_id"])
    counts = result["counts"]
    if counts.get("checks"):
        print_checks(console, counts["checks"])
    n = counts.get("normalize", {})
    console.print(
        f"\nscan [bold]{result['scan_id']}[/] {result['status']}"
        f"{DATA_MARK[scan_data(store.scan(result['scan_id']))]}: {n.get('records', 0)} records, "
        f"{n.get('quarantined', 0)} quarantined"
        + (f" — {result['message']}" if result.get("message") else ""),
        highlight=False,
    )
    console.print(f"store:     {store.path}", highlight=False)
    for path in counts.get("briefings", []):
        console.print(f"briefing:  {path}", highlight=False)


def interrupted_line(home: Path) -> str:
    """What Ctrl-C left: the scan still to finish and how to continue it."""
    try:
        scans = Workspace(home).store(read_only=True).scans()
    except (StoreError, OSError):
        return "interrupted before the scan began"
    running = scans[scans["status"] == "running"]
    if running.empty:
        return "interrupted"
    scan_id = running.sort_values("started_at")["scan_id"].iloc[-1]
    return (
        f"interrupted: scan {scan_id} stopped where it was; "
        "`horizon scan` with the same options continues it"
    )


def task_runner(executor: str, dask_address: str | None = None) -> Any:
    """The Prefect task runner for `--executor`."""
    if executor == "local":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=2)
    if executor == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True}
        )
    fail(f"--executor must be local or dask, got {executor!r}")
    return None


def scans(home: HomeOpt = None) -> None:
    """List past scans with their dates and status."""
    try:
        frame = _reader(home).scans()
    except StoreError as exc:
        fail(str(exc))
    table = Table(
        "scan_id", "started", "finished", "status", "data", "records", "coverage", "checks",
        title="scans",
    )  # fmt: skip
    for row in frame.to_dict("records"):
        counts = json.loads(row["source_counts"] or "{}")
        table.add_row(
            row["scan_id"],
            _ts(row["started_at"]),
            _ts(row["finished_at"]),
            _status(resolve_home(home), row),
            scan_data(row),
            str(counts.get("normalize", {}).get("records", "")),
            coverage_summary(counts.get("checks")),
            checks_summary(counts.get("checks")),
        )
    console.print(table)


def _status(home: Path, row: dict[str, Any]) -> str:
    """A scan's status; a `running` scan whose process is gone shows as dead, with the reason of
    a failed one beside it."""
    status = row["status"]
    if status == "running":
        from flows.weekly_scan import lock_reason, scan_alive

        ws = Workspace(home)
        if not scan_alive(ws, row["scan_id"]):
            reason = lock_reason(ws, row["scan_id"])
            return (
                f"dead: {reason[:200]}"
                if reason
                else ("dead (its process ended; the next scan continues or fails it)")
            )
    if status == "failed" and row.get("message"):
        return f"failed: {str(row['message']).splitlines()[0][:200]}"
    return status


def show(
    scan: ScanOpt = None,
    domain: Annotated[
        str | None, typer.Option("--domain", help="One domain's indicators and evidence.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the list as a JSON array.")
    ] = False,
    home: HomeOpt = None,
    allow_failed: AllowFailedOpt = False,
) -> None:
    """Print the ranked protect/nurture list, or one domain with its evidence."""
    try:
        store = _reader(home)
        scan_id = _latest(store, scan)
        _refuse_unfinished(store, scan_id, allow_failed)
        if domain:
            _print_domain(store, scan_id, domain, as_json)
        elif as_json:
            sys.stdout.write(
                json.dumps(priority_json(store, scan_id), ensure_ascii=False, indent=2) + "\n"
            )
        else:
            _print_list(store, scan_id)
    except StoreError as exc:
        fail(str(exc))


#: The decision's numbers `horizon show --json` carries (class_probabilities; null before them).
DECISION_NUMBERS = (
    "strength_score", "protect_score", "nurture_score", "p_protect", "p_nurture", "p_monitor",
    "home_papers", "home_patents", "home_top10",
)  # fmt: skip


def _text(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def priority_json(store: Any, scan_id: str) -> list[dict[str, Any]]:
    """The list as JSON objects (domain, class, rank, composite, axes, band, maturity, and the data
    the scan read: live, demo or recorded)."""
    frame = store.read("scores", scan_id).sort_values("rank")
    probs = store.read("class_probabilities", scan_id).drop(columns="scan_id")
    frame = frame.merge(probs, on="domain", how="left")
    data = scan_data(store.scan(scan_id))
    out = []
    for row in frame.to_dict("records"):
        out.append(
            {
                "domain": row["domain"],
                "label_en": row["label_en"],
                "label_ja": row["label_ja"],
                "class": row["class"],
                "rank": int(row["rank"]),
                "composite": _f(row["composite_score"]),
                "japan_strength": _f(row["japan_strength_score"]),
                "foreign_activity": _f(row["foreign_activity_score"]),
                "socioeconomic": _f(row["socioeconomic_score"]),
                "rank_low": _f(row["rank_low"]),
                "rank_high": _f(row["rank_high"]),
                "maturity": row["maturity"],
                "n_records": int(row["n_records"] or 0),
                **{k: _f(row.get(k)) for k in DECISION_NUMBERS},
                "stable_class": _text(row.get("stable_class")),
                "small_counts": _text(row.get("small_counts")),
                "data": data,
            }
        )
    return out


#: Terminal widths below which `horizon show` drops the axis columns, then prints one block per domain.
FULL_WIDTH, COMPACT_WIDTH = 150, 100


def _print_list(store: Any, scan_id: str) -> None:
    items = priority_json(store, scan_id)
    if not items:
        fail(f"scan {scan_id} has no scores")
    width = shutil.get_terminal_size((160, 24)).columns
    title = f"protect / nurture list — scan {scan_id}{DATA_MARK[items[0]['data']]}"
    if width < COMPACT_WIDTH:
        _print_blocks(items, title, width)
        return
    if width < FULL_WIDTH:
        _print_compact(items, title, width)
        return
    table = Table(
        "rank",
        "domain",
        "領域",
        "class",
        "P(prot/nurt/mon)",
        "stable",
        "composite",
        "band (5–95%)",
        "Japan",
        "foreign",
        "socio",
        "maturity",
        "records",
        title=f"protect / nurture list — scan {scan_id}{DATA_MARK[items[0]['data']]}",
    )
    for it in items:
        table.add_row(
            str(it["rank"]),
            it["domain"],
            it["label_ja"] or "",
            f"[{CLASS_STYLE.get(it['class'], '')}]{it['class']}[/]",
            _probabilities(it),
            (it["stable_class"] or "") + (" ⚑" if it["small_counts"] else ""),
            f"{it['composite']:.3f}",
            f"{it['rank_low']:.0f}–{it['rank_high']:.0f}",
            f"{it['japan_strength']:.2f}",
            f"{it['foreign_activity']:.2f}",
            f"{it['socioeconomic']:.2f}",
            str(it["maturity"] or ""),
            str(it["n_records"]),
        )
    console.print(table)


def _class_p(it: dict[str, Any]) -> str:
    """The class with its probability and stability ("protect 80% ⚑")."""
    p = it.get(f"p_{it['class']}")
    text = f"{it['class']}" + ("" if p is None else f" {p:.0%}")
    unsure = it.get("stable_class") == "uncertain"
    return text + (" ?" if unsure else "") + (" ⚑" if it.get("small_counts") else "")


def _print_compact(items: list[dict[str, Any]], title: str, width: int) -> None:
    """The list without the axis columns, for terminals narrower than FULL_WIDTH."""
    table = Table("rank", "domain", "領域", "class P", "composite", "band", title=title)
    for it in items:
        table.add_row(
            str(it["rank"]), it["domain"], it["label_ja"] or "",
            f"[{CLASS_STYLE.get(it['class'], '')}]{_class_p(it)}[/]", f"{it['composite']:.3f}",
            f"{it['rank_low']:.0f}–{it['rank_high']:.0f}",
        )  # fmt: skip
    Console(width=width, soft_wrap=False).print(table)


def _print_blocks(items: list[dict[str, Any]], title: str, width: int) -> None:
    """One short block per domain, for terminals narrower than COMPACT_WIDTH (80 columns)."""
    out = Console(width=width, highlight=False)
    out.print(f"[bold]{title}[/]")
    out.print("? class not settled (P < 80%) · ⚑ strength on few documents", style="dim")
    for it in items:
        out.print(
            f"{it['rank']:>2}. [bold]{it['domain']}[/] {it['label_ja'] or ''}\n"
            f"    [{CLASS_STYLE.get(it['class'], '')}]{_class_p(it)}[/] · composite "
            f"{it['composite']:.3f} · band {it['rank_low']:.0f}–{it['rank_high']:.0f} · "
            f"J {it['japan_strength']:.2f} F {it['foreign_activity']:.2f} "
            f"S {it['socioeconomic']:.2f}"
        )


def _probabilities(it: dict[str, Any]) -> str:
    """P(protect) / P(nurture) / P(monitor) as percentages; blank for a scan scored before them."""
    ps = [it.get(k) for k in ("p_protect", "p_nurture", "p_monitor")]
    return "" if any(p is None for p in ps) else " / ".join(f"{p:.0%}" for p in ps)


def _print_domain(store: Any, scan_id: str, domain: str, as_json: bool) -> None:
    scores = store.read("scores", scan_id, "domain = ?", [domain])
    if scores.empty:
        known = ", ".join(store.read("scores", scan_id)["domain"])
        fail(f"no domain {domain!r} in scan {scan_id}; known: {known}")
    row = scores.iloc[0]
    indicators = store.read("indicators", scan_id, "domain = ?", [domain])
    evidence = store.query(
        "SELECT e.axis, e.rank, e.indicator, e.window, e.weight, e.record_id, r.kind, r.title,"
        " r.published_date, r.url, e.sharing"
        " FROM evidence e LEFT JOIN (SELECT DISTINCT ON (record_id) * FROM records"
        " ORDER BY record_id, scan_id DESC) r USING (record_id)"
        " WHERE e.scan_id = ? AND e.domain = ? ORDER BY e.axis, e.rank",
        [scan_id, domain],
    )
    data = scan_data(store.scan(scan_id))
    decision = store.read("class_probabilities", scan_id, "domain = ?", [domain]).drop(
        columns="scan_id"
    )
    if as_json:
        payload = {
            "scan_id": scan_id,
            "data": data,
            "score": json.loads(scores.to_json(orient="records", date_format="iso"))[0],
            "decision": json.loads(decision.to_json(orient="records"))[0]
            if len(decision)
            else None,
            "indicators": json.loads(
                indicators.drop(columns=["scan_id"]).to_json(orient="records")
            ),
            "evidence": json.loads(evidence.to_json(orient="records", date_format="iso")),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(
        f"[bold]{row['label_en']}[/] / {row['label_ja']} ({domain}) — scan {scan_id}"
        f"{DATA_MARK[data]}\n"
        f"class [bold]{row['class']}[/], rank {row['rank']} (band {row['rank_low']:.0f}–{row['rank_high']:.0f}), "
        f"composite {row['composite_score']:.3f}; Japan {row['japan_strength_score']:.2f}, "
        f"foreign {row['foreign_activity_score']:.2f}, socioeconomic {row['socioeconomic_score']:.2f}; "
        f"maturity {row['maturity']}; {row['n_records']} records",
        highlight=False,
    )
    if len(decision):
        d = decision.iloc[0]
        console.print(
            f"decision: strength {d['strength_score']:.3f}, protect score {d['protect_score']:.3f}, "
            f"nurture score {d['nurture_score']:.3f}; P(protect) {d['p_protect']:.0%}, "
            f"P(nurture) {d['p_nurture']:.0%}, P(monitor) {d['p_monitor']:.0%} → {d['stable_class']}; "
            f"Japan's papers {d['home_papers']:.1f}, patent families {d['home_patents']:.1f}, "
            f"top-10% papers {d['home_top10']:.1f}"
            + (f"; small counts: {d['small_counts']}" if d["small_counts"] else ""),
            highlight=False,
        )
    console.print(f"\n{row['rationale_en']}\n{row['rationale_ja']}\n", highlight=False)
    if len(indicators):
        top = indicators[indicators["country"].isin(["JP", "WORLD"]) | indicators["country"].isna()]
        top = top.sort_values(["indicator", "window"]).drop_duplicates(
            ["indicator", "country"], keep="last"
        )
        table = Table(
            "indicator",
            "country",
            "window",
            "value",
            title="indicators (Japan and world, latest window)",
        )
        for ind in top.itertuples():
            table.add_row(
                ind.indicator, str(ind.country or ""), str(ind.window or ""), _num(ind.value)
            )
        console.print(table)
    windows = sorted({str(w) for w in evidence["window"].dropna()})
    table = Table(
        "axis",
        "#",
        "indicator",
        "kind",
        "date",
        "title",
        "record_id",
        title="evidence documents" + (f" (window {', '.join(windows)})" if windows else ""),
    )
    for ev in evidence.itertuples():
        table.add_row(
            ev.axis,
            str(ev.rank),
            str(ev.indicator or ""),
            str(ev.kind),
            _ts(ev.published_date)[:10],
            str(ev.title)[:70],
            ev.record_id,
        )
    console.print(table)


def diff(
    from_scan: Annotated[str, typer.Option("--from", help="Earlier scan id.")],
    to_scan: Annotated[str, typer.Option("--to", help="Later scan id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    home: HomeOpt = None,
    allow_failed: AllowFailedOpt = False,
) -> None:
    """What changed between two scans: rank moves beyond the band, class changes, new terms."""
    import scoring

    try:
        store = _reader(home)
        for s in (from_scan, to_scan):
            _refuse_unfinished(store, s, allow_failed)
        old, new = (_scan_frames(store, s) for s in (from_scan, to_scan))
        changes = scoring.diff_scans(
            old, new,
            old_emerging=old.pop("emerging_terms"), new_emerging=new.pop("emerging_terms"),
            old_records=old.pop("policy"), new_records=new.pop("policy"),
        )  # fmt: skip
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(changes.to_json(orient="records", force_ascii=False, indent=2) + "\n")
        return
    table = Table(*[str(c) for c in changes.columns], title=f"changes {from_scan} → {to_scan}")
    for row in changes.itertuples(index=False):
        table.add_row(*[_num(v) if isinstance(v, float) else str(v) for v in row])
    console.print(table if len(changes) else "no changes")


def _scan_frames(store: Any, scan_id: str) -> dict[str, pd.DataFrame]:
    """What a diff compares: the list, indicators, evidence, emerging terms, policy by domain."""
    frames = {name: store.read(name, scan_id) for name in ("scores", "indicators", "evidence")}
    frames["emerging_terms"] = store.read("emerging_terms", scan_id)
    records = store.corpus("records", scan_id)
    domains = store.corpus("assignments", scan_id)[["record_id", "domain"]]
    frames["policy"] = records[records["kind"] == "policy"].merge(domains, on="record_id")
    return frames


def _refuse_unfinished(store: Any, scan_id: str, allow: bool) -> None:
    """Refuse a failed or unfinished scan (exit 2), or read it with a warning on stderr."""
    row = store.scan(scan_id)
    reason = refuse_unfinished(row, allow)
    if reason:
        err.print(
            f"warning: scan {scan_id} is {row['status']} ({reason[:300]}): its tables may be"
            " incomplete; the figures are not a finding",
            highlight=False,
        )


def _f(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)


def _num(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.4g}"


def _ts(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)[:19]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(scan)
    app.command()(scans)
    app.command()(show)
    app.command()(diff)
