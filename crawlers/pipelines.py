"""The crawl's output files and the item pipeline that writes them.

One crawl writes into its out folder: `records.jsonl`, `quarantine.jsonl`, `responses.jsonl`,
`summary.json` and `checkpoint.json` (where each paged query stands, for resuming after a kill).
Lines are appended and flushed page by page; the checkpoint is replaced atomically after the
page's records are on disk, so a resumed crawl re-reads at most one page and writes nothing twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawlers.items import PageItem
from horizon.write_errors import WriteError, describe, find_write_error

RECORDS = "records.jsonl"
QUARANTINE = "quarantine.jsonl"
RESPONSES = "responses.jsonl"
SUMMARY = "summary.json"
CHECKPOINT = "checkpoint.json"
#: A running crawl rewrites its summary every this many pages (progress for whoever watches).
PROGRESS_PAGES = 25


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace a JSON file in one step (a reader never sees half of it, nor a truncated one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1, default=str))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def valid_output(out_dir: Path) -> str | None:
    """Why a stopped crawl's files cannot be continued from ('' → None when they can).

    A write refused mid-crawl (a full disk) can leave a truncated checkpoint or a torn line in
    the middle of a file; continuing from them would skip the pages they lost. Only the last line
    of a file may be torn (a kill mid-write), and the checkpoint must read whole.
    """
    try:
        state = json.loads((out_dir / CHECKPOINT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{CHECKPOINT} unreadable ({exc.__class__.__name__})"
    if not isinstance(state, dict) or not isinstance(state.get("chains"), dict):
        return f"{CHECKPOINT} holds no chains"
    for name in (RECORDS, QUARANTINE, RESPONSES):
        path = out_dir / name
        if not path.exists():
            continue
        lines = path.read_bytes().split(b"\n")
        for line in lines[:-1]:  # the last piece is the torn tail, or empty
            try:
                json.loads(line) if line.strip() else None
            except ValueError:
                return f"{name} has a torn line before its end"
    return None


def peak_rss_mb() -> int:
    """This process's peak resident memory in MB: the high-water mark of its own address space
    (ru_maxrss would count the parent's RSS at the fork that started the crawl child)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file; a torn last line (killed mid-write) is skipped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


class CrawlOutput:
    """The files of one crawl, appended as it goes; `resume=True` keeps what is there."""

    def __init__(self, out_dir: Path, source: str, *, resume: bool) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.source = source
        self.chains: dict[str, dict[str, Any]] = {}
        self.record_ids: set[str] = set()
        self.counts = {"responses": 0, "records": 0, "quarantined": 0}
        self.errors: list[str] = []
        #: The first write the disk refused (one line); after it the crawl writes nothing more.
        self.write_error: str | None = None
        if resume:
            self._reload()
        else:
            for name in (RECORDS, QUARANTINE, RESPONSES, CHECKPOINT, SUMMARY):
                (self.dir / name).unlink(missing_ok=True)
        self._files = {
            name: (self.dir / name).open("a", encoding="utf-8")
            for name in (RECORDS, QUARANTINE, RESPONSES)
        }

    def _reload(self) -> None:
        self._trim_torn_lines()
        for row in read_jsonl(self.dir / RECORDS):
            self.record_ids.add(row["record_id"])
        self.counts["records"] = len(self.record_ids)
        self.counts["quarantined"] = len(read_jsonl(self.dir / QUARANTINE))
        self.counts["responses"] = len(read_jsonl(self.dir / RESPONSES))
        path = self.dir / CHECKPOINT
        if path.exists():
            try:
                self.chains = json.loads(path.read_text(encoding="utf-8")).get("chains", {})
            except (json.JSONDecodeError, AttributeError):
                self.chains = {}

    def _trim_torn_lines(self) -> None:
        for name in (RECORDS, QUARANTINE, RESPONSES):
            path = self.dir / name
            if path.exists():
                data = path.read_bytes()
                if data and not data.endswith(b"\n"):
                    path.write_bytes(data[: data.rfind(b"\n") + 1])

    # -- writing ------------------------------------------------------------------------------
    def add_response(self, row: dict[str, Any]) -> None:
        """One row of the store's raw_responses table."""
        self._write(RESPONSES, row)
        self.counts["responses"] += 1

    def refuse_writes(self, exc: BaseException, path: Path | None = None) -> WriteError:
        """Stop writing after a refused write: drop the checkpoint, so the next crawl into this
        folder fetches again instead of trusting files that lost pages; the error, for raising."""
        error = exc if isinstance(exc, WriteError) else WriteError(describe(exc, path or self.dir))
        if self.write_error is None:
            self.write_error = error.message
            self.add_error(error.message)
        (self.dir / CHECKPOINT).unlink(missing_ok=True)
        return error

    @contextlib.contextmanager
    def _writing(self, path: Path) -> Iterator[None]:
        if self.write_error is not None:
            raise WriteError(self.write_error)
        try:
            yield
        except OSError as exc:
            if find_write_error(exc) is None:
                raise
            raise self.refuse_writes(exc, path) from exc

    def add_page(self, item: PageItem) -> None:
        """A page's records and rejects, then its chain's checkpoint."""
        with self._writing(self.dir / RECORDS):
            self._add_page(item)

    def _add_page(self, item: PageItem) -> None:
        for record in item.records:
            if record.record_id in self.record_ids:
                continue
            self.record_ids.add(record.record_id)
            self._files[RECORDS].write(record.model_dump_json() + "\n")
            self.counts["records"] += 1
        for reject in item.rejects:
            self._files[QUARANTINE].write(reject.model_dump_json() + "\n")
            self.counts["quarantined"] += 1
        self._files[RECORDS].flush()
        self._files[QUARANTINE].flush()
        if item.chain is not None:
            state = self.chains.setdefault(item.chain, {"pages": 0})
            if item.ended:
                state["pages"] = int(state.get("pages", 0)) + 1
                state["hits"] = int(state.get("hits", 0)) + item.hits
                state["next_url"] = item.next_url
                state["next_page"] = item.next_page
                state["done"] = item.next_url is None
                state["failed"] = bool(item.stopped)
                if item.stopped:
                    state["done"], state["error"] = False, item.stopped
            else:  # the page did not parse: keep pointing at it so a resume retries it
                state["failed"] = True
                state["error"] = item.rejects[0].reason if item.rejects else "unparseable page"
            write_json_atomic(self.dir / CHECKPOINT, {"source": self.source, "chains": self.chains})
            if self.pages % PROGRESS_PAGES == 0:
                self.write_summary(finished=False, reason="running")

    @property
    def pages(self) -> int:
        """Pages of every chain written so far."""
        return sum(int(v.get("pages", 0)) for v in self.chains.values())

    def note_chain(self, chain: str, **fields: Any) -> None:
        """Keep facts about a chain in its checkpoint (hits announced, how its window was split)."""
        self.chains.setdefault(chain, {"pages": 0}).update(fields)
        write_json_atomic(self.dir / CHECKPOINT, {"source": self.source, "chains": self.chains})

    def fail_chain(self, chain: str, reason: str) -> None:
        """Mark a chain as stopped on an error (kept for the next resume)."""
        state = self.chains.setdefault(chain, {"pages": 0})
        state["failed"] = True
        state["error"] = reason
        with self._writing(self.dir / CHECKPOINT):
            write_json_atomic(self.dir / CHECKPOINT, {"source": self.source, "chains": self.chains})

    def add_error(self, message: str) -> None:
        """An error the summary reports (already redacted)."""
        if len(self.errors) < 200:
            self.errors.append(message[:500])

    def _write(self, name: str, row: dict[str, Any]) -> None:
        with self._writing(self.dir / name):
            fh = self._files[name]
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            fh.flush()

    def write_summary(
        self, *, finished: bool, reason: str | None = None, complete_through: str | None = None
    ) -> dict[str, Any]:
        """Write and return summary.json (`complete_through`: the last day through which every
        query's date window was fetched completely, where the queries have windows)."""
        last = {k: v.get("next_page") for k, v in self.chains.items() if v.get("next_page")}
        summary = {
            "source": self.source,
            **self.counts,
            "pages": self.pages,
            "peak_rss_mb": peak_rss_mb(),
            "errors": list(self.errors),
            "finished": finished,
            "reason": reason,
            "chains": len(self.chains),
            "chains_done": sum(1 for v in self.chains.values() if v.get("done")),
            "chains_failed": sorted(k for k, v in self.chains.items() if v.get("failed")),
            "last_page": last,
            "coverage": self.coverage(),
            "complete_through": complete_through,
        }
        if self.write_error is not None:
            summary.update(finished=False, reason="write_error", write_error=self.write_error)
        try:
            write_json_atomic(self.dir / SUMMARY, summary)
        except OSError as exc:
            if find_write_error(exc) is None:
                raise
            self.refuse_writes(exc, self.dir / SUMMARY)
            (self.dir / SUMMARY).unlink(missing_ok=True)  # never a stale "finished"
        return summary

    def coverage(self) -> dict[str, Any]:
        """How much of what the source announced the crawl fetched: its queries (a query's window
        split into parts counts its parts), the hits they announced and those fetched. A split
        query's own first page is not counted: its parts fetch those hits again."""
        leaves = {k: v for k, v in self.chains.items() if not v.get("split")}
        announced = [v["total"] for v in leaves.values() if isinstance(v.get("total"), int)]
        return {
            "queries_planned": sum(1 for k in self.chains if "@" not in k),
            "windows_split": sum(1 for v in self.chains.values() if v.get("split")),
            "windows": len(leaves),
            "windows_complete": sum(
                1
                for v in leaves.values()
                if v.get("done") and not v.get("failed") and not v.get("over_cap")
            ),
            "windows_failed": sum(1 for v in leaves.values() if v.get("failed")),
            "windows_over_cap": sorted(k for k, v in leaves.items() if v.get("over_cap")),
            "hits_announced": sum(announced) if announced else None,
            "hits_fetched": sum(int(v.get("hits", 0)) for v in leaves.values()),
        }

    def close(self) -> None:
        """Flush and close the files (a flush the disk refuses is noted, not raised)."""
        for name, fh in self._files.items():
            try:
                fh.close()
            except OSError as exc:
                if find_write_error(exc) is None:
                    raise
                self.refuse_writes(exc, self.dir / name)


class OutputPipeline:
    """Writes each PageItem through the spider's CrawlOutput."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OutputPipeline:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        """Write a page; other items pass through untouched. A refused write stops the crawl."""
        if isinstance(item, PageItem):
            try:
                self.crawler.spider.output.add_page(item)
            except WriteError:
                stop_crawl(self.crawler, "write_error")
                raise
        return item


def stop_crawl(crawler: Any, reason: str) -> None:
    """Ask Scrapy to close the spider (once; later calls do nothing)."""
    engine = getattr(crawler, "engine", None)
    spider = getattr(crawler, "spider", None)
    if engine is None or spider is None or getattr(crawler, "_horizon_stopping", False):
        return
    from scrapy.utils.defer import deferred_from_coro

    crawler._horizon_stopping = True
    deferred_from_coro(engine.close_spider_async(reason=reason))
