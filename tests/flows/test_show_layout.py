"""`horizon show` fits the terminal: the full table when wide, fewer columns, then one block per
domain at 80 columns."""

from __future__ import annotations

import unicodedata

import pytest
from typer.testing import CliRunner

from tests.flows.test_briefing import copy_store


def columns(line: str) -> int:
    """Terminal columns a line takes (wide characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def show(tmp_path, width: int) -> str:
    from flows.cli import app

    home = tmp_path / "home"
    copy_store(home / "warehouse.duckdb")
    out = CliRunner().invoke(app, ["show", "--home", str(home)], env={"COLUMNS": str(width)})
    assert out.exit_code == 0, out.output
    return out.stdout


@pytest.mark.parametrize("width", [80, 100, 120])
def test_show_fits_a_narrow_terminal(tmp_path, width):
    text = show(tmp_path, width)
    lines = text.splitlines()
    assert max(columns(line) for line in lines) <= width
    for domain, label, cls in (
        ("quantum", "量子技術", "protect"),
        ("semiconductors", "半導体", "nurture"),
        ("ai_ml", "人工知能", "monitor"),
    ):
        line = next(i for i, s in enumerate(lines) if domain in s)
        block = " ".join(lines[line : line + 2])  # a row, or a domain's two-line block
        assert label in block and cls in block, (width, block)
    assert "…" not in text  # nothing cut short


def test_show_on_a_wide_terminal_keeps_every_column(tmp_path):
    text = show(tmp_path, 200)
    for head in ("P(prot/nurt/mon)", "Japan", "foreign", "socio", "maturity", "records"):
        assert head in text
    assert "foreign" not in show(tmp_path / "narrow", 120)
