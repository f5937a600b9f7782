"""A broken configuration file stops `horizon scan` before anything starts: one line, exit 2."""

from __future__ import annotations

import os
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


def test_a_live_scan_with_the_placeholder_contact_is_refused_in_one_line(tmp_path, monkeypatch):
    """The committed contact is a placeholder: a live scan stops before anything starts, naming
    the variable; HORIZON_CONTACT set to a real address lifts the refusal."""
    from flows.common import live_contact_refusal

    monkeypatch.delenv("HORIZON_CONTACT", raising=False)
    cfg = REPO / "data" / "config"
    home = tmp_path / "ws"
    out = CliRunner().invoke(app, ["scan", "--home", str(home), "--config-dir", str(cfg)])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "placeholder" in lines[0] and "HORIZON_CONTACT" in lines[0]
    assert not (home / "warehouse.duckdb").exists()
    assert live_contact_refusal(cfg, {"HORIZON_CONTACT": "mailto:ops@horizon-scan.org"}) is None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_without_a_prefect_server_refuses_in_one_line(tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # no API in the environment nor in the settings (a test harness may have set one)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        out = CliRunner().invoke(app, ["serve", "--home", str(tmp_path / "ws")])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "prefect server start" in lines[0]
    assert "serving" not in out.output


def test_serve_with_an_unreachable_server_refuses_in_one_line(tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{_free_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    out = CliRunner().invoke(app, ["serve", "--home", str(tmp_path / "ws")])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"PREFECT_API_URL={url}: no Prefect server answers" in lines[0]


def test_health_check_accepts_a_server_that_answers(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from flows.cli_ops import api_unreachable

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            code = 200 if self.path == "/api/health" else 404
            self.send_response(code)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert api_unreachable(f"{base}/api") is None
        assert api_unreachable(f"{base}/other") == "the Prefect server answers HTTP 404 to /health"
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    "args",
    [
        ["brief", "--audience", "green", "--lang", "en"],
        ["show"],
        ["scans"],
        ["diff", "--from", "a", "--to", "b"],
        ["show", "--domain", "quantum"],
    ],
)
def test_reading_an_empty_workspace_creates_nothing(tmp_path, args):
    home = tmp_path / "ws"
    home.mkdir()
    out = CliRunner().invoke(app, [*args, "--home", str(home)])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no store here yet; run `horizon scan`" in lines[0], out.stderr
    assert list(home.iterdir()) == []


@pytest.mark.parametrize("kind", ["under a file", "unwritable"])
def test_an_unusable_home_or_out_is_one_line(tmp_path, kind):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    if kind == "under a file":
        bad = blocker / "ws"
    else:
        bad = tmp_path / "ro"
        bad.mkdir()
        bad.chmod(0o500)
        if os.access(bad, os.W_OK):  # root writes anywhere: a folder under a file is the case then
            bad = blocker / "ro"
    for args in (["scan", "--demo", "--home", str(bad)],
                 ["brief", "--audience", "clear", "--home", str(tmp_path), "--out", str(bad)]):  # fmt: skip
        out = CliRunner().invoke(app, args)
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert out.exit_code == 2, out.output
        assert len(lines) == 1 and "not a folder this user can write" in lines[0], out.stderr
        assert "Traceback" not in out.output
