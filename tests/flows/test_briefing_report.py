"""The HTML report in headless Chromium, and the `horizon brief` command."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.briefing_html import CSP
from tests.flows.test_briefing import brief, copy_store, fake_rescore

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
]  # fmt: skip


def chromium() -> str:
    """Path of Chromium; skipped where absent, a failure under CI (which installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "chromium not installed (Debian package `chromium`)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it")
        pytest.skip(reason)
    return path


def run_chromium(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    """Load a page headless with a throw-away profile."""
    cmd = [chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *extra, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def console_lines(stderr: str) -> list[str]:
    """Console messages (errors, CSP violations, blocked loads) Chromium logged."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG into rows of bytes (zlib and the five scanline filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = (
        zlib.decompress(idat),
        width * channels,
        [],
        bytearray(width * channels),
    )
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def coloured_pixels(rows: list[bytes], channels: int, top: int, bottom: int) -> int:
    """Pixels in a band of rows that are neither white nor grey (the chart's coloured marks)."""
    count = 0
    for row in rows[top:bottom]:
        for i in range(0, len(row), channels):
            r, g, b = row[i], row[i + 1], row[i + 2]
            if max(r, g, b) - min(r, g, b) > 40:
                count += 1
    return count


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    store = copy_store(tmp_path / "warehouse.duckdb")
    return brief(store, tmp_path, "amber", "ja", rescore=fake_rescore([]))


def test_report_is_self_contained(folder):
    html = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    assert f'content="{CSP}"' in html
    assert "<script" not in html.lower()
    assert not re.search(
        r"""(src|href)=["'](https?:)?//""", html.split("<body>")[0]
    )  # nothing fetched in <head>
    assert not re.search(r"<(img|link|iframe|object|embed)\b", html)
    assert html.count('class="point"') == 3 and 'id="network"' in html
    # one per domain with visible documents (AI's one document is above TLP:AMBER)
    assert html.count('class="trend chart"') == 2
    assert (
        'href="#d-quantum"' in html and 'id="d-quantum"' in html
    )  # figures lead to their evidence
    assert (
        'href="javascript:' not in html and '<span class="note">javascript:alert(1)</span>' in html
    )  # text, never a link
    assert '<a href="https://doi.org/10.1/open-q"' in html


def visible_text(html: str) -> str:
    """The report's text as a reader sees it (no tags, styles or attribute values)."""
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_japanese_report_speaks_japanese_with_integer_ranks_and_a_demo_banner(folder):
    html = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    text = visible_text(html)
    assert not re.search(r"\b(protect|nurture|monitor)\b", text, flags=re.I)  # class codes
    assert "守る" in text and "育てる" in text and "注視" in text  # classes, legend included
    assert 'class="legend"' in html
    ranks = re.findall(r'<table id="list">.*?</table>', html, flags=re.S)[0]
    first_cells = re.findall(r'<tr><td class="n">([^<]*)</td>', ranks)
    assert first_cells == ["1", "2", "3"]  # never "1.000"
    assert "#1 量子技術" in text
    assert html.count('class="banner demo"') == 1 and "デモデータ" in text
    # what changed since s1: the three domains kept their ranks and classes
    assert "比較対象: スキャン s1" in text and "その他 3 領域は変化なし" in text
    # the store holds no class probabilities for these scans: the caveats say so
    assert "区分の確率はありません" in text


def test_report_of_live_data_has_no_demo_banner(tmp_path):
    store = copy_store(tmp_path / "warehouse.duckdb")
    with store.connect() as con:
        con.execute("UPDATE scans SET demo = false")
    folder = brief(store, tmp_path, "amber", "en", rescore=fake_rescore([]))
    html = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    assert 'class="banner demo"' not in html and "DEMO DATA" not in html
    assert "#1 Quantum" in visible_text(html)


def test_caveats_name_unfinished_sources_and_unsettled_classes(tmp_path):
    store = copy_store(tmp_path / "warehouse.duckdb")
    counts = {
        "sources": {"papers_openalex": {"finished": False}, "patents_epo_ops": {"finished": True}}
    }
    with store.connect() as con:
        con.execute("UPDATE scans SET source_counts = ? WHERE scan_id = 's2'", [json.dumps(counts)])
    probs = pd.DataFrame(
        [
            {"domain": "quantum", "p_protect": 0.9, "p_nurture": 0.05, "p_monitor": 0.05,
             "stable_class": "protect", "small_counts": None},
            {"domain": "semiconductors", "p_protect": 0.3, "p_nurture": 0.45, "p_monitor": 0.25,
             "stable_class": "uncertain", "small_counts": "rta_patents (4.0)"},
        ]
    )  # fmt: skip
    rescore = fake_rescore([])
    from horizon.config import load_sources

    folder = brief(
        store, tmp_path, "amber", "en",
        rescore=lambda records: {**rescore(records), "class_probabilities": probs},
        sources=load_sources(Path(__file__).resolve().parents[2] / "data/config/sources.yaml"),
    )  # fmt: skip
    html = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    caveats = visible_text(re.search(r'<ul id="caveats">.*?</ul>', html, flags=re.S).group(0))
    assert "not fetched in full" in caveats and "papers_openalex" in caveats
    assert "patents_epo_ops" not in caveats
    assert (
        "1 domains without a settled class" in caveats
        and "Semiconductors (30% / 45% / 25%)" in caveats
    )
    assert "1 domains have strength measures held at neutral" in caveats
    assert "documents above this audience were left out" in caveats
    table = re.search(r'<table id="list">.*?</table>', html, flags=re.S).group(0)
    assert '<td class="n">90%</td>' in table and '<td class="n">45% ?</td>' in table


def test_report_renders_in_headless_chromium(folder, tmp_path):
    page = next(folder.glob("report_*.html"))
    dom = run_chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_lines(dom.stderr) == []
    assert dom.stdout.count('class="point"') == 3
    shot = tmp_path / "shot.png"
    run = run_chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,1400")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert console_lines(run.stderr) == []
    width, channels, rows = png_pixels(shot.read_bytes())
    assert width == 1200
    # the quadrant chart sits in the first screen: its coloured points must have been drawn
    assert coloured_pixels(rows, channels, 150, 800) > 500


def test_console_check_catches_errors_and_blocked_fetches(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<link rel="stylesheet" href="https://fonts.example/x.css"></head><body>x</body></html>'
    )
    assert console_lines(run_chromium(page, tmp_path, "--dump-dom").stderr)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    shot = tmp_path / "blank.png"
    run_chromium(blank, tmp_path, f"--screenshot={shot}", "--window-size=400,300")
    _, channels, rows = png_pixels(shot.read_bytes())
    assert coloured_pixels(rows, channels, 0, 300) == 0


def test_cli_writes_the_folder_and_a_summary(tmp_path):
    from flows.cli import app

    home = tmp_path / "home"
    copy_store(home / "warehouse.duckdb")
    result = CliRunner().invoke(
        app,
        ["brief", "--audience", "red", "--lang", "en", "--home", str(home), "--run-by", "analyst"],
    )
    assert result.exit_code == 0, result.output
    first, summary = result.output.strip().splitlines()[-2:]
    folder = Path(first)
    assert folder == (home / "briefings" / "s2" / "red-en").resolve()
    assert (
        summary.startswith("scan s2 · TLP:RED · en · 3 domains")
        and "0 documents withheld" in summary
    )
    assert json.loads((folder / "manifest.json").read_text())["run_by"] == "analyst"


def test_cli_refuses_in_one_line(tmp_path, monkeypatch):
    from flows import cli_brief
    from flows.cli import app

    monkeypatch.setattr(cli_brief, "rescorer", lambda *args: None)  # as where no re-scoring exists

    home = tmp_path / "home"
    copy_store(home / "warehouse.duckdb")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "brief",
            "--audience",
            "clear",
            "--scan",
            "s1",
            "--home",
            str(home),
            "--out",
            str(out),
            "--config-dir",
            str(tmp_path),
        ],
    )
    # no re-scoring: withheld documents mean a refusal
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "above TLP:CLEAR" in result.output
    bad = CliRunner().invoke(app, ["brief", "--audience", "purple", "--home", str(home)])
    assert bad.exit_code == 2 and "--audience must be one of" in bad.output
    assert not out.exists() or not any(out.rglob("*.csv"))
    monkeypatch.undo()  # the scan flow's re-scoring, with a config folder that has no taxonomy
    broken = CliRunner().invoke(
        app, ["brief", "--audience", "green", "--home", str(home), "--config-dir", str(tmp_path)]
    )
    assert (
        broken.exit_code == 2
        and broken.output.startswith("error: ")
        and broken.output.count("\n") == 1
    )


# --- the demo scan's own briefings, as a reader opens and prints them -------------------------

MAX_PRINTED_PAGES = 30
MAX_PAGE_HEIGHT = 15_000  # px at 1100 px wide; the report of #19 measured over 16,000


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory, prefect_harness) -> dict[str, Path]:
    """The demo scan run once; its CLEAR briefings' reports by language."""
    from flows.weekly_scan import weekly_scan

    home = tmp_path_factory.mktemp("demo-home")
    result = weekly_scan(home=str(home), demo=True)
    assert result["status"] == "completed", result
    folder = home / "briefings" / result["scan_id"]
    return {lang: next(folder.glob(f"clear-{lang}/report_*.html")) for lang in ("ja", "en")}


def printed_pages(pdf: bytes) -> int:
    """Page objects in a PDF (Chromium writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def chart(html: str, svg_id: str) -> str:
    """One chart of the report, alone on a page under the report's CSP."""
    svg = re.search(rf'<svg id="{svg_id}".*?</svg>', html, flags=re.S).group(0)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"'
        f' content="{CSP}"></head><body style="margin:0">{svg}</body></html>'
    )


def test_printed_pdf_page_counting(tmp_path):
    page = tmp_path / "three.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(f'<p style="break-after:page">page {i}</p>' for i in range(3))
        + "</body></html>"
    )
    pdf = tmp_path / "three.pdf"
    run_chromium(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert printed_pages(pdf.read_bytes()) == 3


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_demo_report_prints_in_a_few_a4_pages(demo_reports, tmp_path, lang):
    pdf = tmp_path / f"{lang}.pdf"
    run = run_chromium(
        demo_reports[lang], tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}"
    )
    assert run.returncode == 0 and pdf.exists(), run.stderr[-2000:]
    pages = printed_pages(pdf.read_bytes())
    # a summary page, the map, 20 domain sections, terms, network and calibration
    assert 6 <= pages <= MAX_PRINTED_PAGES, pages
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf.read_bytes()  # A4 in points


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_demo_report_on_screen_is_bounded_and_its_charts_are_drawn(demo_reports, tmp_path, lang):
    from PIL import Image, ImageChops

    shot = tmp_path / "tall.png"
    run = run_chromium(
        demo_reports[lang], tmp_path, f"--screenshot={shot}", "--window-size=1100,20000"
    )
    assert run.returncode == 0 and console_lines(run.stderr) == [], run.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    bbox = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    assert bbox is not None and 5_000 < bbox[3] < MAX_PAGE_HEIGHT, bbox  # where content ends
    html = demo_reports[lang].read_text(encoding="utf-8")
    for svg_id, least in (("quadrant", 2_000), ("network", 1_000)):
        page = tmp_path / f"{svg_id}.html"
        page.write_text(chart(html, svg_id), encoding="utf-8")
        png = tmp_path / f"{svg_id}.png"
        run_chromium(page, tmp_path, f"--screenshot={png}", "--window-size=780,660")
        _, channels, rows = png_pixels(png.read_bytes())
        assert coloured_pixels(rows, channels, 0, 660) > least, svg_id


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_demo_report_reads_in_its_language(demo_reports, lang):
    html = demo_reports[lang].read_text(encoding="utf-8")
    text = visible_text(html)
    cjk = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    network = re.search(r'<svg id="network".*?</svg>', html, flags=re.S).group(0)
    labels = re.findall(r'class="label"[^>]*>([^<]+)<', network)
    assert 5 <= len(labels) <= 24  # the strongest nodes only
    if lang == "ja":
        assert all(cjk.search(label) for label in labels), labels
        assert not re.search(r"\b(protect|nurture|monitor)\b", text)  # class codes
    else:
        assert not any(cjk.search(label) for label in labels), labels
    assert html.count('class="banner demo"') == 1
    # the list: integer ranks 1..20 and each class's probability
    table = re.search(r'<table id="list">.*?</table>', html, flags=re.S).group(0)
    assert re.findall(r'<tr><td class="n">(\d+)</td>', table) == [str(i) for i in range(1, 21)]
    assert len(re.findall(r'<td class="n">\d+%', table)) == 20
    # emerging terms: a short table of sparklines, no raw weekly counts
    terms = re.search(r'<table id="terms">.*?</table>', html, flags=re.S).group(0)
    rows = terms.count("<tr>") - 1
    assert 1 <= rows <= 15 and terms.count('class="spark"') == rows
    assert "W4" not in terms and "{" not in terms and "demo" not in terms.lower()
    assert len(re.findall(r'<section class="domain"', html)) == 20
