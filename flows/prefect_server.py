"""Prefect's local API server as a child the command owns: it ends with the command, even on kill -9."""

from __future__ import annotations

import signal
import subprocess
import threading
from functools import partial
from typing import Any

from horizon.processes import die_with_parent


class _OwnedSubprocess:
    """The `subprocess` module as Prefect's server module sees it while we start the server:
    the same, except that Popen's child asks the kernel for SIGTERM when we die."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        """subprocess.Popen with the child tied to this process."""
        kwargs.setdefault("preexec_fn", partial(die_with_parent, signal.SIGTERM))
        return subprocess.Popen(*args, **kwargs)


def start_owned_server() -> Any:
    """Start Prefect's temporary local server now, from the main thread, tied to this process.

    Without it Prefect starts the same server on first use, from whichever thread asks, as a
    child that outlives a killed command and keeps its port. Does nothing when PREFECT_API_URL
    names a server (that one is not ours to own). Returns the server, or None.
    """
    from prefect.server.api import server as prefect_server
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    # the kernel signals the child when the thread that forked it ends: it must be the main one
    if threading.current_thread() is not threading.main_thread():
        return None
    server = prefect_server.SubprocessASGIServer()
    real = prefect_server.subprocess
    prefect_server.subprocess = _OwnedSubprocess()  # type: ignore[assignment]
    try:
        server.start()
    finally:
        prefect_server.subprocess = real
    return server
