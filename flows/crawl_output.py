"""Reading a scan's crawl output: records validated and merged as a set, refusals kept.

Rows the set-based checks are certain of (`horizon.record_batch.certain_rows`) are merged and
made rows column by column (`crawlers.merge.merge_table`); every other row goes through `Record`
and `merge_records` one by one, so each refusal carries the schema's own reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from crawlers.merge import merge_table
from horizon.record_batch import (
    RECORD_JSON_SCHEMA,
    JsonLines,
    certain_rows,
    read_records_jsonl,
)
from horizon.schemas import Record, Reject


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON Lines file; a torn last line (a crawl killed mid-write) is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def schema_reject(source: str, row: dict[str, Any], exc: ValueError) -> dict[str, Any]:
    """The quarantine row of a crawl record the schema refused."""
    return Reject(
        source=source,
        reason=f"record schema: {str(exc).splitlines()[0]}",
        item=str(row.get("record_id"))[:200],
    ).model_dump()


@dataclass
class CrawlOutput:
    """What the crawls of a scan brought: merged record rows, refusals, responses, counts."""

    rows: pa.Table
    parsed: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class _Certain:
    """Rows read as a table that `Record` certainly accepts, with their lines for the rest."""

    tables: list[pa.Table] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)
    lines: list[JsonLines] = field(default_factory=list)

    def add(self, table: pa.Table, mask: np.ndarray, lines: JsonLines) -> None:
        self.tables.append(table.drop_columns([c for c in ("extra",) if c in table.column_names]))
        self.masks.append(mask)
        self.lines.append(lines)

    def records(self, index: np.ndarray) -> list[Record]:
        """`Record`s of rows (numbered over every table) from their lines."""
        first = np.cumsum([0, *map(len, self.lines)])
        which = np.searchsorted(first, index, side="right") - 1
        return [
            Record.model_validate(json.loads(self.lines[f][i - first[f]]))
            for f, i in zip(which.tolist(), np.asarray(index).tolist(), strict=True)
        ]


def _read_records(
    path: Path, source: str, certain: _Certain, rejects: list[dict[str, Any]]
) -> tuple[int, list[Record]]:
    """Certain rows of one crawl's records into `certain`, the others validated by `Record`
    (refusals appended to `rejects`). A file Arrow cannot read strictly goes wholly the second
    way, line by line as before. Returns the number of certain rows and the other records."""
    read = read_records_jsonl(path.read_bytes()) if path.exists() else None
    if read is None:
        n_certain, rows = 0, read_jsonl(path)
    else:
        table, lines = read
        mask = certain_rows(table)
        certain.add(table, mask, lines)
        n_certain, rows = int(mask.sum()), (json.loads(lines[i]) for i in np.flatnonzero(~mask))
    records: list[Record] = []
    for row in rows:
        try:
            records.append(Record.model_validate(row))
        except ValueError as exc:
            rejects.append(schema_reject(source, row, exc))
    return n_certain, records


def read_crawl_output(crawl_dirs: dict[str, Path], *, demo: bool = False) -> CrawlOutput:
    """Every source's records (validated, works found in several sources merged), refusals and
    responses, from each source's crawl folder."""
    certain = _Certain()
    others: list[Record] = []
    out = CrawlOutput(rows=pa.table({}), parsed=0)
    for source, folder in crawl_dirs.items():
        n_bad = len(out.rejects)
        n_certain, records = _read_records(folder / "records.jsonl", source, certain, out.rejects)
        others.extend(records)
        quarantined = list(read_jsonl(folder / "quarantine.jsonl"))
        out.rejects.extend(quarantined)
        out.responses.extend(read_jsonl(folder / "responses.jsonl"))
        out.per_source[source] = {
            "records": n_certain + len(records),
            "quarantined": len(out.rejects) - n_bad,
        }
        out.parsed += n_certain + len(records)
    table = pa.concat_tables(certain.tables) if certain.tables else RECORD_JSON_SCHEMA.empty_table()
    mask = np.concatenate(certain.masks) if certain.masks else np.zeros(0, dtype=bool)
    out.rows = merge_table(table, mask, others, certain.records, demo=demo)
    return out
