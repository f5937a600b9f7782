"""Writes that fail for want of space (or a disk that refuses them), told apart and said in a line."""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

#: errno values of a write the disk refused: no space, quota, file too large, read-only, I/O.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})
#: The same refusals as libraries that do not raise OSError (DuckDB, Arrow) put them in words.
_WORDS = re.compile(
    r"no space left on device|disk quota exceeded|file too large|read-only file system"
    r"|not enough space|disk is full|database or disk is full",
    re.IGNORECASE,
)
#: Exit status of a crawl process stopped by a write error (crawlers.run).
EXIT_WRITE_ERROR = 3


class WriteError(OSError):
    """A write the disk refused; its message is one line naming the path and the free space."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ENOSPC, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def find_write_error(exc: BaseException | None) -> BaseException | None:
    """The exception in `exc`'s chain that is a refused write, or None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, WriteError):
            return exc
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            return exc
        if _WORDS.search(str(exc)):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def free_bytes(path: Path | str) -> int | None:
    """Free bytes on the file system holding `path` (its nearest existing parent)."""
    p = Path(path).absolute()
    for candidate in (p, *p.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def describe(exc: BaseException, path: Path | str | None = None) -> str:
    """One line: what the disk said, the path written (its own, else `path`, the folder being
    written), and the space left there."""
    where = getattr(exc, "filename", None) or path
    if isinstance(exc, WriteError):
        return exc.message
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        what = os.strerror(exc.errno)
    else:
        found = _WORDS.search(str(exc))
        what = found.group(0) if found else str(exc).splitlines()[0][:200]
        what = what[:1].upper() + what[1:]
    line = f"write failed: {what}"
    if where:
        free = free_bytes(where)
        line += f" writing {where}"
        if free is not None:
            line += f" ({free / 1e6:.1f} MB free there)"
    return line[:1000]


def as_write_error(exc: BaseException, path: Path | str | None = None) -> WriteError | None:
    """`exc` as a WriteError with its one-line description, or None when it is no refused write."""
    found = find_write_error(exc)
    return None if found is None else WriteError(describe(found, path))
