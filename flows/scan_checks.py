"""The checks stage: what a scan found, as data stored with it (`checks` in the scan's counts),
printed at its end and carried into every briefing's manifest."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from flows.stages import ScanContext

NOT_YET = "not available: no such report exists yet"


def coverage_gaps(row: dict[str, Any]) -> list[str]:
    """What one source's crawl left uncovered, from its row of the coverage report ([]: none)."""
    gaps = []
    if not row.get("finished"):
        gaps.append(f"not finished ({row.get('reason') or 'no reason given'})")
    if row.get("windows_failed"):
        gaps.append(f"{row['windows_failed']} of {row.get('windows')} windows failed")
    if row.get("windows_over_cap"):
        gaps.append(f"{row['windows_over_cap']} one-day windows over the result cap")
    announced, fetched = row.get("hits_announced"), row.get("hits_fetched")
    if announced and fetched is not None and fetched < announced:
        gaps.append(f"{fetched} of {announced} announced hits fetched")
    return gaps


def coverage_summary(checks: dict[str, Any] | None) -> str:
    """A scan's coverage in a few words, from the coverage report in its checks: `complete`,
    `partial: N of M sources`, or nothing when the scan has no report (checked before it existed,
    or not checked yet)."""
    report = (checks or {}).get("coverage")
    if not isinstance(report, dict) or not isinstance(report.get("sources"), dict):
        return ""
    rows = report["sources"]
    partial = sorted(name for name, row in rows.items() if coverage_gaps(row))
    if not partial:
        return "complete" if rows else "no sources"
    return f"partial: {len(partial)} of {len(rows)} sources"


def coverage_report(
    crawled: dict[str, Any] | None, *, demo: bool = False, recorded: bool = False
) -> dict[str, Any]:
    """What each source's crawl covered, from its summary: finished or why not, the queries and
    date windows it planned (split, complete, failed, over the source's result cap) and the hits
    the source announced against those fetched. A warning per source that did not cover its plan."""
    rows: dict[str, Any] = {}
    warnings: list[str] = []
    for name, summary in sorted((crawled or {}).items()):
        if not isinstance(summary, dict):
            continue
        cov = summary.get("coverage") or {}
        row = {
            "finished": bool(summary.get("finished")),
            "reason": summary.get("reason"),
            "records": summary.get("records"),
            "queries_planned": cov.get("queries_planned"),
            "windows": cov.get("windows"),
            "windows_split": cov.get("windows_split"),
            "windows_complete": cov.get("windows_complete"),
            "windows_failed": cov.get("windows_failed"),
            "windows_over_cap": len(cov.get("windows_over_cap") or ()),
            "hits_announced": cov.get("hits_announced"),
            "hits_fetched": cov.get("hits_fetched"),
            "complete_through": summary.get("complete_through"),
        }
        rows[name] = row
        gaps = coverage_gaps(row)
        if gaps:
            warnings.append(f"coverage: {name}: " + "; ".join(gaps))
    if demo:
        note = "demo corpus served on loopback: coverage of the demo's own pages, not of a source"
    elif recorded:
        note = "recorded responses served on loopback: coverage of the recordings, not of a source"
    else:
        note = "live crawl: hits as each source announced them"
    return {"sources": rows, "note": note, "warnings": warnings}


def run_checks(
    ctx: ScanContext, recorded: dict[str, Any] | None = None, crawled: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check the scan's records, assignments and indicators; `recorded` is the recordings'
    coverage of a recorded-data scan, `crawled` each source's crawl summary."""
    from scoring.calibration import calibration
    from scoring.quality import quality_checks

    store = ctx.workspace.store()
    weights = ctx.weights()
    weighted = [n for a in weights.axes.values() for n, w in a.indicators.items() if w > 0]
    checks = quality_checks(
        store.corpus("records", ctx.scan_id, "record_id, source, kind, language"),
        store.corpus("assignments", ctx.scan_id, "DISTINCT record_id"),
        store.read("indicators", ctx.scan_id),
        [d.slug for d in ctx.taxonomy().domains],
        weighted,
    )
    checks["as_of"] = ctx.as_of
    checks["coverage"] = coverage_report(crawled, demo=ctx.demo, recorded=recorded is not None)
    checks["warnings"].extend(checks["coverage"]["warnings"])
    checks["calibration"] = calibration(
        store.corpus("records", ctx.scan_id, "record_id, kind, countries, codes"),
        store.corpus("assignments", ctx.scan_id, "record_id, domain"),
        demo=ctx.demo,
        recorded=recorded is not None,
    )
    checks["warnings"].extend(checks["calibration"]["warnings"])
    if recorded is not None:
        checks["recordings"] = {
            name: {
                "served": c["served"],
                "not_asked": len(c["not_asked"]),
                "unused": len(c["unused"]),
            }
            for name, c in recorded["sources"].items()
        }
        checks["sources_without_recordings"] = recorded["skipped_sources"]
        checks["folders_no_spider_reads"] = recorded["folders_no_spider_reads"]
    return checks


def summary(checks: dict[str, Any] | None) -> str:
    """One word or two for a listing: ok, N warnings, or nothing when no checks ran."""
    if not checks:
        return ""
    n = len(checks.get("warnings") or [])
    return "ok" if not n else f"{n} warning{'s' * (n != 1)}"


def print_checks(console: Console, checks: dict[str, Any]) -> None:
    """The checks as tables, then each warning loudly."""
    kinds = sorted({k for per in checks["records"].values() for k in per})
    table = Table("source", *kinds, title="records per source and kind")
    for source, per in sorted(checks["records"].items()):
        table.add_row(source, *(str(per.get(k, "")) for k in kinds))
    console.print(table)
    table = Table("", "records", "with a domain", "share", title="records given a domain")
    for by in ("kind", "language"):
        for key, s in checks["domain_share"][by].items():
            style = "bold red" if s["records"] and not s["with_domain"] else ""
            table.add_row(f"{by} {key}", str(s["records"]), str(s["with_domain"]),
                          f"[{style}]{s['share']:.1%}[/]" if style else f"{s['share']:.1%}")  # fmt: skip
    console.print(table)
    ind = checks["indicators"]
    constant = ", ".join(f"{i['indicator']} ({i['value']:g})" for i in ind["constant"]) or "none"
    single = ", ".join(f"{i['indicator']} ({i['domain']})" for i in ind["one_domain"]) or "none"
    console.print(f"indicators constant across domains: {constant}", highlight=False)
    console.print(f"indicators non-zero in one domain only: {single}", highlight=False)
    print_coverage(console, checks.get("coverage", checks.get("coverage_report")))
    print_calibration(console, checks.get("calibration"))
    if "recordings" in checks:
        served = ", ".join(f"{s} {c['served']}" for s, c in checks["recordings"].items())
        console.print(f"recordings served: {served}", highlight=False)
        for what in ("sources_without_recordings", "folders_no_spider_reads"):
            if checks.get(what):
                console.print(
                    f"{what.replace('_', ' ')}: {', '.join(checks[what])}", highlight=False
                )
    for warning in checks["warnings"]:
        console.print(f"[bold red]WARNING: {warning}[/]", highlight=False)


def print_calibration(console: Console, check: dict[str, Any] | str | None) -> None:
    """Japan's share per field against the published one (older scans stored a sentence)."""
    if not isinstance(check, dict):
        console.print(f"calibration: {check or NOT_YET}", highlight=False)
        return
    table = Table("field", "records with a country", "Japan in scan", "Japan published", "ratio",
                  "", title="calibration against published statistics (NSF SEI)")  # fmt: skip
    for row in check["fields"]:
        flagged = row["field"] in check["flagged"]
        share = "" if row["scan_share"] is None else f"{row['scan_share']:.1%}"
        ratio = "" if row["ratio"] is None else f"×{row['ratio']:.2f}"
        verdict = f"[bold red]{row['verdict']}[/]" if flagged else row["verdict"]
        table.add_row(row["label"], str(row["with_country"]), share,
                      f"{row['published_share']:.1%} ({row['table']})", ratio, verdict)  # fmt: skip
    console.print(table)
    console.print(f"calibration: {check['note']}", highlight=False)


def print_coverage(console: Console, report: dict[str, Any] | str | None) -> None:
    """Per source: finished, windows complete of planned (split, failed, over the cap), hits
    fetched of announced (older scans stored a sentence)."""
    if not isinstance(report, dict):
        console.print(f"coverage report: {report or NOT_YET}", highlight=False)
        return
    table = Table("source", "finished", "queries", "windows complete", "split", "failed",
                  "over cap", "hits fetched / announced", "complete through",
                  title="coverage per source")  # fmt: skip
    for name, row in report["sources"].items():
        announced = row["hits_announced"]
        hits = f"{row['hits_fetched']} / {announced}" if announced is not None else "—"
        windows = (
            f"{row['windows_complete']} / {row['windows']}" if row["windows"] is not None else "—"
        )
        table.add_row(name, "yes" if row["finished"] else f"no: {row['reason'] or '?'}",
                      _dash(row["queries_planned"]), windows, _dash(row["windows_split"]),
                      _dash(row["windows_failed"]), _dash(row["windows_over_cap"]), hits,
                      row["complete_through"] or "")  # fmt: skip
    console.print(table)
    console.print(f"coverage: {report['note']}", highlight=False)


def _dash(value: Any) -> str:
    return "—" if value is None else str(value)
