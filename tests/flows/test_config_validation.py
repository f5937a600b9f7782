"""A broken configuration file stops `horizon scan` before anything starts: one line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, name: str, text: str) -> Path:
    cfg = tmp_path / "config"
    shutil.copytree(REPO / "data" / "config", cfg)
    (cfg / name).write_text(text, encoding="utf-8")
    return cfg


def _broken(name: str) -> str:
    original = (REPO / "data" / "config" / name).read_text(encoding="utf-8")
    if name == "weights.yaml":
        return original.replace("  draws: 1000", "  draws: many", 1)
    if name == "judgements.yaml":
        return (
            "judgements:\n  - domain: warp_drive\n    analyst: a\n    date: 2026-01-01\n"
            "    note: a domain the taxonomy does not have\n"
        )
    if name == "sources.yaml":
        return original.replace("sources:", "sourcse:", 1)
    return original.replace("version:", "version: [\n", 1)  # invalid YAML


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("weights.yaml", "weights.yaml: uncertainty.draws:"),
        ("taxonomy.yaml", "taxonomy.yaml: line"),
        ("judgements.yaml", "judgements.yaml: judgements.0.domain: unknown domain 'warp_drive'"),
        ("sources.yaml", "sources.yaml:"),
    ],
)
def test_broken_config_is_one_line_before_any_scan(tmp_path, name, expect):
    cfg = _config(tmp_path, name, _broken(name))
    home = tmp_path / "ws"
    out = CliRunner().invoke(app, ["scan", "--home", str(home), "--config-dir", str(cfg)])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expect in lines[0], out.stderr
    assert "Traceback" not in out.output
    assert not (home / "warehouse.duckdb").exists()  # no scan was begun
