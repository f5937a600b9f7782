"""Build a briefing folder for one scan, audience and language: workbook, CSV, Parquet, data
dictionary, HTML report and manifest, holding nothing above the audience's sharing scope; each
export is recorded in the `exports` audit table.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import ahocorasick
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from flows.briefing_checks import restricted_names, scoped_message
from flows.briefing_excel import write_workbook
from flows.briefing_html import render_report
from flows.briefing_scope import (
    WITHHELD_TEXT,
    BriefingError,
    Rescore,
    Scoped,
)
from flows.briefing_shared import previous_scan_id, scope_both
from flows.briefing_tables import (
    EXPORT_TABLES,
    WITHHELD_NOTE,
    arrow_schema,
    build_tables,
    data_dictionary,
)
from flows.common import RECORDED_NOTE, UNFINISHED_NOTE, scan_data
from horizon.api import (
    Network,
    network_from_assignments,
    normalise_network,
)
from horizon.processes import pid_alive
from horizon.schemas import TABLES, Sharing
from horizon.store import Store, utcnow

__all__ = ["BriefingError", "build_briefing", "previous_scan_id"]

LANGUAGES = ("ja", "en")
_TOKEN_SPLIT = re.compile(r"[\s\"'\[\]{}(),;<>]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def redact(frames: dict[str, pd.DataFrame], ids: frozenset[str], titles: frozenset[str]) -> int:
    """Blank any text cell naming a withheld record (by id token or title); returns cells blanked.

    A last guard behind the filters: with rescoring it finds nothing; with figures kept and marked
    it removes e.g. a rationale that quotes a withheld title. One Aho-Corasick pass per cell, so
    the cost grows with the text, not with text × withheld titles.
    """
    if not ids and not titles:
        return 0
    long_titles = [t for t in titles if len(t) >= 12]
    automaton = None
    if long_titles:
        automaton = ahocorasick.Automaton()
        for title in long_titles:
            automaton.add_word(title, title)
        automaton.make_automaton()

    def leaks(text: str) -> bool:
        if text in titles or (automaton is not None and next(automaton.iter(text), None)):
            return True
        return bool(ids) and any(tok in ids for tok in _TOKEN_SPLIT.split(text))

    count = 0
    for frame in frames.values():
        for col in frame.columns:
            if not (frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col])):
                continue
            hit = _leaking(frame[col], leaks)
            if hit.any():
                frame[col] = frame[col].astype(object)
                frame.loc[hit, col] = WITHHELD_TEXT
                count += int(hit.sum())
    return count


def _leaking(column: pd.Series, leaks: Any) -> pd.Series:
    """Which cells of a column are text that `leaks`; each distinct text is tested once (a
    briefing's columns repeat their domains, countries and titles row after row)."""
    try:
        found = {v for v in pd.unique(column) if isinstance(v, str) and leaks(v)}
    except TypeError:  # unhashable cells (lists): test every one
        return column.map(lambda v: isinstance(v, str) and leaks(v)).astype(bool)
    if not found:
        return pd.Series(False, index=column.index)
    return column.isin(found).astype(bool)


def _network(scoped: Scoped, tables: dict[str, pd.DataFrame], language: str = "en") -> Network:
    f = scoped.frames
    labels = dict(
        zip(tables["priority_list"]["domain"], tables["priority_list"]["domain_label"], strict=True)
    )
    if not f.network_nodes.empty or not f.network_edges.empty:
        nodes = f.network_nodes
        own = f"label_{language}"
        if own in nodes.columns and "label" not in nodes.columns:  # labels in the report's language
            fallback = nodes["label_en"] if "label_en" in nodes.columns else nodes[own]
            nodes = nodes.assign(label=nodes[own].where(nodes[own].notna(), fallback))
        net = normalise_network(nodes, f.network_edges)
        net.nodes["label"] = [
            labels.get(d, lab) if isinstance(d, str) and nid == d else lab
            for nid, d, lab in zip(
                net.nodes["node_id"], net.nodes["domain"], net.nodes["label"], strict=True
            )
        ]
        return net
    return network_from_assignments(f.assignments, labels)


def _csv_cell(value: Any) -> Any:
    """Text that Excel would read as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    out = frame.astype(object).map(_csv_cell) if len(frame) else frame
    out.to_csv(
        path, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )


def _write_parquet(path: Path, frame: pd.DataFrame, name: str, meta: dict[str, Any]) -> None:
    table = pa.Table.from_pandas(
        frame, schema=arrow_schema(EXPORT_TABLES[name]), preserve_index=False
    )
    info = {
        "scan_id": meta["scan_id"],
        "audience": meta["audience"],
        "includes_withheld": meta["includes_withheld"],
    }
    table = table.replace_schema_metadata({b"horizon": json.dumps(info).encode()})
    pq.write_table(table, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: A brief's work folders: `.NAME.tmp-PID-HEX` (being written), `.NAME.old-PID-HEX` (being
#: replaced), and `.NAME.tmp-HEX` as briefs wrote them before they carried their pid.
_WORK_DIR = re.compile(r"^\..+\.(?:tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")


def remove_abandoned(out_dir: Path) -> list[Path]:
    """Remove the hidden work folders beside `out_dir` left by briefs whose process is gone.

    A brief killed before it finished leaves them behind (any audience and language of the scan).
    Folders of a process that still runs are left alone; so is everything else.
    """
    removed: list[Path] = []
    if not out_dir.parent.is_dir():
        return removed
    for path in out_dir.parent.iterdir():  # no glob: the path may hold [ ] * ?
        found = _WORK_DIR.match(path.name)
        if found is None or not path.is_dir():
            continue
        if found["pid"] and pid_alive(int(found["pid"])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _replace_dir(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder in, so a reader never sees a half-written briefing."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)


def _record_export(store: Store, row: dict[str, Any]) -> None:
    with store.connect() as con:
        con.execute(TABLES["exports"].ddl())
    store.append_rows("exports", pd.DataFrame([row]))


def build_briefing(
    store: Store,
    scan_id: str,
    *,
    audience: Sharing | str,
    language: str,
    out_dir: Path,
    taxonomy: Any = None,
    weights: Any = None,
    rescore: Rescore | None = None,
    run_by: str,
    mark_withheld: bool = False,
    sources: Any = None,
    unfinished: str | None = None,
    shared: dict[Any, Any] | None = None,
) -> Path:
    """Write the briefing folder `out_dir` for `audience` in `language`; returns the folder.

    `rescore(visible_records)` recomputes the figures when documents are withheld; without it the
    briefing is refused unless `mark_withheld` labels the figures as including withheld material.
    `sources` (the scan's sources config) tells which sources and feeds are above the audience,
    so the scan's message may name the others; without it no error detail is shown below RED.
    `unfinished` (why the scan did not finish, when it is read anyway) marks the manifest, the
    report's banner and every sheet of the workbook.
    `shared`: a dict the caller keeps between the languages of one scan's briefings for an
    audience; what they have in common (the scan and the previous one as the audience sees them,
    the checks) is computed by the first and read by the others.
    """
    started = time.perf_counter()
    audience = audience if isinstance(audience, Sharing) else Sharing.parse(audience)
    if language not in LANGUAGES:
        raise BriefingError(f"language must be ja or en, got {language!r}")
    restricted = restricted_names(sources, audience)
    key = (
        scan_id,
        audience.value,
        mark_withheld,
        repr(sorted(restricted or ())),
        restricted is None,
    )
    if shared is not None and key in shared:
        scoped, previous, prev_id, checks, rescored, counts = shared[key]
    else:
        scoped, previous, prev_id, checks, rescored, counts = scope_both(
            store, scan_id, audience, rescore, taxonomy, weights, mark_withheld, restricted
        )
        if shared is not None:
            shared.clear()  # one audience's at a time
            shared[key] = (scoped, previous, prev_id, checks, rescored, counts)
    tables = build_tables(scoped, previous, language, taxonomy, counts.trends)
    network = _network(scoped, tables, language)
    ids, titles = scoped.withheld_ids, scoped.withheld_titles
    if previous is not None:
        ids, titles = ids | previous.withheld_ids, titles | previous.withheld_titles
    redacted = redact({**tables, "network": network.nodes}, ids, titles)
    dictionary = data_dictionary()
    created_at = utcnow()
    data = scan_data(scoped.frames.scan)
    status = scoped.frames.scan.get("status")
    warning = (
        UNFINISHED_NOTE[language].format(status=status, reason=unfinished) if unfinished else None
    )
    notes = [warning, RECORDED_NOTE[language] if data == "recorded" else None]
    meta = {
        "scan_id": scan_id,
        "data": data,
        "data_note": " ".join(n for n in notes if n) or None,
        "unfinished": warning,
        "audience": audience.value,
        "language": language,
        "created_at": created_at.isoformat(timespec="seconds") + "Z",
        "run_by": run_by,
        "withheld": scoped.withheld,
        "includes_withheld": scoped.includes_withheld
        or bool(previous and previous.includes_withheld),
        "mark_withheld": mark_withheld,
        "withheld_kept": _kept(scoped, previous),
    }
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        stem = re.sub(
            r"[^A-Za-z0-9._-]",
            "_",
            f"{scan_id}_{audience.value.lower().replace('+', '-')}-{language}",
        )
        for name, frame in tables.items():
            _write_csv(tmp / f"{name}.csv", frame)
            _write_parquet(tmp / f"{name}.parquet", frame, name, meta)
        _write_csv(tmp / "data_dictionary.csv", dictionary)
        about = _about(meta, scoped, prev_id, language)
        scan = scoped.frames.scan
        write_workbook(
            tmp / f"briefing_{stem}.xlsx", tables, dictionary, language, about, warning=warning
        )
        (tmp / f"report_{stem}.html").write_text(
            render_report(
                tables,
                network,
                {
                    **meta,
                    "status": scan.get("status"),
                    "partial_sources": _unfinished(scan, checks, audience, restricted),
                },
                language,
                calibration=_calibration(checks),
                coverage=(checks or {}).get("coverage"),
                probabilities=_probabilities(store, scan_id, scoped, rescored),
                countries=counts.countries,
            ),
            encoding="utf-8",
        )
        files = [
            {"path": p.name, "bytes": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(tmp.iterdir())
            if p.is_file()
        ]
        manifest = {
            **meta,
            "scan": {
                **{
                    k: _plain(scan.get(k))
                    for k in ("status", "started_at", "finished_at", "demo", "code_version")
                },
                "message": scoped_message(scan, audience, restricted),
            },
            "config_sha256": _json_or_empty(scan.get("config_sha256")),
            "checks": checks,
            "source_snapshots": counts.snapshots,
            "previous_scan_id": prev_id,
            "counts": {
                "documents_visible": counts.documents,
                **{n: len(f) for n, f in tables.items()},
            },
            "redacted_cells": redacted,
            "note": WITHHELD_NOTE[language] if meta["includes_withheld"] else None,
            "files": files,
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _record_export(
        store,
        {
            "export_id": uuid.uuid4().hex,
            "scan_id": scan_id,
            "audience": audience.value,
            "language": language,
            "run_by": run_by,
            "created_at": created_at,
            "out_dir": str(out_dir.resolve()),
            "files": files,
            "withheld": {**scoped.withheld, "redacted_cells": redacted},
        },
    )
    return out_dir


def _kept(scoped: Scoped, previous: Scoped | None) -> dict[str, str]:
    """What of the export was computed with withheld documents and kept, table by table."""
    kept = dict(scoped.kept)
    if previous is not None and previous.includes_withheld:
        kept["changes"] = "the previous scan's scores computed with withheld documents"
    return kept


def _about(
    meta: dict[str, Any], scoped: Scoped, prev_id: str | None, language: str
) -> list[tuple[str, Any]]:
    labels = {
        "ja": [
            "スキャンID",
            "提供先(TLP)",
            "言語",
            "作成時刻",
            "作成者",
            "比較対象スキャン",
            "非開示文書数",
            "注記",
        ],
        "en": [
            "Scan",
            "Audience (TLP)",
            "Language",
            "Created",
            "Run by",
            "Previous scan",
            "Documents withheld",
            "Note",
        ],
    }[language]
    values = [
        meta["scan_id"], f"TLP:{meta['audience']}", language, meta["created_at"], meta["run_by"],
        prev_id or "", scoped.withheld["documents"],
        " ".join(n for n in (meta.get("data_note"), meta["includes_withheld"] and WITHHELD_NOTE[language]) if n),
    ]  # fmt: skip
    return list(zip(labels, values, strict=True))


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _probabilities(
    store: Store, scan_id: str, scoped: Scoped, rescored: list[Any]
) -> pd.DataFrame | None:
    """The class probabilities that hold for this audience: the re-scored ones where documents
    were withheld, else the scan's own; None where there are none."""
    if rescored:
        result = rescored[-1]
        found = (
            result.get("class_probabilities")
            if isinstance(result, dict)
            else getattr(result, "class_probabilities", None)
        )
        return found if isinstance(found, pd.DataFrame) else None
    if scoped.withheld["documents"] and not scoped.includes_withheld:
        return None
    return store.read("class_probabilities", scan_id)


def _unfinished(
    scan: dict[str, Any],
    checks: dict[str, Any] | None,
    audience: Sharing,
    restricted: set[str] | None,
) -> list[str]:
    """Sources whose crawl did not fetch every page (the scan is or will be partial), from the
    coverage report as the audience may see it where there is one; below RED, no source above the
    audience (none at all when the sources config is unknown)."""
    coverage = (checks or {}).get("coverage")
    if isinstance(coverage, dict):
        return sorted(s for s, c in coverage.get("sources", {}).items() if not c.get("finished"))
    if audience.level < Sharing.red.level and restricted is None:
        return []
    hidden = (restricted or set()) if audience.level < Sharing.red.level else set()
    sources = _json_or_empty(scan.get("source_counts")).get("sources") or {}
    sources = {s: c for s, c in sources.items() if s not in hidden}
    return sorted(
        s for s, c in sources.items() if isinstance(c, dict) and not c.get("finished", True)
    )


def _calibration(checks: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scan's calibration check as the audience may see it, where it ran (older scans stored
    none)."""
    found = (checks or {}).get("calibration")
    return found if isinstance(found, dict) else None


def _json_or_empty(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else (value or {})
    except ValueError:
        return {}
