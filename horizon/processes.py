"""Child processes that end with the process that started them, and whether a pid still runs."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: prctl(2) option: the signal the kernel sends this process when its parent thread ends.
PR_SET_PDEATHSIG = 1
# loaded in the parent: between fork and exec the child must not take the loader's locks
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `sig` to this process when its parent ends, even by kill -9.

    Meant as a `preexec_fn`, run in the child between fork and exec (Linux only; elsewhere a
    no-op). The signal follows the *thread* that forked: start children from a thread that lives
    as long as they should.
    """
    if _LIBC is None:
        return
    parent = os.getppid()
    _LIBC.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as ended)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
