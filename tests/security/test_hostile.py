"""Hostile inputs against every parser: each ends parsed or quarantined, bounded, and leaks nothing."""

from __future__ import annotations

import pytest

from tests.security.harness import BASELINE_MB, OUTCOMES, run_isolated
from tests.security.hostile import SECRETS, Case, all_cases
from tests.security.seeds import TARGETS, context

CASES = all_cases()
#: Generous bounds: a case over these is a hang or a blow-up, not a slow machine.
MAX_SECONDS = 20.0
MAX_RSS_GROWTH_MB = 512


@pytest.fixture(scope="module")
def baseline_mb(trap_env) -> float:
    """Peak RSS of a child that parses nothing (the interpreter and libraries)."""
    outcome = run_isolated(lambda: "", [], trap_env)
    BASELINE_MB.append(outcome.peak_rss_mb)
    return outcome.peak_rss_mb


def _params():
    for case in CASES:
        marks = [pytest.mark.slow] if case.slow else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_hostile_case(case: Case, trap_env, baseline_mb):
    target = TARGETS[case.target]
    forbidden = [
        trap_env.marker,
        *case.forbidden,
        *(SECRETS if case.url != "https://example.org/page" else ()),
    ]

    def run():
        body = case.make(trap_env)
        return target.parse(body, context(case.target, body, url=case.url))

    outcome = run_isolated(run, forbidden, trap_env)
    OUTCOMES[case.target].append((case.name, outcome))
    assert outcome.status in ("parsed", "quarantined"), (
        outcome.status,
        outcome.error_type,
        outcome.reason,
    )
    if outcome.status == "quarantined":
        assert outcome.reason.strip() and "\n" not in outcome.reason
    if case.expect != "any":
        assert outcome.status == case.expect, outcome.reason
    assert outcome.forbidden_found == []
    assert outcome.violations == []
    assert outcome.connections == 0
    assert set(case.want_ids) <= set(outcome.record_ids), outcome.reject_reasons
    assert outcome.elapsed_s < MAX_SECONDS
    assert outcome.peak_rss_mb - baseline_mb < MAX_RSS_GROWTH_MB


def test_suite_covers_every_parser_with_enough_cases():
    assert len(CASES) >= 200
    per_target = {t: sum(c.target == t for c in CASES) for t in TARGETS}
    assert min(per_target.values()) >= 9, per_target
