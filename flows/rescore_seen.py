"""An audience's re-scoring of a scan found again without reading the scan's records.

A briefing compares the scan with the previous one as the same audience sees it. The previous
scan's re-scoring was kept when its own briefing was written (`stages.rescore_visible`), under a
hash of every value of the visible records; finding it that way means reading those records
(every scored column) into pandas to hash them again. Here the same rows and columns are summed
in DuckDB instead (their count and two order-free sums of row hashes, as `reuse.corpus_digest`
does for the score stage), and that digest names the kept re-scoring. A digest never seen, or a
re-scoring no longer kept, falls back to reading the records and hashing them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flows import stages
from flows.briefing_corpus import VISIBLE
from flows.briefing_scope import RECORD_COLUMNS, Rescore
from horizon.store import Store

#: The record columns a re-scoring is keyed by (`rescore_path` keys the frame it is given:
#: the briefing reads RECORD_COLUMNS).
KEYED = [c for c in RECORD_COLUMNS.split(", ") if c.strip('"') not in stages.UNSCORED_COLUMNS]


@dataclass(frozen=True)
class KeptRescore:
    """`stages.rescore_visible` for a scan's briefings, which also names each re-scoring of a
    scan's visible records by their digest, and finds a named one again from the digest."""

    ctx: stages.ScanContext

    def __call__(self, records: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The re-scoring of `records` (any records: not named)."""
        return stages.rescore_visible(self.ctx, records)

    def for_scan(self, store: Store, scan_id: str, labels: list[str]) -> Rescore:
        """The re-scoring of a scan's records that `labels` allow, named by their digest."""

        def run(records: pd.DataFrame) -> dict[str, pd.DataFrame]:
            path = stages.rescore_path(self.ctx, records)
            result = stages.rescore_visible(self.ctx, records, path)
            self._name(self.digest(store, scan_id, labels), path)
            return result

        return run

    def known(self, store: Store, scan_id: str, labels: list[str]) -> dict[str, Any] | None:
        """The kept re-scoring of a scan's records that `labels` allow, if it was named."""
        index = self._folder() / f"{self.digest(store, scan_id, labels)}.json"
        try:
            kept = self._folder().parent / json.loads(index.read_text("utf-8"))["file"]
            with kept.open("rb") as fh:
                result = pickle.load(fh)  # written by rescore_visible, in this workspace
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError,
                AttributeError):  # fmt: skip
            return None
        for path in (kept, index):  # in use: kept by the pruning
            with contextlib.suppress(OSError):
                os.utime(path)
        return result

    def digest(self, store: Store, scan_id: str, labels: list[str]) -> str:
        """Every value of the keyed columns of the records `labels` allow in a scan's corpus, in
        any row order, with what else fixes a re-scoring (`stages.rescore_prefix`)."""
        cols = ", ".join(KEYED)
        sums = store.corpus_query(
            f"SELECT count(*)::VARCHAR AS n, sum(hash({cols})::HUGEINT)::VARCHAR AS a,"
            f" sum(hash({cols}, 'horizon')::HUGEINT)::VARCHAR AS b FROM ({VISIBLE})",
            scan_id,
            [labels],
        )
        parts = [stages.rescore_prefix(self.ctx), KEYED, sums.iloc[0].tolist()]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _folder(self) -> Path:
        return self.ctx.workspace.home / "cache" / "rescore" / "seen"

    def _name(self, digest: str, kept: Path) -> None:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{digest}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(json.dumps({"file": kept.name}), encoding="utf-8")
        os.replace(tmp, folder / f"{digest}.json")
        stages.prune_files(folder, "*.json", stages.RESCORE_KEEP_DAYS)
