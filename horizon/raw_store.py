"""The raw responses of every crawl, kept as they came.

Apart from the warehouse (horizon.store) so a crawl process imports neither pandas nor DuckDB.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class RawStore:
    """Response bodies kept immutable on disk, gzip-compressed, addressed by sha256."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Where a body with this hash lives."""
        return self.root / sha256[:2] / f"{sha256}.gz"

    def put(self, body: bytes) -> tuple[str, Path]:
        """Store a body once; returns its sha256 and path."""
        sha = hashlib.sha256(body).hexdigest()
        return sha, self._write(sha, lambda out: out.write(body))

    def put_file(self, source: Path, chunk: int = 1024 * 1024) -> tuple[str, Path]:
        """Store a body that is a file on disk (a bulk file), read in chunks, never whole."""
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
        sha = digest.hexdigest()

        def copy(out: Any) -> None:
            with open(source, "rb") as fh:
                while block := fh.read(chunk):
                    out.write(block)

        return sha, self._write(sha, copy)

    def _write(self, sha256: str, write: Callable[[Any], object]) -> Path:
        """The body's file, written once through `write(gzip file)` into a temporary file that
        replaces the path when whole: a full disk leaves no half body behind."""
        path = self.path_for(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{time.monotonic_ns()}")
            try:
                with gzip.open(tmp, "wb", compresslevel=5) as out:
                    write(out)
                tmp.replace(path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return path

    def get(self, sha256: str) -> bytes:
        """A stored body."""
        with gzip.open(self.path_for(sha256), "rb") as fh:
            return fh.read()
