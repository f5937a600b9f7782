"""A stage's rows taken from an earlier scan whose inputs were the same, instead of recomputed.

A scan that finds the same corpus as an earlier one (an unchanged week, a re-run) would compute
the same scores and emerging terms: a stage's inputs are fingerprinted (every value of every row
it reads, in any row order) together with the config, the reference date and the code, and a
fingerprint seen before names the scan whose rows are copied, table by table, inside the
warehouse. The fingerprints live in the workspace (`cache/score/`, `cache/emerging/`); a missing
or stale entry only means the stage computes again.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from horizon.schemas import TABLES
from horizon.store import Store

#: Changes when what the fingerprint covers changes.
FINGERPRINT_FORMAT = "1"
_REPO = Path(__file__).resolve().parents[1]


def code_digest(*packages: str) -> str:
    """sha256 of the sources of the flows, scoring and `packages`: a code change never reuses
    rows."""
    h = hashlib.sha256()
    for root in (_REPO / "scoring", _REPO / "flows", *(_REPO / p for p in packages)):
        for path in sorted(root.rglob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    # the reference tables the code reads (calibration shares and the like)
    for path in sorted((_REPO / "data" / "reference").rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def corpus_digest(store: Store, scan_id: str, reads: dict[str, tuple[str, str]]) -> list[Any]:
    """Per table (name → (columns, where)): the rows and two order-free sums of row hashes of the
    corpus as of `scan_id`, as `Store.corpus` reads it; aggregated in DuckDB."""
    out: list[Any] = []
    for table, (columns, where) in reads.items():
        found = store.corpus(
            table,
            scan_id,
            f"count(*)::VARCHAR AS n, sum(hash({columns})::HUGEINT)::VARCHAR AS a,"
            f" sum(hash({columns}, 'horizon')::HUGEINT)::VARCHAR AS b",
            where,
        )
        out.append([table, *found.iloc[0].tolist()])
    return out


def stage_key(parts: list[Any]) -> str:
    """The fingerprint of a stage's inputs."""
    text = json.dumps([FINGERPRINT_FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def find_donor(folder: Path, key: str, store: Store, scan_id: str) -> dict[str, Any] | None:
    """The earlier scan (still finished, with its rows) whose inputs had this fingerprint."""
    path = folder / f"{key}.json"
    try:
        entry = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    donor = entry.get("scan_id")
    if not isinstance(donor, str) or donor == scan_id:
        return None
    with store.connect() as con:
        found = con.execute(
            "SELECT count(*) FROM scans WHERE scan_id = ? AND status IN ('completed', 'partial')",
            [donor],
        ).fetchone()[0]
        if not found:
            return None
        for table, n in entry.get("counts", {}).items():
            have = con.execute(f"SELECT count(*) FROM {table} WHERE scan_id = ?", [donor])
            if have.fetchone()[0] != n:  # rows gone or changed since: compute again
                return None
    return entry


def copy_rows(store: Store, donor: str, scan_id: str, tables: list[str]) -> None:
    """Make `tables`' rows of `scan_id` a copy of the donor's, in one transaction."""
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for table in tables:
                schema = TABLES[table]
                cols = ", ".join("?" if c == "scan_id" else f'"{c}"' for c in schema.names)
                con.execute(f"DELETE FROM {table} WHERE scan_id = ?", [scan_id])
                con.execute(
                    f"INSERT INTO {table} ({schema.quoted}) SELECT {cols} FROM {table}"
                    " WHERE scan_id = ?",
                    [scan_id, donor],
                )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def remember(folder: Path, key: str, scan_id: str, counts: dict[str, int], **extra: Any) -> None:
    """Keep the fingerprint → scan entry, with the rows per table (written atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
    entry = {**extra, "scan_id": scan_id, "counts": counts}
    tmp.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(tmp, folder / f"{key}.json")
