"""A scan of a generated corpus through the real stages of flows/stages.py, timed per stage.

The records are loaded into the store chunk by chunk (Record validation, merge, rows), as the
normalize stage does, without holding the corpus as Python objects; then entities and assignments
run shard by shard (`stages.run_stage`), emerging terms, scoring and the briefings, as the weekly
flow calls them. Run it in a child process to read its peak RSS (run.py does).

Run: python benchmarks/bench_scan.py --corpus C.parquet --home DIR --scan-id ID --out T.json
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.corpus import JSON_COLUMNS  # noqa: E402
from crawlers.merge import merge_table  # noqa: E402
from flows import stages  # noqa: E402
from flows.stages import ScanContext  # noqa: E402
from horizon.config import config_hashes  # noqa: E402
from horizon.record_batch import RECORD_JSON_SCHEMA, certain_rows  # noqa: E402
from horizon.schemas import Record  # noqa: E402
from horizon.store import Store  # noqa: E402
from horizon.workspace import Workspace  # noqa: E402

CONFIG_DIR = REPO / "data" / "config"
AS_OF = "2026-10-31"
LOAD_ROWS = 20_000


def _items(batch: pa.RecordBatch, index: np.ndarray) -> list[dict[str, Any]]:
    """Rows of a corpus batch as the record fields they hold (JSON columns parsed)."""
    items = batch.take(pa.array(index, pa.int64())).to_pylist()
    for item in items:
        for col in JSON_COLUMNS:
            item[col] = json.loads(item[col]) if item[col] else []
        if item["cited_by_count"] is None:
            del item["cited_by_count"]
    return items


def _typed(batch: pa.RecordBatch) -> pa.Table:
    """A corpus batch with its JSON text columns as Arrow lists and structs (one strict read)."""
    parts = []
    for col in JSON_COLUMNS:
        parts += [f'"{col}":', batch[col]] + ([","] if col != JSON_COLUMNS[-1] else [])
    lines = pc.binary_join_element_wise("{", *parts, "}", "")
    data = "\n".join(lines.to_pylist()).encode()
    schema = pa.schema([RECORD_JSON_SCHEMA.field(col) for col in JSON_COLUMNS])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    parsed = pj.read_json(io.BytesIO(data), parse_options=options)
    table = pa.Table.from_batches([batch]).drop_columns(list(JSON_COLUMNS))
    for col in JSON_COLUMNS:
        table = table.append_column(col, parsed[col])
    return table


def load_records(store: Store, scan_id: str, corpus: Path, rows: int = LOAD_ROWS) -> int:
    """Validate, merge and append the corpus to `records` for a scan, `rows` records at a time.

    As `stages.normalize`: rows checked as a set, the others (none in a generated corpus) and
    works seen twice through `Record` and `merge_records`.
    """
    total = 0
    for batch in pq.ParquetFile(corpus).iter_batches(batch_size=rows):
        table = _typed(batch)
        certain = certain_rows(table)
        others = [Record.model_validate(i) for i in _items(batch, np.flatnonzero(~certain))]
        originals = lambda index, batch=batch: [  # noqa: E731
            Record.model_validate(i) for i in _items(batch, index)
        ]
        rows = merge_table(table, certain, others, originals)
        total += store.append_rows(
            "records", rows.append_column("scan_id", pa.array([scan_id] * rows.num_rows))
        )
    return total


def _timer(progress: Callable[[dict], None] | None) -> Callable[..., Any]:
    """A function that calls fn, keeps its wall and CPU seconds and reports the stages so far.

    `rss_gb` is the process's peak RSS at the end of the stage (a running maximum: the first
    stage where it jumps is the one that needs the memory).
    """

    def timed(timings: dict[str, dict[str, float]], name: str, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()  # CPU: every thread of the process
        out = fn()
        timings[name] = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,  # KiB on Linux
        }
        if progress is not None:
            progress(dict(timings))
        return out

    return timed


def run_scan(
    home: Path,
    corpus: Path,
    scan_id: str,
    *,
    shard_size: int = 50_000,
    languages: tuple[str, ...] = ("ja", "en"),
    emerging: bool = True,
    config_dir: Path = CONFIG_DIR,
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """One scan of `corpus` into the workspace at `home`; seconds per stage and counts.

    `progress` is called with the timings so far after each stage (a long run shows where it is).
    """
    _timed = _timer(progress)
    ws = Workspace(home).ensure()
    store = ws.store()
    store.begin_scan(scan_id, demo=False, code_version="benchmark",
                     config_sha256=config_hashes(config_dir), parameters={"corpus": str(corpus)})  # fmt: skip
    ctx = ScanContext(home=str(home), config_dir=str(config_dir), scan_id=scan_id, as_of=AS_OF)
    t: dict[str, dict[str, float]] = {}
    counts: dict[str, Any] = {}
    counts["records"] = _timed(t, "normalize", lambda: load_records(store, scan_id, corpus))
    counts["extract"] = _timed(t, "extract", lambda: stages.run_stage(ctx, "entities", shard_size))
    if emerging:
        counts["emerging"] = _timed(t, "emerging", lambda: stages.emerging(ctx))
    counts["assign"] = _timed(t, "assign", lambda: stages.run_stage(ctx, "assignments", shard_size))
    counts["score"] = _timed(t, "score", lambda: stages.score(ctx))
    shared: dict = {}  # as the weekly flow does: the languages scope and check the scan once
    for lang in languages:
        _timed(t, f"brief_{lang}", lambda lang=lang: stages.brief(
            ctx, audience="CLEAR", language=lang, run_by="benchmark", shared=shared))  # fmt: skip
    store.finish_scan(scan_id, "completed", source_counts=counts)
    return {
        "seconds": t,
        "total_wall_s": sum(v["wall"] for v in t.values()),
        "total_cpu_s": sum(v["cpu"] for v in t.values()),
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    """Run one scan and write its timings as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--scan-id", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shard-size", type=int, default=50_000)
    ap.add_argument("--no-emerging", action="store_true")
    args = ap.parse_args(argv)
    partial = args.out.with_suffix(".partial.json")

    def progress(timings: dict) -> None:
        partial.write_text(json.dumps(timings, indent=2), encoding="utf-8")

    result = run_scan(args.home, args.corpus, args.scan_id, shard_size=args.shard_size,
                      emerging=not args.no_emerging, progress=progress)  # fmt: skip
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
