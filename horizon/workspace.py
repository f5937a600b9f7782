"""Where a workspace keeps what runs write: the warehouse, raw bodies, crawl output, briefings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from horizon.store import RawStore, Store


@dataclass(frozen=True)
class Workspace:
    """The folder every run writes to (`--home` / `HORIZON_HOME`)."""

    home: Path

    @property
    def warehouse(self) -> Path:
        """The DuckDB file."""
        return self.home / "warehouse.duckdb"

    @property
    def raw_dir(self) -> Path:
        """Raw response bodies by content hash."""
        return self.home / "raw"

    @property
    def models_dir(self) -> Path:
        """Trained artefacts (classifier)."""
        return self.home / "models"

    @property
    def candidates_dir(self) -> Path:
        """Candidate phrases of records by content hash (Parquet parts), for emerging terms."""
        # v2: a phrase no longer spans title and body, nor holds the demo mark; v3: C-value
        # boundaries (adverbs, participle heads, modifiers, LaTeX accents); v4: a hyphenated
        # compound is one token; v5: `keyphrase` and `countable` columns. Older parts are stale.
        return self.home / "cache" / "candidates-v6"

    def scan_dir(self, scan_id: str) -> Path:
        """Per-scan working files (crawl output, Scrapy job state, logs)."""
        return self.home / "scans" / scan_id

    def briefing_dir(self, scan_id: str, audience: str, language: str) -> Path:
        """One briefing folder per scan, audience and language."""
        return (
            self.home / "briefings" / scan_id / f"{audience.lower().replace('+', '-')}-{language}"
        )

    def store(self, *, read_only: bool = False) -> Store:
        """The warehouse as a Store."""
        return Store(self.warehouse, read_only=read_only)

    def raw(self) -> RawStore:
        """The raw body store."""
        return RawStore(self.raw_dir)

    def ensure(self) -> Workspace:
        """Create the folders and migrate the store."""
        for path in (self.home, self.raw_dir, self.models_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.store().migrate()
        return self
