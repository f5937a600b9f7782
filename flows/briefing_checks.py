"""What a briefing's manifest tells of the scan itself (its message and checks), as the audience
may see it: no name or URL of a source or feed labelled above the audience, and no count computed
with documents it may not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flows.briefing_corpus import visible_labels, visible_records
from flows.briefing_scope import WITHHELD_TEXT, Scoped
from horizon.schemas import Sharing
from horizon.store import Store

REPO = Path(__file__).resolve().parents[1]
#: Shorter fragments (a path like `/rss`) would blank unrelated text; the whole URL still counts.
MIN_FRAGMENT = 4


def scan_sources(scan: dict[str, Any], config_dir: Path) -> Any:
    """The sources config a scan crawled with (a demo scan's own folder), or None if unreadable."""
    from horizon.config import ConfigError, load_sources

    params = json.loads(scan.get("parameters") or "{}")
    folder = (
        Path(params.get("demo_dir") or REPO / "data" / "demo")
        if scan.get("demo")
        else Path(config_dir)
    )
    try:
        return load_sources(folder / "sources.yaml")
    except (ConfigError, OSError, ValueError):
        return None


def restricted_names(sources: Any, audience: Sharing) -> set[str] | None:
    """Names, chain keys, URLs (plain and redacted), hosts and URL paths of every source and feed
    labelled above the audience; None when the config is unknown (nothing can be vouched for).

    A host shared with feeds the audience may see is listed too: their errors then show as
    withheld, which costs detail, never scope."""
    if sources is None:
        return None
    from crawlers.parsers.common import redact_url

    out: set[str] = set()

    def add_url(url: str) -> None:
        parts = urlsplit(url)
        redacted = redact_url(url)
        for value in (url, redacted, parts.netloc, parts.path, redacted.split(parts.netloc, 1)[-1]):
            if value and len(value) >= MIN_FRAGMENT:
                out.add(value)

    for name, cfg in sources.sources.items():
        if cfg.sharing.level > audience.level:
            out.add(name)
            add_url(cfg.base_url)
        for feed in cfg.feeds or ():
            if feed.sharing.level > audience.level:
                out |= {feed.name, "feed:" + re.sub(r"[^\w.-]+", "_", feed.name)}
                add_url(feed.url)
    return out


def _names_any(text: str, names: Iterable[str]) -> bool:
    return any(n in text for n in names)


def scoped_message(scan: dict[str, Any], audience: Sharing, restricted: set[str] | None) -> Any:
    """The scan's message for the audience: per source that did not finish, its last error when it
    names nothing above the audience; sources labelled above it are left out."""
    message = scan.get("message")
    if not message or audience.level >= Sharing.red.level:
        return message
    counts = _json(scan.get("source_counts"))
    failed = {
        s: c
        for s, c in (counts.get("sources") or {}).items()
        if isinstance(c, dict) and not c.get("finished", False)
    }
    if not failed:  # another kind of message (a failure, an interruption)
        safe = restricted is not None and not _names_any(str(message), restricted)
        return message if safe else WITHHELD_TEXT
    parts = []
    for source, c in failed.items():
        if restricted is None or source not in restricted:
            error = str((c.get("errors") or ["no reason given"])[-1])
            safe = restricted is not None and not _names_any(error, restricted)
            parts.append(f"{source} ({error if safe else WITHHELD_TEXT})")
    return ("sources that did not finish: " + ("; ".join(parts) or WITHHELD_TEXT))[:1000]


def scoped_checks(
    store: Store, scoped: Scoped, restricted: set[str] | None, taxonomy: Any, weights: Any
) -> dict[str, Any] | None:
    """The scan's checks for the audience: recomputed on the visible documents when any is
    withheld; below RED, the recordings' per-source counts left out where a source or feed is
    above the audience (or the config is unknown)."""
    checks = _json(_json(scoped.frames.scan.get("source_counts")).get("checks")) or None
    if checks is None:
        return None
    checks = dict(checks)
    recorded = any(k in checks for k in ("recordings", "sources_without_recordings"))
    below_red = scoped.audience.level < Sharing.red.level
    if below_red and (restricted is None or restricted):
        checks.pop("recordings", None)
    coverage = checks.get("coverage")
    if below_red and isinstance(coverage, dict):
        # Per-source coverage of a source above the audience names it: left out (all of it when
        # the config is unknown), with its warnings.
        def hidden(name: str) -> bool:
            return restricted is None or _names_any(name, restricted)

        rows = {n: r for n, r in coverage.get("sources", {}).items() if not hidden(n)}
        dropped = set(coverage.get("sources", {})) - set(rows)
        checks["coverage"] = {**coverage, "sources": rows}
        checks["coverage"]["warnings"] = [
            w for w in coverage.get("warnings", []) if not any(f": {n}:" in w for n in dropped)
        ]
        checks["warnings"] = [
            w
            for w in checks.get("warnings", [])
            if not any(f"coverage: {n}:" in w for n in dropped)
        ]
    if scoped.withheld.get("documents"):  # unknown labels are withheld even from RED
        checks.update(_recheck(store, scoped, taxonomy, weights, recorded=recorded))
        if isinstance(checks.get("coverage"), dict):  # crawl figures: no document behind them
            checks["warnings"] = list(checks["warnings"]) + list(checks["coverage"]["warnings"])
    return checks


def _recheck(
    store: Store, scoped: Scoped, taxonomy: Any, weights: Any, *, recorded: bool
) -> dict[str, Any]:
    """quality_checks and calibration run again on the visible documents and figures."""
    from scoring.calibration import calibration
    from scoring.quality import quality_checks

    f = scoped.frames
    scan_id = f.scan["scan_id"]
    labels = visible_labels(store, scoped.audience)  # the records of f.records, chosen in DuckDB
    extra = visible_records(store, scan_id, labels, "record_id, language, codes")
    records = f.records.drop(columns=["language", "codes"], errors="ignore").merge(
        extra, on="record_id", how="left"
    )
    domains = (
        [d.slug for d in taxonomy.domains]
        if taxonomy is not None
        else sorted(set(f.scores.get("domain", ())))
    )
    weighted = (
        [n for a in weights.axes.values() for n, w in a.indicators.items() if w > 0]
        if weights is not None
        else []
    )
    assignments = f.assignments.reindex(columns=["record_id", "domain", "share"])
    checks = quality_checks(records, assignments, f.indicators, domains, weighted)
    cal = calibration(
        records[["record_id", "kind", "countries", "codes"]],
        assignments[["record_id", "domain"]],
        demo=bool(f.scan.get("demo")),
        recorded=recorded,
    )
    checks["calibration"] = cal
    checks["warnings"] = list(checks["warnings"]) + list(cal["warnings"])
    return checks


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}
