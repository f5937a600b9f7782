"""Where a source's watermark moves after its crawl: only over the days it fetched completely."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.weekly_scan import watermark_after

STARTED = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"finished": True, "complete_through": None}, STARTED),
        ({"finished": True}, STARTED),  # a source whose queries have no date windows
        ({"finished": False, "complete_through": None}, None),
        ({"finished": False}, None),
        ({"finished": False, "complete_through": "2026-03-31"}, dt.date(2026, 4, 1)),
        ({"finished": False, "complete_through": "2026-12-07"}, STARTED),  # never past the start
    ],
)
def test_the_watermark_moves_only_over_complete_days(summary: dict, expected: object) -> None:
    assert watermark_after(summary, STARTED) == expected
