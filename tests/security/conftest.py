"""Security suite set-up: the trap environment, hypothesis profiles, and the closing summary."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.security.harness import BASELINE_MB, OUTCOMES, Env, make_env
from tests.security.hosts import MEASURED, install_tripwire

# Short by default (CI); `HYPOTHESIS_PROFILE=long` for the on-demand run. No example database:
# the suite writes nothing outside its temporary workspace.
settings.register_profile(
    "security-short",
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "security-long",
    max_examples=5_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Own profile names, so another suite's "long" profile cannot change these counts.
FUZZ_PROFILE = (
    "security-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "security-short"
)


@pytest.fixture(scope="session")
def trap_env():
    """Loopback trap listener and planted files, shared by all hostile cases."""
    with tempfile.TemporaryDirectory(prefix="horizon-security-") as root:
        env: Env = make_env(Path(root))
        yield env
        env.listener.close()


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Crawl children started in the test refuse and log connections off this machine; the
    returned file lists every address they tried (empty when the guards held)."""
    return install_tripwire(tmp_path / "tripwire", monkeypatch)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Cases per parser, parsed vs quarantined, worst peak memory and time, secrets found; the
    crawl bounds measured on loopback."""
    if MEASURED:
        terminalreporter.section("crawl bounds (loopback attacks on the crawl child)")
        terminalreporter.write_line(f"{'case':42} {'peak RSS MB':>11} {'s':>6}  outcome")
        for case, peak, seconds, outcome in MEASURED:
            terminalreporter.write_line(f"{case:42} {peak:11.0f} {seconds:6.1f}  {outcome[:90]}")
    if not OUTCOMES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hostile-input summary")
    write(
        f"{'parser':28} {'cases':>5} {'parsed':>6} {'quar.':>5} {'other':>5} {'peak MB':>8} {'max s':>6}"
    )
    total = worst = slowest = 0.0
    secrets = connections = 0
    for target in sorted(OUTCOMES):
        rows = [o for _, o in OUTCOMES[target]]
        parsed = sum(o.status == "parsed" for o in rows)
        quarantined = sum(o.status == "quarantined" for o in rows)
        peak = max(o.peak_rss_mb for o in rows)
        longest = max(o.elapsed_s for o in rows)
        worst, slowest, total = max(worst, peak), max(slowest, longest), total + len(rows)
        secrets += sum(len(o.forbidden_found) for o in rows)
        connections += sum(o.connections for o in rows)
        other = len(rows) - parsed - quarantined
        write(
            f"{target:28} {len(rows):5d} {parsed:6d} {quarantined:5d} {other:5d} {peak:8.0f} {longest:6.2f}"
        )
    name, _ = max(
        ((n, o) for rows in OUTCOMES.values() for n, o in rows), key=lambda x: x[1].peak_rss_mb
    )
    base = BASELINE_MB[0] if BASELINE_MB else 0.0
    write(
        f"total cases {int(total)}; worst peak RSS {worst:.0f} MB ({name}; idle child {base:.0f} MB);"
        f" longest {slowest:.2f} s"
    )
    write(
        f"forbidden strings (secrets, planted files, active content) found: {secrets}; "
        f"connections to the loopback trap: {connections}"
    )
