"""Test set-up: where the shared recorded data is, and a private Prefect home."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Prefect reads these at import time: set them before any test module imports it.
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="horizon-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    """`HORIZON_SHARED`, else `../shared` beside the repository."""
    return Path(os.environ.get("HORIZON_SHARED") or REPO.parent / "shared")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`shared/data`; skipped with the reason where absent, a failure under CI."""
    data = shared_root() / "data"
    if not (data / "SOURCES.md").exists():
        reason = f"shared recorded data not found at {data} (set HORIZON_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must have it")
        pytest.skip(reason)
    return data


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout."""
    return REPO


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness (temporary database) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    # its own default (30 s) is too short for a busy 2-core machine
    with prefect_test_harness(server_startup_timeout=180):
        yield
